"""Named errors of access: who is calling, and what they may not do.

Every error here is an ``AccessError``; ``api/errors.py`` maps them to HTTP statuses once
(401, 403, 404, 409, 422) and the CLI prints them. Messages never contain a secret: tokens
are named by id, users by name.
"""

from __future__ import annotations


class AccessError(Exception):
    """Base of the errors access raises."""


class NotAuthenticated(AccessError):
    """No bearer token, or one that is unknown, revoked or expired, or whose user is
    disabled; or a name and password that do not match an active user (401)."""


class TokenExpired(NotAuthenticated):
    """A known token past its ``expires_at``: the caller needs a new one (401)."""


class TooManyAttempts(AccessError):
    """Too many failed sign-ins for an account or from an address within the window: every
    attempt is refused, right or wrong, for ``wait_minutes`` more (429)."""

    def __init__(self, wait_minutes: int) -> None:
        super().__init__(f"too many failed sign-ins; wait {wait_minutes} minutes")
        self.wait_minutes = wait_minutes


class Forbidden(AccessError):
    """The caller is known but its role or facility scope does not allow this (403)."""


class TokenNotFound(AccessError):
    """No API token has that id (404)."""


class UserNotFound(AccessError):
    """No user has that id or name (404)."""


class UserConflict(AccessError):
    """A user of that name exists with another role or scope, or the change is refused by
    the user's state (409)."""


class InvalidAccessInput(AccessError):
    """Input to an access use case that cannot be accepted as given (422)."""


class InvalidScope(InvalidAccessInput):
    """A role and facility scope that do not go together."""


class UnknownScopeFacility(InvalidScope):
    """A scope names a facility id that the ledger does not know."""


class InvalidExpiry(InvalidAccessInput):
    """A token lifetime out of range."""


class InvalidName(InvalidAccessInput):
    """A user name that is empty or too long."""


class InvalidPassword(InvalidAccessInput):
    """A password too short or too long (the message never contains it)."""


class WeakToken(InvalidAccessInput):
    """A bootstrap token too short to be a secret."""
