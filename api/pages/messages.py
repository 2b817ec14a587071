"""Messages that Python code hands to templates: marked here with ``N_`` so that pybabel
extracts them, translated where they are shown (``_(...)`` in the template)."""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a message for the catalogue without translating it now."""
    return message


# What was done about an alarm (the acknowledgement's action, then the comment).
ACK_ACTIONS: dict[str, str] = {
    "kept_cold": N_("Kept the unit closed and cold"),
    "moved_stock": N_("Moved the stock to another unit"),
    "called_technician": N_("Called a technician"),
    "other": N_("Other (say what in the comment)"),
}

ERROR_TITLES: dict[int, str] = {
    400: N_("This request could not be read"),
    403: N_("This form has expired"),
    404: N_("Not found"),
    409: N_("This could not be done"),
    422: N_("This could not be done"),
    503: N_("A service is not available"),
}
SOMETHING_WRONG = N_("Something went wrong")

# Why stock cannot be used (inventory.domain.holds.HoldReason values).
HOLD_REASONS: dict[str, str] = {
    "expired": N_("expired"),
    "vvm_discard_point": N_("VVM at discard point"),
    "quarantined": N_("quarantined after an excursion"),
    "recalled": N_("recalled"),
}

# Alarm types in words (rule ids of ingest/detect/rules.py, SENSOR_OFFLINE, facility alarms).
ALARM_TYPES: dict[str, str] = {
    "who-heat": N_("Too warm for 10 hours (above +8 °C)"),
    "who-freeze": N_("Freezing for 1 hour (−0.5 °C or below)"),
    "early-heat": N_("Too warm for 30 minutes (above +8 °C)"),
    "early-cold": N_("Too cold for 20 minutes (+2 °C or below)"),
    "cumulative-heat": N_("Too warm for 1 hour in total over 3 days"),
    "freezer-heat": N_("Freezer too warm for 1 hour"),
    "freezer-early-heat": N_("Freezer too warm for 15 minutes"),
    "freezer-cumulative-heat": N_("Freezer too warm for 1 hour in total over 3 days"),
    "ultracold-heat": N_("Ultra-cold freezer too warm for 1 hour"),
    "ultracold-early-heat": N_("Ultra-cold freezer too warm for 15 minutes"),
    "SENSOR_OFFLINE": N_("Sensor silent (offline)"),
    "LOT_EXPIRING": N_("Stock about to expire"),
    "STOCK_RECONCILIATION": N_("Stock does not reconcile"),
    "LEDGER_CHECK": N_("Ledger check found a problem"),
}

# Kinds of notice on the escalation ladder (ingest.alarms.ports.NoticeKind values).
NOTICE_KINDS: dict[str, str] = {
    "raised": N_("alarm raised"),
    "renotified": N_("reminder"),
    "escalated": N_("escalated"),
    "cleared": N_("cleared"),
}

# Why a transport record does not cover its journey (ingest.detect.coverage's issue codes).
RECORD_ISSUES: dict[str, str] = {
    "no_logger": N_("no logger travelled with the shipment"),
    "no_reading": N_("no reading during the journey"),
    "start_late": N_("the first reading came %(minutes)s min after the journey began"),
    "end_early": N_("the last reading came %(minutes)s min before it ended"),
    "silence": N_("no reading for %(minutes)s min on the road"),
}

# What went wrong with a lot of a shipment (inventory.models.DISCREPANCY_KINDS).
DISCREPANCY_KINDS: dict[str, str] = {
    "shortfall": N_("fewer doses arrived"),
    "excess": N_("more doses arrived"),
    "unknown_lot": N_("a lot that was not sent arrived"),
}
# The same on the way back: what the sender counted when it received a refused shipment.
RETURN_DISCREPANCY_KINDS: dict[str, str] = {
    "shortfall": N_("fewer doses came back"),
    "excess": N_("more doses came back"),
    "unknown_lot": N_("a lot that was not sent came back"),
}

# Where a shipment is (inventory.models.SHIPMENT_STATUSES).
SHIPMENT_STATES: dict[str, str] = {
    "created": N_("planned"),
    "dispatched": N_("in transit"),
    "received": N_("received"),
    "lost": N_("lost"),
    "partially_received": N_("partly received"),
    "refused": N_("refused, on its way back to the sender"),
    "returned": N_("returned to the sender"),
}

# A lot's state on its trace (inventory.queries.trace LotTrace.state).
LOT_STATES: dict[str, str] = {
    "active": N_("in use"),
    "expired": N_("expired"),
    "recalled": N_("recalled"),
    "depleted": N_("used up"),
    "vvm_discard_point": N_("VVM at discard point"),
}

# Door and power events on a unit's chart (api.pages.chart.UnitEvent kinds).
UNIT_EVENTS: dict[str, str] = {
    "door_opened": N_("door opened"),
    "door_closed": N_("door closed"),
    "power_lost": N_("power lost"),
    "power_back": N_("power back"),
}

# Why doses were wasted (inventory.domain.accounts.WastageReason values), on the reports,
# the lot trace and the stock card.
WASTAGE_REASONS: dict[str, str] = {
    "expired": N_("expired"),
    "temperature_damage": N_("heat or freeze damage"),
    "broken": N_("broken"),
    "vvm": N_("VVM at discard point"),
    "opened_vial_discarded": N_("opened vial discarded"),
    "lost": N_("lost"),
    "recall": N_("recalled"),
}

# Months of stock against the minimum and maximum (inventory.domain.stock_levels.StockStatus).
STOCK_STATUSES: dict[str, str] = {
    "understock": N_("understock"),
    "adequate": N_("adequate"),
    "overstock": N_("overstock"),
    "unknown": N_("no consumption to measure"),
}

# What a stock card entry is (inventory.domain.movements.MovementKind values).
MOVEMENT_KINDS: dict[str, str] = {
    "receipt": N_("received from the supplier"),
    "dispatch": N_("sent on a shipment"),
    "shipment_receipt": N_("received from a shipment"),
    "shipment_lost": N_("lost in transit"),
    "shipment_return": N_("refused, back to the sender"),
    "transfer": N_("moved between units"),
    "administration": N_("given"),
    "wastage": N_("wasted"),
    "count": N_("physical count"),
    "quarantine": N_("put on hold"),
    "release": N_("released"),
    "destruction": N_("destroyed"),
    "recall": N_("recall"),
    "reversal": N_("reversal"),
}

# Where doses on a stock card came from or went to (inventory.domain.accounts.AccountKind;
# a shipment is named by its number, wasted doses by their reason).
ACCOUNT_KINDS: dict[str, str] = {
    "stock": N_("another storage unit"),
    "quarantine": N_("held stock"),
    "in_transit": N_("in transit"),
    "supplier": N_("the supplier"),
    "administered": N_("given"),
    "wasted": N_("wasted"),
    "adjustment": N_("adjustment (count or shipment difference)"),
}

# How a notice was sent (ingest.notify.contacts.Channel values).
CHANNELS: dict[str, str] = {
    "webhook": N_("webhook"),
    "mqtt": N_("MQTT"),
    "email": N_("email"),
}
