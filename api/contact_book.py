"""Alarm contacts as the API manages them: the notify package's contact services
(``ingest.notify.contacts``) on the API's database.

Invariants are the notify package's: an address is checked for its channel before it is
stored (``InvalidContact``, 422), a webhook URL must reach an allowed target
(``TargetNotAllowed``, 422); (facility, channel, address) is unique, so adding a contact
again updates and re-activates it, keeping its webhook secret unless a new one is given or
``clear_secret`` is asked; a secret needs the server's key (``NoSecretKey``, 409); removing
deactivates (the delivery history keeps naming whom it notified); an unknown id is
``ContactNotFound`` (404).
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ingest.notify import contacts
from ingest.notify.config import WebhookConfig
from ingest.notify.contacts import Contact
from ingest.notify.errors import ContactNotFound


class ContactBook:
    def __init__(
        self, session_factory: sessionmaker[Session], webhooks: WebhookConfig | None = None
    ) -> None:
        self._sessions = session_factory
        self._webhooks = webhooks or WebhookConfig()

    def _engine(self) -> Engine:
        with self._sessions() as session:  # no connection is opened to ask for the bind
            bind = session.get_bind()
        return bind if isinstance(bind, Engine) else bind.engine

    def of_facility(self, facility_code: str, *, include_inactive: bool = False) -> list[Contact]:
        return contacts.list_contacts(
            self._engine(), facility_code, include_inactive=include_inactive
        )

    def get(self, contact_id: int) -> Contact:
        """One contact, active or not. (The notify package has no look-up by id; contacts
        are few, a handful per facility.)"""
        every = contacts.list_contacts(self._engine(), include_inactive=True)
        for contact in every:
            if contact.id == contact_id:
                return contact
        raise ContactNotFound(contact_id)

    def add(
        self,
        facility_code: str,
        channel: str,
        address: str,
        name: str,
        secret: str | None,
        *,
        clear_secret: bool = False,
    ) -> Contact:
        return contacts.add_contact(
            self._engine(),
            facility_code,
            channel,
            address,
            name,
            secret=secret,
            clear_secret=clear_secret,
            webhook=self._webhooks,
        )

    def remove(self, contact_id: int) -> Contact:
        return contacts.remove_contact(self._engine(), contact_id)
