"""Contacts in the database: add, list, remove, and who receives a notice as it escalates."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from ingest.models import AlarmContactRow
from ingest.notify.contacts import add_contact, list_contacts, recipients, remove_contact
from ingest.notify.errors import ContactNotFound, InvalidContact, NoSecretKey, TargetNotAllowed
from tests.unit.notify.builders import LOCAL_WEBHOOKS

HOOK = "https://ops.example/h"
SECRET = "a-shared-secret-of-ops"


def test_contacts_are_added_listed_and_removed(engine: Engine) -> None:
    nurse = add_contact(engine, "clinic-1", "email", "nurse@clinic.example", "Nurse Achieng")
    hook = add_contact(
        engine,
        "clinic-1",
        "webhook",
        "https://ops.example/h",
        "Ops",
        secret="k" * 20,
        webhook=LOCAL_WEBHOOKS,
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


def _sealed(engine: Engine) -> list[str | None]:
    with engine.connect() as conn:
        return list(conn.execute(select(AlarmContactRow.sealed_secret)).scalars())


def test_a_webhook_secret_is_stored_sealed_never_in_plain_text(engine: Engine) -> None:
    add_contact(engine, "clinic-1", "webhook", HOOK, "Ops", secret=SECRET, webhook=LOCAL_WEBHOOKS)
    [sealed] = _sealed(engine)
    assert sealed is not None and SECRET not in sealed
    assert LOCAL_WEBHOOKS.secrets is not None and LOCAL_WEBHOOKS.secrets.open(sealed) == SECRET


def test_adding_a_webhook_again_without_a_secret_keeps_it_and_only_clear_secret_erases_it(
    engine: Engine,
) -> None:
    add_contact(engine, "clinic-1", "webhook", HOOK, "Ops", secret=SECRET, webhook=LOCAL_WEBHOOKS)
    [before] = _sealed(engine)
    again = add_contact(engine, "clinic-1", "webhook", HOOK, "Night ops", webhook=LOCAL_WEBHOOKS)
    assert again.has_secret and again.name == "Night ops"
    assert _sealed(engine) == [before]
    with pytest.raises(InvalidContact, match="not both"):
        add_contact(engine, "clinic-1", "webhook", HOOK, "Ops", secret=SECRET, clear_secret=True)
    cleared = add_contact(engine, "clinic-1", "webhook", HOOK, "Ops", clear_secret=True)
    assert not cleared.has_secret and _sealed(engine) == [None]


def test_a_secret_is_refused_when_the_server_has_no_key_and_nothing_is_written(
    engine: Engine,
) -> None:
    with pytest.raises(NoSecretKey, match="COLDCHAIN_SECRET_KEY"):
        add_contact(engine, "clinic-1", "webhook", HOOK, "Ops", secret=SECRET)
    assert list_contacts(engine, include_inactive=True) == []


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/iam", "http://127.0.0.1:9108/metrics"],
)
def test_a_webhook_to_a_private_target_is_refused_when_added_and_nothing_is_written(
    engine: Engine, url: str
) -> None:
    with pytest.raises(TargetNotAllowed, match=r"link-local|loopback"):
        add_contact(engine, "clinic-1", "webhook", url, "Metadata")
    assert list_contacts(engine, include_inactive=True) == []
