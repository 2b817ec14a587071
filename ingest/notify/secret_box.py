"""Webhook secrets sealed at rest with Fernet (AES-128-CBC + HMAC-SHA256, from
``cryptography``) under the server's key, COLDCHAIN_SECRET_KEY.

Invariants: the database holds only sealed secrets (``alarm_contacts.sealed_secret``); a
secret is opened only by the webhook channel, just before it signs a request; the box's
``repr`` shows no key. Several keys may be given for rotation: the first seals, any opens.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ingest.notify.errors import SecretUnreadable

KEY_SETTING = "COLDCHAIN_SECRET_KEY"


class SecretBox:
    """Seals and opens webhook secrets with the server's Fernet key(s)."""

    __slots__ = ("_fernet",)

    def __init__(self, keys: Iterable[str]) -> None:
        """``ValueError`` if a key is not a Fernet key (32 url-safe base64-encoded bytes)."""
        fernets: list[Fernet] = []
        for number, key in enumerate((k.strip() for k in keys if k.strip()), 1):
            try:
                fernets.append(Fernet(key.encode()))
            except ValueError as exc:
                raise ValueError(
                    f"key {number} is not a Fernet key (32 url-safe base64-encoded bytes);"
                    " make one with: python -c 'from cryptography.fernet import Fernet;"
                    " print(Fernet.generate_key().decode())'"
                ) from exc
        if not fernets:
            raise ValueError("no key given")
        self._fernet = MultiFernet(fernets)

    @classmethod
    def from_setting(cls, text: str) -> SecretBox:
        """From the setting's value: one key, or several separated by commas."""
        return cls(text.split(","))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, UnicodeError) as exc:
            raise SecretUnreadable(
                f"the contact's webhook secret cannot be opened with {KEY_SETTING}"
                " (sealed under another key?)"
            ) from exc

    def __repr__(self) -> str:
        return "SecretBox(<keys hidden>)"
