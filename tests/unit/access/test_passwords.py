"""Passwords are Argon2id hashes; an unknown user costs the same work; old parameters are
noticed so the hash can be replaced."""

from __future__ import annotations

import pytest

from access.errors import InvalidPassword
from access.passwords import MAX_PASSWORD_LENGTH, check_password
from tests.access_builders import PASSWORD, cheap_passwords


def test_a_password_is_stored_as_an_argon2id_hash_and_verifies() -> None:
    passwords = cheap_passwords()
    stored = passwords.hash(PASSWORD)

    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert passwords.verify(stored, PASSWORD)
    assert not passwords.verify(stored, PASSWORD + "!")


def test_no_stored_hash_verifies_against_a_dummy_of_the_same_parameters() -> None:
    passwords = cheap_passwords()

    assert not passwords.verify(None, PASSWORD)
    dummy = passwords._dummy_hash()
    assert not passwords.needs_rehash(dummy)  # same work as a real user's hash


def test_a_hash_under_older_parameters_needs_rehash_and_still_verifies() -> None:
    old = cheap_passwords(time_cost=1).hash(PASSWORD)
    current = cheap_passwords(time_cost=2)

    assert current.needs_rehash(old)
    assert current.verify(old, PASSWORD)
    assert not current.needs_rehash(current.hash(PASSWORD))


def test_a_garbled_hash_verifies_nothing() -> None:
    assert not cheap_passwords().verify("not-a-hash", PASSWORD)


@pytest.mark.parametrize("length", [0, 11, MAX_PASSWORD_LENGTH + 1])
def test_a_password_has_12_to_256_characters_and_the_message_hides_it(length: int) -> None:
    with pytest.raises(InvalidPassword, match=f"got {length}$") as raised:
        check_password("x" * length)
    assert "xxxxxxxxxxx" not in str(raised.value)
