"""A scanned code in (``ScanCreate``) and its parts out (``ScanPublic``)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from inventory.domain.gs1 import ChinaTraceCode, Gs1Message


class ScanCreate(BaseModel):
    code: str = Field(
        min_length=1,
        max_length=512,
        description="bracketed '(01)…(17)…(10)…', raw with GS (\\u001d) separators and an"
        " optional ']d2' prefix, or a 20-digit 药品追溯码",
        examples=["(01)09506000134352(17)260531(10)AB-12(21)SN0001"],
    )


class ScanPublic(BaseModel):
    kind: Literal["gs1", "china_trace_code"]
    gtin: str | None = None
    expiry: date | None = None
    lot: str | None = None
    serial: str | None = None
    other: dict[str, str] = Field(default_factory=dict, description="other AIs, raw")
    symbology: str | None = None
    trace_code: str | None = None
    product_code: str | None = Field(default=None, description="digits 1-7 of a 药品追溯码")

    @classmethod
    def of(cls, scan: Gs1Message | ChinaTraceCode) -> ScanPublic:
        if isinstance(scan, ChinaTraceCode):
            return cls(
                kind="china_trace_code", trace_code=scan.code, product_code=scan.product_code
            )
        return cls(
            kind="gs1",
            gtin=scan.gtin,
            expiry=scan.expiry,
            lot=scan.lot,
            serial=scan.serial,
            other=dict(scan.other),
            symbology=scan.symbology,
        )
