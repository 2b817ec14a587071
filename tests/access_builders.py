"""Builders for access tests: cheap Argon2 parameters (the real ones take about half a
second per hash on a busy machine) and a facility look-up of a small tree."""

from __future__ import annotations

from argon2 import PasswordHasher

from access.passwords import Passwords

PASSWORD = "correct horse battery"


def cheap_passwords(time_cost: int = 1) -> Passwords:
    return Passwords(PasswordHasher(time_cost=time_cost, memory_cost=64, parallelism=1))


class CountingPasswords(Passwords):
    """Cheap passwords that count how many hashes were verified (the work an attempt does)."""

    def __init__(self) -> None:
        super().__init__(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        self.verified = 0

    def verify(self, stored: str | None, password: str) -> bool:
        self.verified += 1
        return super().verify(stored, password)


class TreePaths:
    """province 1 > county 4 > clinic 17; county 5 is 4's sibling."""

    PATHS = {1: "/1/", 4: "/1/4/", 17: "/1/4/17/", 5: "/1/5/"}  # noqa: RUF012

    def path_of(self, facility_id: int) -> str | None:
        return self.PATHS.get(facility_id)
