"""Webhook secrets sealed under the server's Fernet key: opened only with that key (or an
older key kept for rotation), and never shown by the box itself."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from ingest.notify.errors import SecretUnreadable
from ingest.notify.secret_box import SecretBox


def test_a_sealed_secret_is_not_the_secret_and_opens_with_the_key() -> None:
    key = Fernet.generate_key().decode()
    box = SecretBox.from_setting(key)
    sealed = box.seal("a-shared-secret-of-ops")
    assert "a-shared-secret-of-ops" not in sealed
    assert SecretBox.from_setting(key).open(sealed) == "a-shared-secret-of-ops"
    assert key not in repr(box)


def test_another_key_cannot_open_it() -> None:
    sealed = SecretBox.from_setting(Fernet.generate_key().decode()).seal("a-shared-secret")
    with pytest.raises(SecretUnreadable, match="COLDCHAIN_SECRET_KEY"):
        SecretBox.from_setting(Fernet.generate_key().decode()).open(sealed)


def test_after_rotation_the_old_key_still_opens_and_the_new_one_seals() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed_before = SecretBox.from_setting(old).seal("secret-before-rotation")
    rotated = SecretBox.from_setting(f"{new},{old}")
    assert rotated.open(sealed_before) == "secret-before-rotation"
    assert SecretBox.from_setting(new).open(rotated.seal("after")) == "after"


@pytest.mark.parametrize("setting", ["not-a-key", " , "])
def test_a_bad_key_is_refused_with_how_to_make_one(setting: str) -> None:
    with pytest.raises(ValueError, match=r"Fernet|no key"):
        SecretBox.from_setting(setting)
