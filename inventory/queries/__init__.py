"""Read side of the ledger: every SQL read that answers a question (no writes here).

Each function takes a ``UnitOfWork``, opens its own short transaction and returns frozen
dataclasses.
"""

from inventory.queries.allocations import AllocationStatus, allocation_status
from inventory.queries.daily_doses import (
    DailyDosesReport,
    DoseLine,
    Dropout,
    FacilityDay,
    ProductDay,
    Reconciliation,
    daily_doses_report,
)
from inventory.queries.exposure import (
    ExcursionHold,
    ExcursionHolds,
    LotExposure,
    LotStay,
    excursion_holds,
    lot_stays,
    unit_exposure,
)
from inventory.queries.history import StorageInterval, lot_storage_history, storage_history
from inventory.queries.integrity import verify_ledger
from inventory.queries.ledger_events import EventLot, LedgerEvent, Place, ledger_events
from inventory.queries.lookups import (
    MovementDetail,
    facility_by_code,
    find_lots,
    get_facility,
    get_lot,
    get_movement,
    get_product,
    get_storage_unit,
    product_by_code,
    product_by_gtin,
    storage_unit_by_code,
    storage_units_of,
    subtree,
)
from inventory.queries.places import (
    UnitPlace,
    facility_chain,
    facility_codes_under,
    root_facilities,
    unit_codes_under,
    unit_places,
)
from inventory.queries.retention import RetentionHorizons, retention_horizons
from inventory.queries.shipments import (
    OverdueShipment,
    get_shipment,
    list_shipments,
    overdue_shipments,
)
from inventory.queries.stock import (
    ProductTotal,
    Quantity,
    StockLine,
    StockOnHand,
    TransitLine,
    stock_on_hand,
)
from inventory.queries.stock_card import Balances, StockCard, StockCardEntry, stock_card
from inventory.queries.stock_status import (
    FacilityStockStatus,
    ProductStockStatus,
    StockStatusReport,
    stock_status,
)
from inventory.queries.trace import (
    Conservation,
    LotCandidates,
    LotTrace,
    TraceFacility,
    TraceShipment,
    TraceUnit,
    trace_lot,
    trace_lot_number,
)
from inventory.queries.unit_holdings import UnitHolding, unit_holdings
from inventory.queries.wastage import (
    FacilityWastage,
    WastageFigures,
    WastageReport,
    wastage_report,
)

__all__ = [
    "AllocationStatus",
    "Balances",
    "Conservation",
    "DailyDosesReport",
    "DoseLine",
    "Dropout",
    "EventLot",
    "ExcursionHold",
    "ExcursionHolds",
    "FacilityDay",
    "FacilityStockStatus",
    "FacilityWastage",
    "LedgerEvent",
    "LotCandidates",
    "LotExposure",
    "LotStay",
    "LotTrace",
    "MovementDetail",
    "OverdueShipment",
    "Place",
    "ProductDay",
    "ProductStockStatus",
    "ProductTotal",
    "Quantity",
    "Reconciliation",
    "RetentionHorizons",
    "StockCard",
    "StockCardEntry",
    "StockLine",
    "StockOnHand",
    "StockStatusReport",
    "StorageInterval",
    "TraceFacility",
    "TraceShipment",
    "TraceUnit",
    "TransitLine",
    "UnitHolding",
    "UnitPlace",
    "WastageFigures",
    "WastageReport",
    "allocation_status",
    "daily_doses_report",
    "excursion_holds",
    "facility_by_code",
    "facility_chain",
    "facility_codes_under",
    "find_lots",
    "get_facility",
    "get_lot",
    "get_movement",
    "get_product",
    "get_shipment",
    "get_storage_unit",
    "ledger_events",
    "list_shipments",
    "lot_stays",
    "lot_storage_history",
    "overdue_shipments",
    "product_by_code",
    "product_by_gtin",
    "retention_horizons",
    "root_facilities",
    "stock_card",
    "stock_on_hand",
    "stock_status",
    "storage_history",
    "storage_unit_by_code",
    "storage_units_of",
    "subtree",
    "trace_lot",
    "trace_lot_number",
    "unit_codes_under",
    "unit_exposure",
    "unit_holdings",
    "unit_places",
    "verify_ledger",
    "wastage_report",
]
