"""GS1 element strings as scanned from vaccine packs: GTIN, expiry, lot and serial (rule 11).

Reads the bracketed human-readable form ``(01)09506000134352(17)260531(10)AB12`` and the raw
form a scanner sends, where a GS (0x1D, the FNC1 separator) ends every field whose length is
not predefined, optionally after a symbology identifier (``]d2`` GS1 DataMatrix, ``]C1``
GS1-128, ``]e0`` GS1 DataBar, ``]Q3`` GS1 QR Code). Also tells China's 20-digit drug
traceability code (药品追溯码) apart from a GS1 string.

Invariant: a ``Gs1Message`` is returned only when every element was understood: each AI is
known, each value has the right length and character set, every GS1 key carries a valid
mod-10 check digit and every date exists. Otherwise a ``Gs1Error`` subclass names the element
and what is wrong with it. Pure: no I/O, and the century of a two-digit year comes from the
``today`` argument (GS1 General Specifications §7.12), never from a clock.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

GS = "\x1d"
SYMBOLOGY_IDENTIFIERS = {
    "]d2": "GS1 DataMatrix",
    "]C1": "GS1-128",
    "]e0": "GS1 DataBar",
    "]Q3": "GS1 QR Code",
}
GTIN, EXPIRY, LOT, SERIAL = "01", "17", "10", "21"

# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
_CSET_82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
_BRACKETED_AI = re.compile(r"\((\d{2,4})\)")


class Gs1Error(ValueError):
    """A scanned code could not be read; the message says which element and why."""


class NotGs1(Gs1Error):
    """The text is empty or does not have the shape of GS1 element strings."""


class UnknownApplicationIdentifier(Gs1Error):
    """An application identifier that GS1 does not define (or a misread one)."""


class TruncatedElement(Gs1Error):
    """An element ends before its value is complete."""


class ValueTooLong(Gs1Error):
    """A value is longer than its AI allows (in raw form: usually a missing GS separator)."""


class InvalidCharacters(Gs1Error):
    """A value holds characters its AI does not allow."""


class BadCheckDigit(Gs1Error):
    """A GS1 key (GTIN, SSCC, GLN) whose mod-10 check digit is wrong."""

    def __init__(self, ai: str, value: str, expected: int) -> None:
        self.ai, self.value, self.expected = ai, value, expected
        super().__init__(
            f"AI ({ai}) {value}: check digit is {value[-1]}, expected {expected}"
            " (misread or mistyped code)"
        )


class InvalidDate(Gs1Error):
    """A YYMMDD date that does not exist."""


class DuplicateApplicationIdentifier(Gs1Error):
    """The same AI appears twice with different values."""


class NotATraceCode(Gs1Error):
    """The text is not a 20-digit China drug traceability code (药品追溯码)."""


@dataclass(frozen=True, slots=True)
class AiFormat:
    """Length bounds and content of one AI's value; ``predefined``: no GS follows it."""

    min_length: int
    max_length: int
    numeric: bool
    predefined: bool = False
    check_digit: bool = False
    date: bool = False


def _n(length: int, *, predefined: bool = False, check: bool = False) -> AiFormat:
    return AiFormat(length, length, numeric=True, predefined=predefined, check_digit=check)


def _nv(max_length: int, min_length: int = 1) -> AiFormat:
    return AiFormat(min_length, max_length, numeric=True)


def _x(max_length: int, min_length: int = 1) -> AiFormat:
    return AiFormat(min_length, max_length, numeric=False)


def _family(prefixes: range | tuple[int, ...], digits: range, fmt: AiFormat) -> dict[str, AiFormat]:
    return {f"{prefix}{digit}": fmt for prefix in prefixes for digit in digits}


_DATE = AiFormat(6, 6, numeric=True, predefined=True, date=True)
_MEASURE = _n(6, predefined=True)
_MEASURE_PREFIXES = (*range(310, 317), *range(320, 338), *range(340, 358), *range(360, 370))

# Every AI of the GS1 General Specifications (syntax dictionary) with its value's bounds.
# AIs are prefix-free: no AI is the start of another, so reading 2, 3, then 4 digits is exact.
AI_FORMATS: dict[str, AiFormat] = {
    "00": _n(18, predefined=True, check=True),
    "01": _n(14, predefined=True, check=True),
    "02": _n(14, predefined=True, check=True),
    "10": _x(20),
    **{ai: _DATE for ai in ("11", "12", "13", "15", "16", "17")},
    "20": _n(2, predefined=True),
    **{ai: _x(20) for ai in ("21", "22", "243", "254")},
    "235": _x(28),
    **{ai: _x(30) for ai in ("240", "241", "250", "251", "400", "401", "403")},
    "242": _nv(6),
    "253": _x(30, 13),
    "255": _nv(25, 13),
    "30": _nv(8),
    "37": _nv(8),
    **_family(_MEASURE_PREFIXES, range(6), _MEASURE),
    **_family((390, 392), range(10), _nv(15)),
    **_family((391, 393), range(10), _nv(18, 4)),
    **_family((394,), range(4), _n(4)),
    **_family((395,), range(6), _n(6)),
    "402": _n(17, check=True),
    **{str(ai): _n(13, predefined=True, check=True) for ai in range(410, 418)},
    "420": _x(20),
    "421": _x(12, 4),
    **{ai: _n(3) for ai in ("422", "424", "426")},
    **{ai: _nv(15, 3) for ai in ("423", "425")},
    "427": _x(3),
    **{ai: _x(35) for ai in ("4300", "4301", "4310", "4311", "4320")},
    **{f"43{d}": _x(70) for d in ("02", "03", "04", "05", "06", "12", "13", "14", "15", "16")},
    **{ai: _x(2, 2) for ai in ("4307", "4317")},
    **{ai: _x(30) for ai in ("4308", "4319")},
    "4309": _n(20),
    "4318": _x(20),
    **{ai: _n(1) for ai in ("4321", "4322", "4323")},
    **{ai: _n(10) for ai in ("4324", "4325")},
    "4326": _n(6),
    **{ai: _x(7, 6) for ai in ("4330", "4331", "4332", "4333")},
    "7001": _n(13),
    "7002": _x(30),
    "7003": _n(10),
    "7004": _nv(4),
    "7005": _x(12),
    "7006": _n(6),
    "7007": _nv(12, 6),
    "7008": _x(3),
    "7009": _x(10),
    "7010": _x(2),
    "7011": _nv(10, 6),
    **{ai: _x(20) for ai in ("7020", "7021", "7022", "7240")},
    "7023": _x(30),
    **_family((703,), range(10), _x(30, 4)),
    "7040": _x(4, 4),
    **{str(ai): _x(20) for ai in range(710, 717)},
    **_family((723,), range(10), _x(30, 3)),
    "7241": _n(2),
    "7242": _x(25),
    "7250": _n(8),
    "7251": _n(12),
    "7252": _n(1),
    **{ai: _x(40) for ai in ("7253", "7254", "7259")},
    "7255": _x(10),
    "7256": _x(90),
    "7257": _x(70),
    "7258": _x(3, 3),
    "8001": _n(14),
    "8002": _x(20),
    "8003": _x(30, 14),
    "8004": _x(30),
    "8005": _n(6),
    **{ai: _n(18) for ai in ("8006", "8026")},
    **{ai: _n(18, check=True) for ai in ("8017", "8018")},
    "8007": _x(34),
    "8008": _nv(12, 8),
    "8009": _x(50),
    "8010": _x(30),
    "8011": _nv(12),
    "8012": _x(20),
    **{ai: _x(25) for ai in ("8013", "8020")},
    "8019": _nv(10),
    "8030": _x(90),
    **{ai: _x(70) for ai in ("8110", "8112", "8200")},
    "8111": _n(4),
    "90": _x(30),
    **{str(ai): _x(90) for ai in range(91, 100)},
}


@dataclass(frozen=True, slots=True)
class Gs1Message:
    """What one scan says: the lot identity parts, plus every other element kept raw."""

    gtin: str | None = None
    expiry: date | None = None
    lot: str | None = None
    serial: str | None = None
    other: tuple[tuple[str, str], ...] = ()  # (AI, raw value) in scan order
    symbology: str | None = None  # "]d2" etc. when the scanner sent one

    @property
    def lot_identity(self) -> tuple[str, str, date] | None:
        """(GTIN, lot, expiry) when the scan carries all three (rule 11), else None."""
        if self.gtin is None or self.lot is None or self.expiry is None:
            return None
        return (self.gtin, self.lot, self.expiry)

    def get(self, ai: str) -> str | None:
        """The raw value of an AI other than (01), (17), (10) and (21)."""
        return next((value for key, value in self.other if key == ai), None)


@dataclass(frozen=True, slots=True)
class ChinaTraceCode:
    """A China drug traceability code (药品追溯码): 20 digits for the smallest package."""

    code: str

    @property
    def product_code(self) -> str:
        """Digits 1-7: the drug identification code (药品标识码) of the product."""
        return self.code[:7]


def parse_gs1(text: str, *, today: date) -> Gs1Message:
    """Read bracketed or raw GS1 element strings; raise a ``Gs1Error`` naming the fault."""
    symbology, body = _split_symbology(text.strip(" \t\r\n"))
    if not body:
        raise NotGs1("no GS1 data: the scan is empty")
    elements = _read_bracketed(body) if body.startswith("(") else _read_raw(body)
    for ai, value in elements:
        _check_value(ai, value, today)
    return _assemble(elements, symbology, today)


def parse_scan(text: str, *, today: date) -> Gs1Message | ChinaTraceCode:
    """A bare 20-digit code is a 药品追溯码; anything else must be GS1 element strings."""
    if is_china_trace_code(text):
        return ChinaTraceCode(text.strip())
    return parse_gs1(text, today=today)


def is_china_trace_code(text: str) -> bool:
    """True for exactly 20 ASCII digits (no symbology identifier, brackets or separators)."""
    code = text.strip()
    return len(code) == 20 and _is_digits(code)


def parse_china_trace_code(text: str) -> ChinaTraceCode:
    code = text.strip()
    if not is_china_trace_code(code):
        raise NotATraceCode(
            f"a drug traceability code (药品追溯码) is 20 digits; got {len(code)} characters"
            f" {code[:24]!r}"
        )
    return ChinaTraceCode(code)


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit for ``digits`` (the key without its last digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def gs1_date(yymmdd: str, *, today: date) -> date:
    """A YYMMDD date; DD=00 is the month's last day; the century slides around ``today``."""
    if len(yymmdd) != 6 or not _is_digits(yymmdd):
        raise InvalidDate(f"{yymmdd!r} is not a YYMMDD date")
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    year = _full_year(yy, today)
    if not 1 <= month <= 12:
        raise InvalidDate(f"{yymmdd}: there is no month {month:02d}")
    last_day = calendar.monthrange(year, month)[1]
    if day == 0:
        return date(year, month, last_day)
    if day > last_day:
        raise InvalidDate(f"{yymmdd}: {year}-{month:02d} has no day {day}")
    return date(year, month, day)


def _full_year(yy: int, today: date) -> int:
    # GS1 General Specifications §7.12: from 49 years back to 50 years ahead of today.
    century, current = divmod(today.year, 100)
    difference = yy - current
    if 51 <= difference <= 99:
        century -= 1
    elif -99 <= difference <= -50:
        century += 1
    return century * 100 + yy


def _split_symbology(text: str) -> tuple[str | None, str]:
    if not text.startswith("]"):
        return None, text
    prefix = text[:3]
    if prefix not in SYMBOLOGY_IDENTIFIERS:
        known = ", ".join(SYMBOLOGY_IDENTIFIERS)
        raise NotGs1(f"symbology identifier {prefix!r} does not carry GS1 data (expected {known})")
    return prefix, text[3:]


def _read_bracketed(body: str) -> list[tuple[str, str]]:
    parts = _BRACKETED_AI.split(body)
    if parts[0]:
        raise NotGs1(f"expected '(AI)' with 2 to 4 digits at the start, found {body[:12]!r}")
    elements = []
    for ai, value in zip(parts[1::2], parts[2::2], strict=True):
        if ai not in AI_FORMATS:
            raise UnknownApplicationIdentifier(f"({ai}) is not a GS1 application identifier")
        elements.append((ai, value.strip(" ")))
    return elements


def _read_raw(body: str) -> list[tuple[str, str]]:
    elements = []
    position = 0
    while position < len(body):
        if body[position] == GS:  # FNC1 in first position, or a GS after a fixed field
            position += 1
            continue
        ai = _identify(body, position)
        start = position + len(ai)
        fmt = AI_FORMATS[ai]
        if fmt.predefined:
            position = start + fmt.max_length
            value = body[start:position].split(GS, 1)[0]
            if len(value) < fmt.max_length:
                raise TruncatedElement(
                    f"AI ({ai}) needs {fmt.max_length} digits, got only {len(value)} ({value!r})"
                )
        else:
            position = body.find(GS, start)
            position = len(body) if position < 0 else position
            value = body[start:position]
        elements.append((ai, value))
    return elements


def _identify(body: str, position: int) -> str:
    for size in (2, 3, 4):
        candidate = body[position : position + size]
        if candidate in AI_FORMATS:
            return candidate
    head = body[position : position + 4]
    if not _is_digits(head[:2]):
        raise NotGs1(
            f"expected an application identifier (digits) at character {position}, found {head!r}"
        )
    if len(head) < 4 and any(ai.startswith(head) for ai in AI_FORMATS):
        raise TruncatedElement(f"the scan ends inside an application identifier ({head!r})")
    raise UnknownApplicationIdentifier(
        f"no GS1 application identifier starts with {head!r} at character {position}"
    )


def _check_value(ai: str, value: str, today: date) -> None:
    fmt = AI_FORMATS[ai]
    if not value:
        raise TruncatedElement(f"AI ({ai}) has no value")
    if len(value) < fmt.min_length:
        expected = fmt.min_length if fmt.min_length == fmt.max_length else f"≥{fmt.min_length}"
        raise TruncatedElement(
            f"AI ({ai}) needs {expected} characters, got {len(value)} ({value!r})"
        )
    if len(value) > fmt.max_length:
        raise ValueTooLong(
            f"AI ({ai}) allows at most {fmt.max_length} characters, got {len(value)}"
            f" ({value[:40]!r}): is a GS separator missing after it?"
        )
    _check_characters(ai, value, fmt)
    if fmt.check_digit:
        expected_digit = gs1_check_digit(value[:-1])
        if int(value[-1]) != expected_digit:
            raise BadCheckDigit(ai, value, expected_digit)
    if fmt.date:
        try:
            gs1_date(value, today=today)
        except InvalidDate as exc:
            raise InvalidDate(f"AI ({ai}) {exc}") from None


def _check_characters(ai: str, value: str, fmt: AiFormat) -> None:
    if fmt.numeric:
        if not _is_digits(value):
            raise InvalidCharacters(f"AI ({ai}) must be digits only, got {value!r}")
        return
    bad = next((ch for ch in value if ch not in _CSET_82), None)
    if bad is not None:
        raise InvalidCharacters(
            f"AI ({ai}) {value!r}: character {bad!r} at position {value.index(bad) + 1}"
            " is not allowed in GS1 element strings"
        )


def _assemble(elements: list[tuple[str, str]], symbology: str | None, today: date) -> Gs1Message:
    values: dict[str, str] = {}
    for ai, value in elements:
        if values.setdefault(ai, value) != value:
            raise DuplicateApplicationIdentifier(
                f"AI ({ai}) appears twice with different values: {values[ai]!r} and {value!r}"
            )
    expiry = values.pop(EXPIRY, None)
    return Gs1Message(
        gtin=values.pop(GTIN, None),
        expiry=None if expiry is None else gs1_date(expiry, today=today),
        lot=values.pop(LOT, None),
        serial=values.pop(SERIAL, None),
        other=tuple(values.items()),
        symbology=symbology,
    )


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
