"""GS1 element strings as a vaccinator scans them: both forms, dates, check digits, errors."""

from __future__ import annotations

from datetime import date

import pytest

from inventory.domain.gs1 import (
    GS,
    BadCheckDigit,
    ChinaTraceCode,
    DuplicateApplicationIdentifier,
    Gs1Error,
    Gs1Message,
    InvalidCharacters,
    InvalidDate,
    NotATraceCode,
    NotGs1,
    TruncatedElement,
    UnknownApplicationIdentifier,
    ValueTooLong,
    gs1_check_digit,
    gs1_date,
    is_china_trace_code,
    parse_china_trace_code,
    parse_gs1,
    parse_scan,
)

TODAY = date(2025, 6, 1)
GTIN = "09506000134352"  # GS1's example GTIN; check digit 2


def parse(text: str, today: date = TODAY) -> Gs1Message:
    return parse_gs1(text, today=today)


# --- both forms ---------------------------------------------------------------------------


def test_bracketed_form_gives_gtin_expiry_lot_and_serial() -> None:
    scan = parse(f"(01){GTIN}(17)260531(10)AB-12(21)SN0001")

    assert scan == Gs1Message(
        gtin=GTIN, expiry=date(2026, 5, 31), lot="AB-12", serial="SN0001", symbology=None
    )
    assert scan.lot_identity == (GTIN, "AB-12", date(2026, 5, 31))


def test_raw_form_with_data_matrix_prefix_reads_the_same_as_bracketed() -> None:
    raw = parse(f"]d201{GTIN}17260531" + f"10AB-12{GS}21SN0001")
    bracketed = parse(f"(01){GTIN}(17)260531(10)AB-12(21)SN0001")

    assert raw.symbology == "]d2"
    assert (raw.gtin, raw.expiry, raw.lot, raw.serial) == (
        bracketed.gtin,
        bracketed.expiry,
        bracketed.lot,
        bracketed.serial,
    )


@pytest.mark.parametrize("prefix", ["]C1", "]e0", "]Q3"])
def test_other_gs1_symbology_identifiers_are_accepted(prefix: str) -> None:
    scan = parse(f"{prefix}01{GTIN}10LOT7")

    assert (scan.symbology, scan.gtin, scan.lot) == (prefix, GTIN, "LOT7")


def test_variable_length_lot_ends_at_the_gs_separator() -> None:
    scan = parse(f"01{GTIN}10A1B2{GS}17270228")

    assert scan.lot == "A1B2"
    assert scan.expiry == date(2027, 2, 28)


def test_lot_at_the_end_needs_no_separator() -> None:
    scan = parse(f"01{GTIN}1727022810LOT-0042")

    assert scan.lot == "LOT-0042"


def test_leading_fnc1_trailing_separator_and_scanner_newline_are_tolerated() -> None:
    scan = parse(f"{GS}01{GTIN}10L1{GS}\r\n")

    assert (scan.gtin, scan.lot) == (GTIN, "L1")


def test_other_application_identifiers_are_kept_raw_in_scan_order() -> None:
    scan = parse(f"01{GTIN}3103001250" + f"11250101240ABC{GS}10L9")

    assert scan.other == (("3103", "001250"), ("11", "250101"), ("240", "ABC"))
    assert scan.get("240") == "ABC"
    assert scan.get("400") is None


def test_a_scan_without_a_lot_has_no_lot_identity() -> None:
    assert parse(f"(01){GTIN}(17)260531").lot_identity is None


# --- dates --------------------------------------------------------------------------------


def test_day_00_means_the_last_day_of_february_in_a_leap_year() -> None:
    assert parse(f"(01){GTIN}(17)280200").expiry == date(2028, 2, 29)


def test_day_00_means_the_last_day_of_february_in_a_common_year() -> None:
    assert parse(f"(01){GTIN}(17)270200").expiry == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("yymmdd", "today", "expected"),
    [
        ("750101", date(2025, 6, 1), date(2075, 1, 1)),  # 50 years ahead: this century
        ("760101", date(2025, 6, 1), date(1976, 1, 1)),  # 51 ahead: previous century
        ("250101", date(2075, 6, 1), date(2125, 1, 1)),  # 50 behind: next century
        ("260101", date(2075, 6, 1), date(2026, 1, 1)),  # 49 behind: this century
        ("010101", date(2099, 12, 31), date(2101, 1, 1)),
    ],
)
def test_century_follows_the_gs1_sliding_window(yymmdd: str, today: date, expected: date) -> None:
    assert gs1_date(yymmdd, today=today) == expected


def test_a_day_that_does_not_exist_is_named() -> None:
    with pytest.raises(InvalidDate, match=r"AI \(17\) 250231: 2025-02 has no day 31"):
        parse(f"(01){GTIN}(17)250231")


def test_month_13_is_refused() -> None:
    with pytest.raises(InvalidDate, match="no month 13"):
        parse(f"(01){GTIN}(11)251301")


# --- check digits -------------------------------------------------------------------------


def test_check_digit_of_known_keys() -> None:
    assert gs1_check_digit(GTIN[:-1]) == 2
    assert gs1_check_digit("400638133393") == 1  # EAN-13 4006381333931
    assert gs1_check_digit("10614141123456789") == 7  # SSCC 106141411234567897


def test_bad_gtin_check_digit_says_which_digit_was_expected() -> None:
    with pytest.raises(BadCheckDigit, match="check digit is 3, expected 2") as caught:
        parse(f"(01){GTIN[:-1]}3(17)260531")

    assert (caught.value.ai, caught.value.expected) == ("01", 2)
    assert isinstance(caught.value, Gs1Error)


def test_check_digit_is_validated_in_raw_form_too() -> None:
    with pytest.raises(BadCheckDigit, match="expected 2"):
        parse(f"]d201{GTIN[:-1]}710L1")


def test_sscc_check_digit_is_validated() -> None:
    with pytest.raises(BadCheckDigit, match=r"AI \(00\).*expected 7"):
        parse("(00)106141411234567891")


# --- malformed input ----------------------------------------------------------------------


def test_truncated_fixed_length_field_says_how_many_digits_were_needed() -> None:
    with pytest.raises(TruncatedElement, match=r"AI \(17\) needs 6 digits, got only 3"):
        parse(f"]d201{GTIN}17260")


def test_truncated_gtin_is_reported_before_anything_else() -> None:
    with pytest.raises(TruncatedElement, match=r"AI \(01\) needs 14 digits"):
        parse("]d2010950600013")


def test_input_ending_inside_an_application_identifier_is_truncated() -> None:
    with pytest.raises(TruncatedElement, match="ends inside an application identifier"):
        parse(f"01{GTIN}1")


def test_ai_without_a_value_is_truncated() -> None:
    with pytest.raises(TruncatedElement, match=r"AI \(10\) has no value"):
        parse(f"01{GTIN}10{GS}21X")


def test_unknown_ai_in_bracketed_form_is_named() -> None:
    with pytest.raises(UnknownApplicationIdentifier, match=r"\(05\) is not a GS1"):
        parse(f"(01){GTIN}(05)123")


def test_unknown_ai_in_raw_form_gives_its_position() -> None:
    with pytest.raises(UnknownApplicationIdentifier, match="'0512' at character 16"):
        parse(f"01{GTIN}0512345")


def test_lot_longer_than_20_characters_suggests_a_missing_separator() -> None:
    with pytest.raises(ValueTooLong, match=r"AI \(10\) allows at most 20.*GS separator missing"):
        parse(f"01{GTIN}10LOT123456789{'21'}SERIAL12345")


def test_non_digit_in_a_numeric_field_is_refused() -> None:
    with pytest.raises(InvalidCharacters, match=r"AI \(17\) must be digits only"):
        parse(f"(01){GTIN}(17)26O531")


def test_a_space_inside_a_lot_is_not_a_gs1_character() -> None:
    with pytest.raises(InvalidCharacters, match="character ' ' at position 3"):
        parse(f"01{GTIN}10AB CD")


def test_the_same_ai_twice_with_different_values_is_refused() -> None:
    with pytest.raises(DuplicateApplicationIdentifier, match="'L1' and 'L2'"):
        parse(f"(01){GTIN}(10)L1(10)L2")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \r\n", "empty"),
        ("]d1" + f"01{GTIN}", "']d1' does not carry GS1 data"),
        ("hello", "expected an application identifier"),
        ("(ab)12", "expected '\\(AI\\)'"),
    ],
)
def test_text_that_is_not_gs1_says_so(text: str, message: str) -> None:
    with pytest.raises(NotGs1, match=message):
        parse(text)


# --- China drug traceability code ---------------------------------------------------------


def test_twenty_digits_are_a_china_trace_code_with_a_seven_digit_product_code() -> None:
    code = "81234567890123456789"

    assert is_china_trace_code(code)
    assert parse_china_trace_code(code).product_code == "8123456"
    assert parse_scan(f"{code}\r\n", today=TODAY) == ChinaTraceCode(code)


@pytest.mark.parametrize("text", ["8123456789012345678", "812345678901234567890", f"01{GTIN}"])
def test_other_lengths_are_not_china_trace_codes(text: str) -> None:
    assert not is_china_trace_code(text)
    with pytest.raises(NotATraceCode, match="20 digits"):
        parse_china_trace_code(text)


def test_parse_scan_reads_gs1_when_it_is_not_a_trace_code() -> None:
    scan = parse_scan(f"]d201{GTIN}10L1", today=TODAY)

    assert isinstance(scan, Gs1Message)
    assert scan.gtin == GTIN
