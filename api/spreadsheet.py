"""CSV files that open correctly in a spreadsheet: the one writer every CSV download uses,
and the reader of the CSV files staff upload.

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


MAX_UPLOAD_BYTES = 2_000_000
POPULATION_HEADER = ("facility", "product", "year", "population")


def read_upload(data: bytes, header: Sequence[str]) -> list[list[str]]:
    """The rows of an uploaded CSV file (UTF-8, BOM or not, any line ends) whose first line
    is ``header`` (names in any case); ``InvalidInput`` naming the line of any problem."""
    from inventory.errors import InvalidInput

    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"the file is over {MAX_UPLOAD_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text (save it as CSV UTF-8)") from None
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in row)]
    if not rows or [c.strip().lower() for c in rows[0]] != list(header):
        raise InvalidInput(f"line 1 must be the header {','.join(header)}")
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise InvalidInput(f"line {n}: {len(row)} cells, expected {len(header)}")
    return [[c.strip() for c in row] for row in rows[1:]]


def parse_population_csv(data: bytes) -> list[tuple[str, str, int, int]]:
    """facility code, product code, year, population per line."""
    from inventory.errors import InvalidInput

    parsed = []
    for n, (facility, product, year, population) in enumerate(
        read_upload(data, POPULATION_HEADER), start=2
    ):
        try:
            parsed.append((facility, product, int(year), int(population)))
        except ValueError:
            raise InvalidInput(f"line {n}: year and population must be whole numbers") from None
    return parsed
