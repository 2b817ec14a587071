"""Shipments: the list of a facility's shipments with those in transit and overdue; plan
one; dispatch it from a unit of the origin (the FEFO suggestion shown; naming another lot
needs a reason); receive it at the destination per lot, with a reason for any difference,
after its transport record (rule 27: what the loggers on the road read): accept, accept with
every lot held, or refuse it back to the sender; a record that does not cover the journey
(or, with COLDCHAIN_TRANSPORT_RECORD_REQUIRED, a shipment that carried no logger) is
accepted only by a supervisor, with a reason (the API's rule, checked by the same helpers);
the sender receives a refused shipment back per lot, held until it releases or destroys it.
Every lot field takes a typed lot number or a scanned GS1 string."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from access import scopes
from access.errors import Forbidden
from api.deps import ApiDeps
from api.idempotency import ledger_key
from api.lot_refs import scanned_lot
from api.pages.facilities import chosen_facility
from api.pages.lot_field import LotFieldError, lot_of_field
from api.pages.web import FormPage, Page, SignedInPage
from api.places import ensure_read_shipment, ensure_write_at, shipment
from api.schemas.bounds import Id
from api.transport_records import Leg, TransportRecord, record_covers, record_of
from inventory import queries, services
from inventory.commands import (
    CreateShipment,
    DispatchItem,
    DispatchShipment,
    ReceiveReturn,
    ReceiveShipment,
    RefuseShipment,
)
from inventory.domain.fefo import Candidate, fefo
from inventory.domain.gs1 import Gs1Error
from inventory.domain.shipments import ReceivedLot
from inventory.errors import InventoryError
from inventory.results import ShipmentView

router = APIRouter()


def _may_write(page: Page, facility_id: int) -> bool:
    path = page.deps.facility_paths.path_of(facility_id)
    return path is not None and scopes.can_write_at(page.who, path)


def _number(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and low <= int(text) <= high else None


@router.get("/shipments")
def shipment_list(
    page: SignedInPage, facility: Annotated[str | None, Query(max_length=64)] = None
) -> Response:
    return _render_list(page, facility, errors={}, values={})


@router.post("/shipments")
def plan(page: FormPage) -> Response:
    uow, form = page.deps.inventory_uow(), page.form
    origin = chosen_facility(page.deps, page.who, form.get("facility"))
    ensure_write_at(page.deps, page.who, origin.id)
    errors: dict[str, str] = {}
    hours = _number(form.get("hours", ""), 1, 24 * 90)
    if hours is None:
        errors["hours"] = page.gettext("Give the expected travel time in hours (1 to 2160).")
    try:
        destination = queries.facility_by_code(uow, form.get("destination", "").strip())
    except InventoryError:
        errors["destination"] = page.gettext("No facility has this code.")
    if errors:
        return _render_list(page, origin.code, errors=errors, values=dict(form), status=422)
    try:
        planned = services.create_shipment(
            uow,
            CreateShipment(
                origin.id,
                destination.id,
                timedelta(hours=hours or 0),
                page.who.name,
                form.get("reference", "").strip() or None,
                ledger_key(page.who, form.get("key") or uuid.uuid4().hex),
            ),
        )
    except InventoryError as exc:
        errors["destination"] = str(exc)
        return _render_list(page, origin.code, errors=errors, values=dict(form), status=422)
    return page.redirect(f"/shipments/{planned.id}")


@router.get("/shipments/{shipment_id}")
def shipment_page(page: SignedInPage, shipment_id: Id) -> Response:
    return _render_shipment(page, shipment_id, errors={}, values={})


@router.post("/shipments/{shipment_id}/dispatch")
def dispatch(page: FormPage, shipment_id: Id) -> Response:
    deps, form = page.deps, page.form
    found = shipment(deps, shipment_id)
    ensure_write_at(deps, page.who, found.origin_facility_id)
    uow = deps.inventory_uow()
    errors: dict[str, str] = {}
    unit = _number(form.get("unit", ""), 1, 2**31 - 1)
    product = _number(form.get("product", ""), 1, 2**31 - 1)
    doses = _number(form.get("doses", ""), 1, 10_000_000)
    if doses is None:
        errors["doses"] = page.gettext("Give the number of doses to send (1 or more).")
    if unit is None:
        errors["unit"] = page.gettext("Choose the storage unit the doses leave from.")
    if product is None:
        errors["product"] = page.gettext("Choose the product.")
    lot_id = None
    if form.get("lot", "").strip():
        try:
            lot_id = lot_of_field(uow, form["lot"], product, page.now.date()).id
        except LotFieldError as exc:
            errors["lot"] = str(exc)
    if not errors:
        try:
            services.dispatch_shipment(
                uow,
                DispatchShipment(
                    shipment_id=shipment_id,
                    storage_unit_id=unit or 0,
                    items=(DispatchItem(product or 0, doses or 0, lot_id),),
                    user=page.who.name,
                    idempotency_key=ledger_key(page.who, form.get("key") or uuid.uuid4().hex),
                    fefo_override_reason=form.get("override_reason", "").strip() or None,
                ),
            )
        except InventoryError as exc:
            field = "override_reason" if "fefo" in str(exc).lower() else "doses"
            errors[field] = str(exc)
        else:
            return page.redirect(f"/shipments/{shipment_id}")
    return _render_shipment(page, shipment_id, errors=errors, values=dict(form), status=422)


@router.post("/shipments/{shipment_id}/receipt")
def receive(page: FormPage, shipment_id: Id) -> Response:
    deps, form = page.deps, page.form
    found = shipment(deps, shipment_id)
    ensure_write_at(deps, page.who, found.destination_facility_id)
    errors: dict[str, str] = {}
    unit = _number(form.get("unit", ""), 1, 2**31 - 1)
    if unit is None:
        errors["unit"] = page.gettext("Choose the storage unit the doses go into.")
    lots = _counted_lots(
        page,
        found,
        errors,
        count="received",
        reason="reason",
        unreadable=page.gettext("Write the number of doses that arrived (0 or more)."),
        differs=page.gettext("What arrived differs from what was sent: say why."),
    )
    decision = form.get("decision", "accept")
    if decision not in ("accept", "accept_quarantined"):
        errors["decision"] = page.gettext("Choose whether to use the vaccine or hold it.")
    override = form.get("override_reason", "").strip() or None
    covers = record_covers(deps, shipment_id, None)
    no_logger = not queries.shipment_loggers(deps.inventory_uow(), shipment_id)
    if covers is False and override is None and no_logger:
        errors["override_reason"] = page.gettext(
            "No temperature logger travelled with this shipment and a transport record is"
            " required: a supervisor must accept it and say why."
        )
    elif covers is False and override is None:
        errors["override_reason"] = page.gettext(
            "The temperature record does not cover the whole journey: a supervisor must"
            " accept it and say why."
        )
    try:
        scopes.ensure_may_override(page.who, covers, override)
    except Forbidden:
        errors["override_reason"] = page.gettext(
            "Only a supervisor can accept a journey the record does not cover."
        )
    if not errors:
        try:
            services.receive_shipment(
                deps.inventory_uow(),
                ReceiveShipment(
                    shipment_id,
                    unit or 0,
                    tuple(lots),
                    page.who.name,
                    ledger_key(page.who, form.get("key") or uuid.uuid4().hex),
                    decision=decision,
                    record_complete=covers,
                    override_reason=override,
                ),
            )
        except InventoryError as exc:
            errors["unit"] = str(exc)
        else:
            return page.redirect(f"/shipments/{shipment_id}")
    return _render_shipment(page, shipment_id, errors=errors, values=dict(form), status=422)


@router.post("/shipments/{shipment_id}/refusal")
def refuse(page: FormPage, shipment_id: Id) -> Response:
    deps, form = page.deps, page.form
    found = shipment(deps, shipment_id)
    ensure_write_at(deps, page.who, found.destination_facility_id)
    reason = form.get("refusal_reason", "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["refusal_reason"] = page.gettext("Say why you refuse the delivery.")
    else:
        try:
            services.refuse_shipment(
                deps.inventory_uow(),
                RefuseShipment(
                    shipment_id,
                    reason,
                    page.who.name,
                    ledger_key(page.who, form.get("key") or uuid.uuid4().hex),
                    record_complete=record_covers(deps, shipment_id, None),
                ),
            )
        except InventoryError as exc:
            errors["refusal_reason"] = str(exc)
        else:
            return page.redirect(f"/shipments/{shipment_id}")
    return _render_shipment(page, shipment_id, errors=errors, values=dict(form), status=422)


@router.post("/shipments/{shipment_id}/return-receipt")
def receive_return(page: FormPage, shipment_id: Id) -> Response:
    deps, form = page.deps, page.form
    found = shipment(deps, shipment_id)
    ensure_write_at(deps, page.who, found.origin_facility_id)
    errors: dict[str, str] = {}
    unit = None
    if form.get("unit", "").strip():
        unit = _number(form["unit"], 1, 2**31 - 1)
        if unit is None:
            errors["unit"] = page.gettext("Choose the storage unit the doses go into.")
    lots = _counted_lots(
        page,
        found,
        errors,
        count="returned",
        reason="return_reason",
        unreadable=page.gettext("Write the number of doses that came back (0 or more)."),
        differs=page.gettext("What came back differs from what was sent: say why."),
    )
    if not errors:
        try:
            services.receive_return(
                deps.inventory_uow(),
                ReceiveReturn(
                    shipment_id,
                    tuple(lots),
                    page.who.name,
                    ledger_key(page.who, form.get("key") or uuid.uuid4().hex),
                    unit,
                ),
            )
        except InventoryError as exc:
            errors["unit"] = str(exc)
        else:
            return page.redirect(f"/shipments/{shipment_id}")
    return _render_shipment(page, shipment_id, errors=errors, values=dict(form), status=422)


def _covers(deps: ApiDeps, shipment_id: int, record: TransportRecord | None) -> bool | None:
    """``record_covers``, from the record already read when there is one."""
    return record.covers if record is not None else record_covers(deps, shipment_id, None)


def _counted_lots(
    page: Page,
    found: ShipmentView,
    errors: dict[str, str],
    *,
    count: str,
    reason: str,
    unreadable: str,
    differs: str,
) -> list[ReceivedLot]:
    """The doses counted of each lot of the shipment, from the fields ``{count}_{lot id}``
    and ``{reason}_{lot id}``: a count that cannot be read, and one that differs from what
    was sent with no reason, put their message in ``errors`` beside the field."""
    lots = []
    for line in found.lines:
        got = _number(page.form.get(f"{count}_{line.lot_id}", ""), 0, 10_000_000)
        why = page.form.get(f"{reason}_{line.lot_id}", "").strip()
        if got is None:
            errors[f"{count}_{line.lot_id}"] = unreadable
        elif got != line.dispatched and not why:
            errors[f"{reason}_{line.lot_id}"] = differs
        lots.append(ReceivedLot(line.lot_id, got or 0, why or None))
    return lots


def _record(deps: ApiDeps, shipment_id: int, leg: Leg = "outbound") -> TransportRecord | None:
    """The transport record of a shipment that carried a logger (None: no logger, or no
    telemetry store to read it from); ``leg="return"``: of a refused one's way back."""
    if deps.transport_records is None:
        return None
    if not queries.shipment_loggers(deps.inventory_uow(), shipment_id):
        return None
    return record_of(deps, shipment_id, None, leg)


def _render_list(
    page: Page,
    facility: str | None,
    *,
    errors: dict[str, str],
    values: dict[str, str],
    status: int = 200,
) -> Response:
    deps = page.deps
    place = chosen_facility(deps, page.who, facility)
    uow = deps.inventory_uow()
    shipments = queries.list_shipments(uow, place.id, None)
    # the temperature on the road of each shipment still in transit that carries a logger
    records = {
        s.id: record
        for s in shipments
        if s.status == "dispatched" and (record := _record(deps, s.id)) is not None
    }
    return page.render(
        "shipments.html",
        status_code=status,
        facility=place,
        shipments=shipments,
        records=records,
        overdue=queries.overdue_shipments(uow, page.now, facility_path=place.path),
        may_plan=_may_write(page, place.id),
        errors=errors,
        values=values,
        key=uuid.uuid4().hex,
    )


def _render_shipment(
    page: Page,
    shipment_id: int,
    *,
    errors: dict[str, str],
    values: dict[str, str],
    status: int = 200,
) -> Response:
    deps = page.deps
    found: ShipmentView = shipment(deps, shipment_id)
    ensure_read_shipment(deps, page.who, found)
    uow = deps.inventory_uow()
    origin = queries.get_facility(uow, found.origin_facility_id)
    destination = queries.get_facility(uow, found.destination_facility_id)
    may_dispatch = found.status == "created" and _may_write(page, origin.id)
    may_receive = found.status == "dispatched" and _may_write(page, destination.id)
    may_receive_return = found.returning and _may_write(page, origin.id)
    stock = (
        queries.stock_on_hand(uow, facility_id=origin.id, by_unit=True).lines
        if may_dispatch
        else ()
    )
    issuable = [s for s in stock if s.usable.doses > 0 and not s.holds]
    suggestion = fefo(
        [Candidate(s.lot_id, s.lot_number, s.expiry, s.usable.doses) for s in issuable]
    )
    products = {s.product_id: s.product_code for s in issuable}
    on_the_road = found.status in (
        "dispatched",
        "received",
        "partially_received",
        "refused",
        "returned",
    )
    record = _record(deps, shipment_id) if on_the_road else None
    record_back = _record(deps, shipment_id, "return") if found.refused_at else None
    needs_override = may_receive and _covers(deps, shipment_id, record) is False
    return page.render(
        "shipment.html",
        status_code=status,
        shipment=found,
        origin=origin,
        destination=destination,
        may_dispatch=may_dispatch,
        may_receive=may_receive,
        may_receive_return=may_receive_return,
        origin_units=(
            queries.storage_units_of(uow, origin.id) if may_dispatch or may_receive_return else []
        ),
        destination_units=queries.storage_units_of(uow, destination.id) if may_receive else [],
        suggestion=[(c, next(s for s in issuable if s.lot_id == c.lot_id)) for c in suggestion],
        products=products,
        record=record,
        record_back=record_back,
        needs_override=needs_override,
        zone=destination.timezone,
        errors=errors,
        values=values,
        key=uuid.uuid4().hex,
    )


@router.get("/scan.json")
def read_scan(page: SignedInPage, code: Annotated[str, Query(max_length=512)]) -> Response:
    """What a scanned code says (for the scan field's script): product, lot and expiry, or
    what is wrong with it (a bad check digit ...). Reads only; any signed-in user."""
    try:
        scanned = scanned_lot(page.deps.inventory_uow(), code, page.now.date())
    except (Gs1Error, InventoryError) as exc:
        return JSONResponse({"error": str(exc)})
    summary = page.gettext(
        "Product %(product)s, lot %(lot)s, expires %(expiry)s",
        product=scanned.product_code,
        lot=scanned.lot_number,
        expiry=page.formats.date(scanned.expiry),
    )
    return JSONResponse(
        {"summary": summary, "product_id": scanned.product_id, "lot_number": scanned.lot_number}
    )
