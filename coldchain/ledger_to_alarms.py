"""The ledger's routine findings as facility alarms: translates inventory's results into
``ingest.alarms.facility_alarms.FacilityAlarm`` (no SQL, no rules: those are the rooms').

- an expiry warning (``inventory.services.expiry_warnings``) → ``LOT_EXPIRING`` (warning) at
  the holding facility, one key per lot and threshold, so 90 → 60 → 30 days each notify once;
- a closed day whose reconciliation does not balance (``inventory.services.close_days``) →
  ``STOCK_RECONCILIATION`` (alarm) at the facility, one per facility and day, with the
  figures of every product that does not balance;
- an overdue shipment (``inventory.queries.overdue_shipments``: not received by its
  expected arrival + the grace, 24 h) → ``SHIPMENT_OVERDUE`` (alarm) at the sender and at
  the receiver's parent (one alarm when they are the same), cleared at receipt; a refused
  shipment whose return is not received back by its refusal + lead time + grace → the same
  alarm at the sender only (its own key), cleared when the return is received;
- the ledger check's findings (``inventory.queries.verify_ledger``) → one ``LEDGER_CHECK``
  alarm at each root facility that lists every finding; the key carries a digest of the
  findings, so a changed list is a new alarm and an empty one clears it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from ingest.alarms.facility_alarms import (
    LEDGER_CHECK,
    LOT_EXPIRING,
    SHIPMENT_OVERDUE,
    STOCK_RECONCILIATION,
    FacilityAlarm,
)
from inventory.queries import OverdueShipment
from inventory.services.daily_close import ClosedDay
from inventory.services.expiry import ExpiryWarning

EXPIRY_STEPS = (
    "Use this lot before any other lot of the product (first expiry, first out).",
    "If it cannot all be used before it expires, tell the store above you now so that it"
    " can be moved to a facility that will use it.",
)
RECONCILIATION_STEPS = (
    "Count the stock of the products named here in every fridge and cold box now.",
    "Find what was not recorded today (doses given, vials wasted or broken, stock received"
    " or sent) and record it with today's date; record the count with a reason for any"
    " difference left.",
    "Acknowledge this alarm saying what you found.",
)
OVERDUE_STEPS = (
    "Call the receiving facility and the driver now: where is the vaccine?",
    "If it has arrived, the receiver records the receipt (this alarm then clears); if it is"
    " lost or stolen, record the shipment as lost and report it to your supervisor.",
)
LEDGER_STEPS = (
    "Do not correct the stock by hand: the findings say which movement, lot or shipment"
    " does not add up.",
    "Tell the system administrator and keep the alarm open until the ledger check passes.",
)


def expiry_alarm(warning: ExpiryWarning, now: datetime) -> FacilityAlarm:
    lot = warning.lot_number
    return FacilityAlarm(
        type=LOT_EXPIRING,
        severity="warning",
        facility=warning.facility_code,
        key=f"{LOT_EXPIRING}/{warning.facility_code}/{warning.lot_id}/{warning.threshold_days}",
        started_at=now,
        summary=(
            f"{warning.product_code} lot {lot} expires on {warning.expiry.isoformat()}"
            f" ({warning.days_left} days left): {warning.doses} doses held here"
        ),
        steps=EXPIRY_STEPS,
        facts={
            "lot_id": warning.lot_id,
            "lot_number": lot,
            "product": warning.product_code,
            "expiry": warning.expiry.isoformat(),
            "threshold_days": warning.threshold_days,
            "days_left": warning.days_left,
            "doses": warning.doses,
        },
    )


def ledger_check_alarms(
    findings: Sequence[str], roots: Sequence[str], now: datetime
) -> list[FacilityAlarm]:
    """One alarm per root facility listing every finding; none when the ledger is sound."""
    if not findings:
        return []
    digest = hashlib.sha256("\n".join(findings).encode()).hexdigest()[:16]
    return [
        FacilityAlarm(
            type=LEDGER_CHECK,
            severity="alarm",
            facility=root,
            key=f"{LEDGER_CHECK}/{root}/{digest}",
            started_at=now,
            summary=f"the nightly ledger check found {len(findings)} problem(s)",
            steps=LEDGER_STEPS,
            facts={"findings": list(findings)},
        )
        for root in roots
    ]


def reconciliation_alarm(closed: ClosedDay, now: datetime) -> FacilityAlarm:
    """The alarm of a closed day with at least one product that does not balance."""
    products = [
        {
            "product": p.product_code,
            "opening": p.reconciliation.opening,
            "received": p.reconciliation.received,
            "issued": p.reconciliation.issued,
            "administered": p.reconciliation.administered,
            "wasted": p.reconciliation.wasted,
            "closing": p.reconciliation.closing,
            "difference": p.reconciliation.difference,
        }
        for p in closed.flagged
    ]
    names = ", ".join(f"{p['product']} {p['difference']:+d}" for p in products)
    return FacilityAlarm(
        type=STOCK_RECONCILIATION,
        severity="alarm",
        facility=closed.facility_code,
        key=f"{STOCK_RECONCILIATION}/{closed.facility_code}/{closed.day.isoformat()}",
        started_at=now,
        summary=f"the stock of {closed.day.isoformat()} does not reconcile: {names} doses",
        steps=RECONCILIATION_STEPS,
        facts={"day": closed.day.isoformat(), "products": products},
    )


def overdue_alarms(shipment: OverdueShipment, now: datetime) -> list[FacilityAlarm]:
    """The sender's alarm and, when another facility supervises the receiver, its alarm; a
    refused shipment late on its way back: the sender's alarm only."""
    hours = shipment.overdue_by.total_seconds() / 3600
    if shipment.returning:
        return [_return_overdue_alarm(shipment, hours)]
    summary = (
        f"shipment {shipment.shipment_id} from {shipment.origin_code} to"
        f" {shipment.destination_code}"
        + (f" ({shipment.reference})" if shipment.reference else "")
        + f" was due by {shipment.due_at:%Y-%m-%d %H:%M} UTC and is not received"
        f" ({hours:.0f} h late)"
    )
    facts = {
        "shipment_id": shipment.shipment_id,
        "origin": shipment.origin_code,
        "destination": shipment.destination_code,
        "dispatched_at": shipment.dispatched_at.isoformat(),
        "due_at": shipment.due_at.isoformat(),
    }
    told = dict.fromkeys(
        c for c in (shipment.origin_code, shipment.destination_parent_code) if c is not None
    )
    return [
        FacilityAlarm(
            type=SHIPMENT_OVERDUE,
            severity="alarm",
            facility=code,
            key=f"{SHIPMENT_OVERDUE}/{code}/{shipment.shipment_id}",
            started_at=shipment.due_at,
            summary=summary,
            steps=OVERDUE_STEPS,
            facts=facts,
        )
        for code in told
    ]


def _return_overdue_alarm(shipment: OverdueShipment, hours: float) -> FacilityAlarm:
    summary = (
        f"refused shipment {shipment.shipment_id} from {shipment.origin_code} to"
        f" {shipment.destination_code}"
        + (f" ({shipment.reference})" if shipment.reference else "")
        + f" was due back by {shipment.due_at:%Y-%m-%d %H:%M} UTC and its return is not"
        f" received ({hours:.0f} h late)"
    )
    return FacilityAlarm(
        type=SHIPMENT_OVERDUE,
        severity="alarm",
        facility=shipment.origin_code,
        key=f"{SHIPMENT_OVERDUE}/{shipment.origin_code}/{shipment.shipment_id}/return",
        started_at=shipment.due_at,
        summary=summary,
        steps=OVERDUE_STEPS,
        facts={
            "shipment_id": shipment.shipment_id,
            "origin": shipment.origin_code,
            "destination": shipment.destination_code,
            "dispatched_at": shipment.dispatched_at.isoformat(),
            "refused_at": shipment.refused_at.isoformat() if shipment.refused_at else None,
            "due_at": shipment.due_at.isoformat(),
            "returning": True,
        },
    )
