"""Named errors of the notification package, under one base class.

``DeliveryFailed`` is the one a channel raises for "try again later"; ``DeliveryRejected``
means retrying cannot help (the dispatcher gives up at once). The contact errors are for
the services that manage contacts.
"""

from __future__ import annotations


class NotifyError(Exception):
    """Base class of every error the notification package raises on purpose."""


class InvalidContact(NotifyError):
    """A contact's channel or address cannot be used (bad URL, topic or e-mail address)."""


class ContactNotFound(NotifyError):
    """No contact with this id."""

    def __init__(self, contact_id: int) -> None:
        super().__init__(f"alarm contact {contact_id} does not exist")
        self.contact_id = contact_id


class DeliveryFailed(NotifyError):
    """One delivery attempt failed (timeout, refused, non-2xx, no PUBACK): retry later."""


class DeliveryRejected(DeliveryFailed):
    """The delivery can never succeed as addressed (e.g. a topic level with a wildcard)."""


class TargetNotAllowed(InvalidContact):
    """A webhook URL whose host is (or resolves to) an address webhooks may not reach:
    loopback, link-local, private, shared (CGNAT), multicast, unspecified or reserved."""


class NoSecretKey(NotifyError):
    """A webhook secret was given but the server has no key to seal it with (409)."""

    def __init__(self) -> None:
        super().__init__(
            "the server has no secret key (COLDCHAIN_SECRET_KEY), so a webhook secret cannot"
            " be stored; ask an administrator to set one, or add the contact without a secret"
        )


class SecretUnreadable(NotifyError):
    """A stored webhook secret cannot be opened (no key now, or another key)."""
