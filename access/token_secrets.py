"""API token secrets: how they are made and how they are stored.

Invariant: a secret is never stored or logged. It is 32 random bytes from ``secrets``
(URL-safe base64), shown once to whoever created it; the database keeps its SHA-256 hex
digest, and a presented token is recognised by hashing it and looking the digest up. A
plain hash (not a slow password hash) is enough because the secret has 256 bits of entropy.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32
MIN_BOOTSTRAP_TOKEN_LENGTH = 16


def new_token_secret() -> str:
    """A fresh random token secret (43 URL-safe characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(secret: str) -> str:
    """The stored form of a token: SHA-256 of its UTF-8 bytes, as 64 hex characters."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
