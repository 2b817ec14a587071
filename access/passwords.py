"""User passwords: hashed with Argon2id (argon2-cffi), never stored or logged in clear.

``Passwords`` wraps one ``argon2.PasswordHasher``; its parameters are argon2-cffi's
defaults (RFC 9106's low-memory profile: 3 passes over 64 MiB, 4 lanes) unless a caller
gives others (tests use cheap ones). A stored hash carries its own parameters, so a hash
made under older parameters still verifies and ``needs_rehash`` says when to replace it.

Invariants: checking a password takes the same work whether or not the user exists
(``verify(None, ...)`` checks against a dummy hash of the same parameters and answers
False); a password is 12 to 256 characters (long enough to resist guessing, short enough
that hashing a request body is bounded).
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from access.errors import InvalidPassword

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256


def check_password(password: str) -> str:
    """The password when its length is acceptable, else ``InvalidPassword`` (422)."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidPassword(
            f"a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters,"
            f" got {len(password)}"
        )
    return password


class Passwords:
    """Hash and verify passwords with one set of Argon2 parameters."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(check_password(password))

    def verify(self, stored: str | None, password: str) -> bool:
        """True when ``password`` matches ``stored``; ``stored`` None (unknown user, or one
        without a password) does the same work against a dummy hash and answers False."""
        candidate = stored if stored is not None else self._dummy_hash()
        try:
            matched = self._hasher.verify(candidate, password)
        except (VerificationError, InvalidHashError):
            return False
        return matched and stored is not None

    def needs_rehash(self, stored: str) -> bool:
        """Whether ``stored`` was made under other parameters than this hasher's."""
        return self._hasher.check_needs_rehash(stored)

    def _dummy_hash(self) -> str:
        if self._dummy is None:  # a race makes two dummies; either serves
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy


DEFAULT_PASSWORDS = Passwords()
