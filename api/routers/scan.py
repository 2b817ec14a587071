"""Scanning: what a pack's barcode says (GTIN, expiry, lot, serial) before it is used.

Parsing only: no stock is looked up or moved here. A code that cannot be read answers 422
with the reason (which AI, which digit) from ``inventory.domain.gs1``.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentPrincipal, Deps
from api.schemas.common import error_responses
from api.schemas.scan import ScanCreate, ScanPublic
from inventory.domain.gs1 import parse_scan

router = APIRouter(tags=["scan"], responses=error_responses(400, 401, 422))


@router.post("/scan", response_model=ScanPublic)
def scan(body: ScanCreate, deps: Deps, _principal: CurrentPrincipal) -> ScanPublic:
    return ScanPublic.of(parse_scan(body.code, today=deps.today()))
