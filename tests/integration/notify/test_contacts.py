"""Contacts in the database: add, list, remove, and who receives a notice as it escalates."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from ingest.notify.contacts import add_contact, list_contacts, recipients, remove_contact
from ingest.notify.errors import ContactNotFound, InvalidContact


def test_contacts_are_added_listed_and_removed(engine: Engine) -> None:
    nurse = add_contact(engine, "clinic-1", "email", "nurse@clinic.example", "Nurse Achieng")
    hook = add_contact(
        engine, "clinic-1", "webhook", "https://ops.example/h", "Ops", secret="k" * 20
    )
    add_contact(engine, "county-1", "mqtt", "county-1/pager", "County pager")
    assert [c.name for c in list_contacts(engine, "clinic-1")] == ["Nurse Achieng", "Ops"]
    assert hook.has_secret and not nurse.has_secret
    removed = remove_contact(engine, nurse.id)
    assert not removed.active
    assert [c.id for c in list_contacts(engine, "clinic-1")] == [hook.id]
    everyone = list_contacts(engine, include_inactive=True)
    assert {c.facility_code for c in everyone} == {"clinic-1", "county-1"}
    assert len(everyone) == 3


def test_adding_a_contact_again_updates_and_reactivates_it(engine: Engine) -> None:
    first = add_contact(engine, "clinic-1", "email", "nurse@clinic.example", "Nurse")
    remove_contact(engine, first.id)
    again = add_contact(engine, "clinic-1", "email", "nurse@clinic.example", "Head nurse")
    assert (again.id, again.name, again.active) == (first.id, "Head nurse", True)


def test_bad_contacts_and_unknown_ids_are_named_errors(engine: Engine) -> None:
    with pytest.raises(InvalidContact):
        add_contact(engine, "clinic-1", "email", "not-an-address", "Nurse")
    with pytest.raises(ContactNotFound):
        remove_contact(engine, 999)


def test_recipients_are_the_active_contacts_of_the_escalation_levels(engine: Engine) -> None:
    clinic = add_contact(engine, "clinic-1", "email", "nurse@clinic.example", "Nurse")
    county = add_contact(engine, "county-1", "email", "epi@county.example", "County EPI")
    add_contact(engine, "city-1", "email", "epi@city.example", "City EPI")
    gone = add_contact(engine, "county-1", "webhook", "https://old.example/h", "Old")
    remove_contact(engine, gone.id)
    with engine.connect() as conn:
        level0 = recipients(conn, ["clinic-1"])
        level1 = recipients(conn, ["clinic-1", "county-1"])
    assert [c.id for c in level0] == [clinic.id]
    assert [c.id for c in level1] == [clinic.id, county.id]
