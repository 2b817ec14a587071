"""How the pages keep sessions: the signing key and cookie flags, given by the composition
root (``COLDCHAIN_SESSION_KEY``). Nothing here reads the environment."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

SESSION_HOURS = 12


def _random_key() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class PagesConfig:
    """``session_key`` signs the session cookies (a random one when none is configured:
    sessions then end when the process restarts); ``secure_cookies`` adds ``Secure`` (set it
    behind HTTPS)."""

    session_key: str = field(default_factory=_random_key)
    secure_cookies: bool = False
    session_hours: int = SESSION_HOURS
