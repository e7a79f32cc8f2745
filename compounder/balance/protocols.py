"""The balances' serial languages: what to send, and what a reply line means.

- MT-SICS (Mettler Toledo, level 0): ``SI`` the weight now, ``S`` the next stable weight,
  ``Z`` zero, ``T`` tare. Reply ``S S      7.431 g`` (stable), ``S D …`` (dynamic, not stable),
  ``S +`` / ``S -`` (over / under the range), ``S I`` (cannot now), ``ES``/``ET``/``EL`` (errors).
- Sartorius SBI: ``ESC P`` prints the display, ``ESC T`` tares, ``ESC V`` zeroes. A 16-character
  line ``+    7.431 g  `` (22 with a 6-character ID in front); the unit is printed only when the
  value is stable; ``High`` / ``Low`` overload / underload; ``Err ###`` an error.
- Ohaus: ``IP`` prints the display now, ``SP`` when stable, ``Z`` zero, ``T`` tare. A line
  ``     7.431 g  ?``: ``?`` after the unit while not stable; ``ES`` an unknown command.

Pure text: no port, no clock (the driver adds both).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from compounder.calc.balance_reading import ReadingState

Parsed = tuple[ReadingState, Decimal | None, str]

_TO_GRAMS = {"g": Decimal(1), "mg": Decimal("0.001"), "kg": Decimal(1000)}


@dataclass(frozen=True)
class Protocol:
    name: str
    title: str
    immediate: bytes  # the weight shown now, stable or not
    zero: bytes
    tare: bytes
    parse: Callable[[str], Parsed]
    stable: bytes | None = None  # the next stable weight (the balance waits for stability); None: not in the protocol


def _grams(number: str, unit: str, line: str) -> Parsed | Decimal:
    try:
        value = Decimal(number)
    except InvalidOperation:
        return (ReadingState.ERROR, None, f"unreadable weight {line.strip()!r}")
    factor = _TO_GRAMS.get(unit)
    if factor is None:
        return (ReadingState.ERROR, None, f"the balance weighs in {unit!r}; set it to grams")
    return value * factor


def _printable(line: str) -> bool:
    return all(32 <= ord(c) < 127 for c in line)


_SICS = re.compile(r"^(S|SI)\s+([SD])\s+(-?\s*[0-9]+(?:\.[0-9]+)?)\s+(\S+)\s*$")


def parse_sics(line: str) -> Parsed:
    text = line.strip()
    if not _printable(text):
        return (ReadingState.ERROR, None, f"garbled reply {line!r}")
    words = text.split()
    if words in (["S", "+"], ["SI", "+"]):
        return (ReadingState.OVERLOAD, None, text)
    if words in (["S", "-"], ["SI", "-"]):
        return (ReadingState.UNDERLOAD, None, text)
    if words in (["S", "I"], ["SI", "I"]):
        return (ReadingState.ERROR, None, "the balance cannot weigh now (busy or adjusting)")
    if words and words[0] in ("ES", "ET", "EL"):
        meaning = {"ES": "syntax error", "ET": "transmission error", "EL": "logical error"}[words[0]]
        return (ReadingState.ERROR, None, f"the balance replied {words[0]} ({meaning})")
    match = _SICS.match(text)
    if not match:
        return (ReadingState.ERROR, None, f"unreadable reply {text!r}")
    grams = _grams(match.group(3).replace(" ", ""), match.group(4), text)
    if isinstance(grams, tuple):
        return grams
    return (ReadingState.STABLE if match.group(2) == "S" else ReadingState.UNSTABLE, grams, text)


_SBI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9 ]{0,5}?\s+)?([+-])\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z%]*)\s*$")


def parse_sbi(line: str) -> Parsed:
    text = line.rstrip("\r\n")
    if not _printable(text):
        return (ReadingState.ERROR, None, f"garbled reply {line!r}")
    words = text.split()
    if "High" in words or "H" in words or "HH" in words:
        return (ReadingState.OVERLOAD, None, text.strip())
    if "Low" in words or "L" in words or "LL" in words:
        return (ReadingState.UNDERLOAD, None, text.strip())
    if "Err" in words or "ERR" in words:
        return (ReadingState.ERROR, None, f"the balance reports {text.strip()!r}")
    match = _SBI.match(text)
    if not match:
        return (ReadingState.ERROR, None, f"unreadable reply {text.strip()!r}")
    unit = match.group(3)
    number = ("-" if match.group(1) == "-" else "") + match.group(2)
    if not unit:  # SBI prints the unit only with a stable value
        try:
            return (ReadingState.UNSTABLE, Decimal(number), text.strip())
        except InvalidOperation:  # pragma: no cover - the pattern allows digits only
            return (ReadingState.ERROR, None, f"unreadable reply {text.strip()!r}")
    grams = _grams(number, unit, text)
    if isinstance(grams, tuple):
        return grams
    return (ReadingState.STABLE, grams, text.strip())


_OHAUS = re.compile(r"^\s*(-?)\s*([0-9]+(?:\.[0-9]+)?)\s+([A-Za-z]+)\s*(\?)?\s*(?:[A-Za-z]+)?\s*$")


def parse_ohaus(line: str) -> Parsed:
    text = line.rstrip("\r\n")
    if not _printable(text):
        return (ReadingState.ERROR, None, f"garbled reply {line!r}")
    if text.strip() == "ES":
        return (ReadingState.ERROR, None, "the balance replied ES (command not understood)")
    if "OL" in text.split() or "-OL-" in text:
        return (ReadingState.OVERLOAD, None, text.strip())
    match = _OHAUS.match(text)
    if not match:
        return (ReadingState.ERROR, None, f"unreadable reply {text.strip()!r}")
    grams = _grams(match.group(1) + match.group(2), match.group(3), text)
    if isinstance(grams, tuple):
        return grams
    return (ReadingState.UNSTABLE if match.group(4) else ReadingState.STABLE, grams, text.strip())


PROTOCOLS: dict[str, Protocol] = {
    "mt-sics": Protocol("mt-sics", "Mettler Toledo MT-SICS", b"SI\r\n", b"Z\r\n", b"T\r\n", parse_sics, b"S\r\n"),
    "sartorius-sbi": Protocol("sartorius-sbi", "Sartorius SBI", b"\x1bP\r\n", b"\x1bV\r\n", b"\x1bT\r\n", parse_sbi),
    "ohaus": Protocol("ohaus", "Ohaus", b"IP\r\n", b"Z\r\n", b"T\r\n", parse_ohaus, b"SP\r\n"),
}
