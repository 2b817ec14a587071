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
