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
