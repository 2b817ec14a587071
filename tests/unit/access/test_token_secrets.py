"""Token secrets are random and only their SHA-256 digest is kept."""

from __future__ import annotations

import hashlib

from access.token_secrets import hash_token, new_token_secret


def test_secrets_are_long_random_and_url_safe() -> None:
    secrets = {new_token_secret() for _ in range(50)}

    assert len(secrets) == 50
    assert all(len(s) >= 43 and s.replace("-", "").replace("_", "").isalnum() for s in secrets)


def test_the_stored_form_is_the_sha256_hex_digest() -> None:
    assert hash_token("abc") == hashlib.sha256(b"abc").hexdigest()
    assert hash_token("abc") != hash_token("abd")
    assert len(hash_token(new_token_secret())) == 64
