"""Identifiers shared by every export: how a lot, a facility, a shipment and an event are
named as URIs, the same in EPCIS and FHIR.

- A lot of a product with a GTIN is its GS1 Digital Link URI:
  ``https://id.gs1.org/01/{GTIN-14}/10/{lot}?17={YYMMDD}`` (AI 01 GTIN, AI 10 batch/lot,
  AI 17 expiry); without a GTIN, ``urn:coldchain:lot:{product code}:{lot}:{expiry}``.
- A facility is ``urn:coldchain:facility:{code}``; a shipment
  ``urn:coldchain:shipment:{id}`` (no GLN is recorded for facilities yet).
- An event's id is a name-based UUID of the movement and lot, so exporting twice gives the
  same ids and a receiver can de-duplicate.
"""

from __future__ import annotations

import uuid
from datetime import date
from urllib.parse import quote

_EVENTS = uuid.UUID("6f1c2a4e-8c53-4b0e-9a3f-2f8d6c1b7e90")


def lot_uri(gtin: str | None, product_code: str, lot_number: str, expiry: date) -> str:
    if gtin:
        lot = quote(lot_number, safe="")
        return f"https://id.gs1.org/01/{gtin.zfill(14)}/10/{lot}?17={expiry:%y%m%d}"
    return (
        f"urn:coldchain:lot:{quote(product_code, safe='')}:{quote(lot_number, safe='')}"
        f":{expiry.isoformat()}"
    )


def facility_uri(code: str) -> str:
    return f"urn:coldchain:facility:{quote(code, safe='')}"


def shipment_uri(shipment_id: int) -> str:
    return f"urn:coldchain:shipment:{shipment_id}"


def event_uri(movement_id: int, lot_id: int) -> str:
    return f"urn:uuid:{uuid.uuid5(_EVENTS, f'movement:{movement_id}:lot:{lot_id}')}"
