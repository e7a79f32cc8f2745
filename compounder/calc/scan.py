"""What a scanned container code says, and whether it proves the container fits a batch line.

A barcode scanner types like a keyboard, so a scan arrives as text. Two kinds are read:

- a GS1 element string (GS1-128 or GS1 DataMatrix on the maker's container) with (01) GTIN,
  (10) lot, (17) expiry and (21) serial, parsed by the ``biip`` library; the symbology
  identifier (``]C1``, ``]d2``) and the human-readable form with brackets are accepted too;
- the pharmacy's own lot label, a Code 128 printed at receipt: ``CPL`` + the lot's record number
  in 7 digits + a GS1 mod-10 check digit (``CPL00000123`` + check), so a misread is caught.

The decision (``decide_scan``) is pure: the records look up which stock lots a code may be and
pass them in; nothing here reads a database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from compounder.calc.errors import InputError

PHARMACY_PREFIX = "CPL"
_PHARMACY = re.compile(rf"^{PHARMACY_PREFIX}(\d{{7}})(\d)$")
_GS = "\x1d"


class ScanError(InputError):
    """A scan that is no code the weighing station reads; the message says what it accepts."""

    def __init__(self, message: str) -> None:
        super().__init__("scan", message)


@dataclass(frozen=True)
class Scan:
    """What one code says. ``raw`` is kept as scanned, for the record."""

    raw: str
    kind: Literal["gs1", "pharmacy"]
    gtin: str | None = None
    lot_number: str | None = None
    expires: dt.date | None = None
    serial: str | None = None
    lot_id: int | None = None  # the pharmacy's lot label names the lot record itself


def check_digit(digits: str) -> int:
    """GS1 mod-10: weights 3, 1, 3 … from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def pharmacy_lot_code(lot_id: int) -> str:
    """The text of the pharmacy's lot label for lot record ``lot_id`` (printed as Code 128)."""
    if not 0 < lot_id < 10_000_000:
        raise ValueError(f"lot record {lot_id} does not fit a lot label (1 to 9999999)")
    digits = f"{lot_id:07d}"
    return f"{PHARMACY_PREFIX}{digits}{check_digit(digits)}"


def parse_scan(text: str) -> Scan:
    """The code's fields, or ``ScanError`` saying why it cannot be used."""
    raw = text.strip("\r\n\t ")
    if not raw:
        raise ScanError("nothing was scanned; scan the container's GS1 code or the pharmacy's lot label")
    upper = raw.upper()
    if upper.startswith(PHARMACY_PREFIX):
        match = _PHARMACY.match(upper)
        if not match:
            raise ScanError(f"{raw!r} looks like a pharmacy lot label but is not one (CPL and 8 digits); scan it again")
        if check_digit(match.group(1)) != int(match.group(2)):
            raise ScanError(f"{raw!r}: the check digit is wrong (a misread); scan the lot label again")
        return Scan(raw=raw, kind="pharmacy", lot_id=int(match.group(1)))
    return _gs1(raw)


def _gs1(raw: str) -> Scan:
    from biip import ParseError
    from biip.gs1_messages import GS1Message

    try:
        if raw.startswith("("):
            message = GS1Message.parse_hri(raw)
        else:
            body = raw[3:] if raw[:3] in ("]C1", "]d2", "]Q3", "]e0", "]J1") else raw
            message = GS1Message.parse(body)
    except ParseError as error:
        raise ScanError(
            f"{_shown(raw)} is neither a GS1 code nor a pharmacy lot label ({error}); scan the code with the lot number"
        ) from None
    fields: dict[str, object] = {}
    for element in message.element_strings:
        ai = element.ai.ai
        if ai == "17":
            if element.date is None:
                raise ScanError(f"{_shown(raw)}: the expiry (17) {element.value!r} is not a date")
            fields["expires"] = element.date
        elif ai in ("01", "10", "21"):
            fields[ai] = element.value
    if "01" not in fields and "10" not in fields:
        raise ScanError(f"{_shown(raw)} holds no product (01) nor lot (10); scan the container's lot code or the pharmacy's lot label")
    return Scan(
        raw=raw, kind="gs1", gtin=_text(fields.get("01")), lot_number=_text(fields.get("10")),
        expires=fields.get("expires"), serial=_text(fields.get("21")),  # type: ignore[arg-type]
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _shown(raw: str) -> str:
    return repr(raw.replace(_GS, "<GS>"))


# --------------------------------------------------------------------------- the decision


@dataclass(frozen=True)
class LotFacts:
    """What the records know of one stock lot, as the decision needs it."""

    id: int
    stock_form: str
    lot_number: str
    expires: dt.date


Outcome = Literal[
    "confirmed", "other_ingredient", "other_lot", "expired", "expires_before_use", "unknown_lot", "no_lot", "ambiguous",
    "expiry_differs", "unreadable",
]


@dataclass(frozen=True)
class ScanDecision:
    accepted: bool
    outcome: Outcome
    message: str
    lot: LotFacts | None = None


def candidates_key(scan: Scan) -> tuple[str, int | str | None]:
    """How the records find the lots a code may be: by record number, or by lot number."""
    return ("id", scan.lot_id) if scan.kind == "pharmacy" else ("lot_number", scan.lot_number)


def decide_scan(
    scan: Scan, *, position: int, line_name: str, assigned: LotFacts | None, candidates: Sequence[LotFacts], on: dt.date,
    beyond_use: dt.date | None = None,
) -> ScanDecision:
    """Whether the scanned container is the line's ingredient, its assigned lot (when one is
    assigned), usable on ``on`` and until ``beyond_use``. ``candidates`` are the stock lots the
    code may be (``candidates_key``). Any doubt is a refusal that says what to do."""
    line = f"line {position} weighs {line_name}"

    def refuse(outcome: Outcome, message: str, lot: LotFacts | None = None) -> ScanDecision:
        return ScanDecision(False, outcome, f"REFUSED: {message}", lot)

    if scan.expires is not None and scan.expires < on:
        return refuse("expired", f"the container's code says it expired on {scan.expires.isoformat()}; {line}; do not use it")
    if scan.kind == "gs1" and not scan.lot_number:
        return refuse("no_lot", f"the code has no lot number (10); scan the pharmacy's lot label on the container; {line}")
    if not candidates:
        what = f"lot {scan.lot_number}" if scan.kind == "gs1" else f"lot record {scan.lot_id}"
        return refuse("unknown_lot", f"{what} is not in the pharmacy's stock; receive it first, or scan another container; {line}")
    if len(candidates) > 1:
        kinds = ", ".join(sorted({lot.stock_form for lot in candidates}))
        return refuse(
            "ambiguous", f"lot number {scan.lot_number} is on record for more than one lot ({kinds}); scan the pharmacy's lot label; {line}"
        )
    lot = candidates[0]
    if lot.stock_form.casefold() != line_name.casefold():
        return refuse("other_ingredient", f"this container is {lot.stock_form} (lot {lot.lot_number}), another ingredient: {line}", lot)
    if assigned is not None and lot.id != assigned.id:
        return refuse("other_lot", f"this is lot {lot.lot_number}; {line} from lot {assigned.lot_number}", lot)
    if lot.expires < on:
        return refuse("expired", f"lot {lot.lot_number} of {lot.stock_form} expired on {lot.expires.isoformat()}; do not use it", lot)
    if beyond_use is not None and lot.expires < beyond_use:
        return refuse(
            "expires_before_use",
            f"lot {lot.lot_number} expires on {lot.expires.isoformat()}, before the batch's beyond-use date {beyond_use.isoformat()}", lot,
        )
    if scan.expires is not None and scan.expires != lot.expires:
        return refuse(
            "expiry_differs",
            f"the code's expiry {scan.expires.isoformat()} is not the {lot.expires.isoformat()} recorded for lot {lot.lot_number}; check the receipt",
            lot,
        )
    return ScanDecision(True, "confirmed", f"Line {position} confirmed: {lot.stock_form}, lot {lot.lot_number}", lot)
