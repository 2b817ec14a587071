"""The bounds on every number a client sends, defined once and used by every route and body.

Invariant: no integer outside these types reaches a query or the ledger, so none can
overflow a column (ids are 32-bit on PostgreSQL) or SQLite's 64-bit integers, and the 422
names the limit. Path and query parameters arrive as text and are parsed; JSON bodies are
strict (``true`` or ``"1"`` is not a number of doses). The dose limits are the ledger's
(``inventory.domain.quantities``), which the services enforce again for every caller.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le
from pydantic import Strict

from ingest.alarms.queries import MAX_LIMIT
from inventory.domain.quantities import (
    MAX_DOSE_NUMBER,
    MAX_DOSES,
    MAX_DOSES_PER_VIAL,
    MAX_POPULATION,
)

MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32-bit on PostgreSQL
MAX_OFFSET = 1_000_000

# Path and query parameters (text, parsed to int).
Id = Annotated[int, Ge(1), Le(MAX_ID)]
Offset = Annotated[int, Ge(0), Le(MAX_OFFSET)]
Limit = Annotated[int, Ge(1), Le(MAX_LIMIT)]

# JSON bodies: strict integers and booleans.
BodyId = Annotated[int, Strict(), Ge(1), Le(MAX_ID)]
Doses = Annotated[int, Strict(), Ge(1), Le(MAX_DOSES)]
DosesOrZero = Annotated[int, Strict(), Ge(0), Le(MAX_DOSES)]
DoseNumber = Annotated[int, Strict(), Ge(1), Le(MAX_DOSE_NUMBER)]
DosesPerVial = Annotated[int, Strict(), Ge(1), Le(MAX_DOSES_PER_VIAL)]
Population = Annotated[int, Strict(), Ge(0), Le(MAX_POPULATION)]
VvmStage = Annotated[int, Strict(), Ge(1), Le(4)]
Flag = Annotated[bool, Strict()]
