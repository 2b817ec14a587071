"""Alarm contacts of a facility: who is notified (webhook, MQTT topic, e-mail) when its alarms
are raised, re-notified, escalated to it from below, acknowledged or cleared.

Admins, or staff whose scope holds the facility, list, add and remove them (addresses and
webhook URLs are not for viewers). A webhook URL must reach a public address (or one an
administrator allows). Adding the same (channel, address) again updates it and keeps its
secret unless a new one or ``clear_secret`` is sent; removing deactivates it.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import Deps, WriterPrincipal
from api.places import ensure_write_at_code, facility_path_of
from api.schemas.bounds import Id
from api.schemas.common import BAD_BODY, error_responses
from api.schemas.contacts import ContactCreate, ContactPublic

router = APIRouter(
    tags=["alarms"],
    responses=error_responses(401, 403, 404, 422, s404="no facility of that code, or no contact"),
)


@router.get(
    "/facilities/{facility_code}/contacts",
    response_model=list[ContactPublic],
)
def list_contacts(
    facility_code: str, deps: Deps, who: WriterPrincipal, include_inactive: bool = False
) -> list[ContactPublic]:
    facility_path_of(deps, facility_code)
    ensure_write_at_code(deps, who, facility_code)
    found = deps.contacts().of_facility(facility_code, include_inactive=include_inactive)
    return [ContactPublic.of(c) for c in found]


@router.post(
    "/facilities/{facility_code}/contacts",
    response_model=ContactPublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        **BAD_BODY,
        **error_responses(409, s409="a webhook secret, and the server has no secret key"),
    },
)
def add_contact(
    facility_code: str, body: ContactCreate, deps: Deps, who: WriterPrincipal
) -> ContactPublic:
    facility_path_of(deps, facility_code)
    ensure_write_at_code(deps, who, facility_code)
    contact = deps.contacts().add(
        facility_code,
        body.channel,
        body.address,
        body.name,
        body.secret,
        clear_secret=body.clear_secret,
    )
    return ContactPublic.of(contact)


@router.delete(
    "/contacts/{contact_id}",
    response_model=ContactPublic,
)
def remove_contact(contact_id: Id, deps: Deps, who: WriterPrincipal) -> ContactPublic:
    """Deactivate the contact (idempotent); the answer shows it inactive."""
    book = deps.contacts()
    ensure_write_at_code(deps, who, book.get(contact_id).facility_code)
    return ContactPublic.of(book.remove(contact_id))
