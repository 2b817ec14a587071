"""Sessions of the pages in signed cookies, and the CSRF token every form carries.

The cookie holds who is signed in (user id and a stamp of their password) and a random CSRF
token, signed with ``itsdangerous`` (HMAC-SHA1 over the payload and its time stamp) and
sent ``HttpOnly``, ``SameSite=Lax`` (``Secure`` behind HTTPS). A cookie that was altered,
signed with another key or older than the session's lifetime is ignored: the visitor is
anonymous again. Nothing is kept on the server.

Invariant: a POST whose ``csrf`` field does not equal the session's token changes nothing
(``CsrfRefused``, answered 403); a new session (sign in, sign out) gets a new token.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, replace
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "coldchain_session"
_SALT = "coldchain.pages.session"


class CsrfRefused(Exception):
    """A form came without the session's CSRF token (an old page, or another site)."""


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True, slots=True)
class PageSession:
    """One visitor's session: ``user_id`` None while anonymous."""

    csrf: str
    user_id: int | None = None
    stamp: str | None = None  # of the user's password hash (signin.password_stamp), rechecked

    @classmethod
    def anonymous(cls) -> PageSession:
        return cls(csrf=new_csrf())

    def signed_in(self, user_id: int, stamp: str) -> PageSession:
        return PageSession(csrf=new_csrf(), user_id=user_id, stamp=stamp)

    def with_csrf(self) -> PageSession:
        return replace(self, csrf=new_csrf())

    def check_csrf(self, presented: str | None) -> None:
        if not presented or not hmac.compare_digest(presented.encode(), self.csrf.encode()):
            raise CsrfRefused("the form's security token is missing or out of date")


class SessionCodec:
    """Signs sessions into cookie values and reads them back (None when not valid)."""

    def __init__(self, key: str, max_age_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt=_SALT)
        self.max_age_s = max_age_s

    def dumps(self, session: PageSession) -> str:
        data: dict[str, Any] = {"c": session.csrf}
        if session.user_id is not None:
            data |= {"u": session.user_id, "k": session.stamp}
        return self._serializer.dumps(data)

    def loads(self, value: str | None) -> PageSession | None:
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=self.max_age_s)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        user, stamp = data.get("u"), data.get("k")
        if not (isinstance(user, int) and isinstance(stamp, str)):
            user = stamp = None
        return PageSession(csrf=data["c"], user_id=user, stamp=stamp)
