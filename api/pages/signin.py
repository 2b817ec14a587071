"""Who signs in to the pages, and who a session still is: the one module that knows how
credentials are checked.

For now a person signs in with their user name and one of their API tokens (the access
room's per-user passwords replace the token here, and only here, when they land). A
session names the user and the credential it was opened with; ``principal_of`` rebuilds
the caller on every request, so revoking the token, or its expiry, ends the session at
once, and a changed role or scope applies on the next page.

Failed sign-ins are limited per account and per address (``SignInThrottle``): after
``MAX_FAILURES`` within ``WINDOW`` further attempts are refused, right or wrong, until the
window has passed.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from access import services
from access.errors import NotAuthenticated
from access.principal import Principal, Role
from api.deps import ApiDeps

MAX_FAILURES = 5
WINDOW_S = 15 * 60


class SignInRefused(Exception):
    """The name and credential do not match an active account (never says which)."""


class TooManyAttempts(Exception):
    def __init__(self, wait_minutes: int) -> None:
        super().__init__(f"too many failed sign-ins; wait {wait_minutes} minutes")
        self.wait_minutes = wait_minutes


@dataclass(frozen=True, slots=True)
class SignedIn:
    user_id: int
    credential_id: int
    principal: Principal


class SignInThrottle:
    """Failures per key (``name:`` or ``addr:``) in a sliding window, in this process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                recent = self._recent(key, now)
                if len(recent) >= MAX_FAILURES:
                    wait = int((recent[0] + WINDOW_S - now) // 60) + 1
                    raise TooManyAttempts(wait)

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def _recent(self, key: str, now: float) -> deque[float]:
        recent = self._failures.setdefault(key, deque())
        while recent and recent[0] <= now - WINDOW_S:
            recent.popleft()
        return recent


def sign_in(
    deps: ApiDeps, throttle: SignInThrottle, *, name: str, secret: str, address: str
) -> SignedIn:
    """The account behind ``name`` and ``secret``; ``SignInRefused`` or ``TooManyAttempts``."""
    keys = (f"name:{name.strip().lower()}", f"addr:{address}")
    throttle.check(*keys)
    try:
        principal = services.authenticate(
            deps.access_uow(), secret, deps.facility_paths, now=deps.clock()
        )
    except NotAuthenticated:
        principal = None
    if principal is None or principal.name != name.strip():
        throttle.failed(*keys)
        raise SignInRefused("that user name and token do not match an active account")
    assert principal.token_id is not None  # authenticated by a token
    return SignedIn(principal.user_id, principal.token_id, principal)


def principal_of(deps: ApiDeps, user_id: int, credential_id: int) -> Principal | None:
    """The signed-in caller, or None once the credential is revoked, expired or not theirs."""
    now = deps.clock()
    uow = deps.access_uow()
    with uow:
        token = uow.access.token(credential_id)
        user = uow.access.user(user_id)
        if token is None or user is None or token.user_id != user.id:
            return None
        if token.revoked_at is not None or (
            token.expires_at is not None and token.expires_at <= now
        ):
            return None
        name, role, facility_id = user.name, Role(user.role), user.facility_id
        expires_at = token.expires_at
    scope_path = None if facility_id is None else deps.facility_paths.path_of(facility_id)
    return Principal(
        user_id=user_id,
        name=name,
        role=role,
        token_id=credential_id,
        facility_id=facility_id,
        scope_path=scope_path,
        expires_at=expires_at,
    )
