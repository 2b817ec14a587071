"""Use cases of the ledger: one function per use case, one transaction each.

Every function takes a ``UnitOfWork`` and a frozen command (``inventory.commands``) and
returns a frozen result (``inventory.results``); errors are named in ``inventory.errors``.
Movement-creating functions are idempotent on the command's ``idempotency_key``.
"""

from inventory.services.allocations import set_allocation
from inventory.services.daily_close import close_days
from inventory.services.dose_targets import set_dose_target
from inventory.services.expiry import expiry_warnings, hold_expired_stock
from inventory.services.exposure import quarantine_exposed
from inventory.services.holds import destroy_stock, quarantine_stock, recall_lot, release_stock
from inventory.services.populations import set_eligible_populations
from inventory.services.registry import (
    create_facility,
    create_product,
    create_storage_unit,
    register_lot,
)
from inventory.services.reversals import reverse_movement
from inventory.services.shipments import (
    create_shipment,
    dispatch_shipment,
    mark_shipment_lost,
    receive_return,
    receive_shipment,
    refuse_shipment,
)
from inventory.services.stock import (
    administer_doses,
    receive_from_supplier,
    record_count,
    record_wastage,
    transfer_stock,
)
from inventory.services.stock_levels import set_stock_level
from inventory.services.transit import attach_logger, detach_logger, hold_transit_exposure
from inventory.services.vvm import (
    list_vvm_observations,
    observation_facility,
    record_vvm_observation,
    void_vvm_observation,
)

__all__ = [
    "administer_doses",
    "attach_logger",
    "close_days",
    "create_facility",
    "create_product",
    "create_shipment",
    "create_storage_unit",
    "destroy_stock",
    "detach_logger",
    "dispatch_shipment",
    "expiry_warnings",
    "hold_expired_stock",
    "hold_transit_exposure",
    "list_vvm_observations",
    "mark_shipment_lost",
    "observation_facility",
    "quarantine_exposed",
    "quarantine_stock",
    "recall_lot",
    "receive_from_supplier",
    "receive_return",
    "receive_shipment",
    "record_count",
    "record_vvm_observation",
    "record_wastage",
    "refuse_shipment",
    "register_lot",
    "release_stock",
    "reverse_movement",
    "set_allocation",
    "set_dose_target",
    "set_eligible_populations",
    "set_stock_level",
    "transfer_stock",
    "void_vvm_observation",
]
