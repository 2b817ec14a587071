"""CSV files that open correctly in a spreadsheet: the one writer every CSV download uses.

A programme's staff open downloads in Excel or WPS with Chinese facility and product names,
so every file is:

- UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the local code page and
  Chinese text turns to mojibake);
- CRLF line ends (RFC 4180);
- safe against formula injection: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return is prefixed with ``'``, so a facility named ``=HYPERLINK(…)``
  shows as text and never runs. Numbers are written as numbers (a negative difference stays
  ``-5``); booleans as ``true``/``false``; ``None`` as an empty cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

BOM = "\ufeff"
MEDIA_TYPE = "text/csv; charset=utf-8"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """One value as the spreadsheet should see it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def spreadsheet_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The whole file: BOM, header, rows, CRLF line ends, every cell through :func:`cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return (BOM + out.getvalue()).encode("utf-8")
