"""CSV downloads open right in a spreadsheet: BOM, CRLF, Chinese intact, no formula runs."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from api.spreadsheet import cell, spreadsheet_csv


def read_back(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_file_has_a_bom_crlf_line_ends_and_keeps_chinese_text() -> None:
    data = spreadsheet_csv(("facility", "doses"), [("广州市白云区卫生院", 12), ("CLN-2", 0)])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 3 and b"\n" not in data.replace(b"\r\n", b"")
    assert read_back(data) == [["facility", "doses"], ["广州市白云区卫生院", "12"], ["CLN-2", "0"]]


def test_a_text_cell_that_starts_like_a_formula_is_kept_as_text() -> None:
    hostile = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
    data = spreadsheet_csv(("name",), [(name,) for name in hostile])
    assert [row[0] for row in read_back(data)[1:]] == ["'" + name for name in hostile]


def test_numbers_booleans_and_blanks_are_written_as_values() -> None:
    assert [cell(v) for v in (-5, 2.5, True, False, None, "ok")] == [
        -5,
        2.5,
        "true",
        "false",
        "",
        "ok",
    ]


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_no_text_cell_ever_starts_with_a_formula_character(values: list[str]) -> None:
    for row in read_back(spreadsheet_csv(("a",) * len(values), [values]))[1:]:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
