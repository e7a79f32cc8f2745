"""How long each text field of a formula file may be, which dates are sane, and which text
prints as nothing.

The limits are what the documents can print: a patient's or prescriber's name on one or two
lines of the label and the worksheet's header, a lot number as the identifier it is, a step of
the method as a paragraph. Text longer than that cannot be a real entry (a paste gone wrong,
a file made by a program), and would break the worksheet's layout, so it is refused naming the
field and its limit, the same way in the window and on the command line.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

#: Characters at most, by the field's last name (``actives[2].lot`` → ``lot``).
TEXT_LIMITS: dict[str, int] = {
    "formula": 200,  # the formula's name
    "base": 120,
    "balance": 120,
    "ingredient": 120,
    "stock": 120,
    "lot": 40,
    "base lot": 40,
    "manufacturer": 80,
    "formula_version": 40,
    "rx_number": 40,
    "batch_number": 40,
    "patient": 100,
    "prescriber": 100,
    "directions": 500,
    "area": 120,
    "container": 80,
    "steps": 1000,
    "checks": 500,
    # the master formulation record's elements (compounder.calc.master_record)
    "description": 1000,
    "container_closure": 300,
    "bud_reference": 500,
    "labelling": 500,
    "appearance": 300,
    "notes": 2000,
    "equipment": 200,
    "code": 60,
    "by": 100,
    "reason": 1000,
    "role": 40,
    "medication_notes": 1000,
    "username": 64,  # a user account: the sign-in name (records.people allows 2–64 characters)
    "full_name": 100,  # and the name printed where the user signs
}
DEFAULT_TEXT_LIMIT = 200

#: Dates a formula file may hold: none before 1900 (a date of birth) nor after 2199 (an expiry
#: date); a compounding or prescription date within this century.
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
DATE_RANGES: dict[str, tuple[dt.date, dt.date]] = {
    "compounded_on": (dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
    "written_on": (dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
    "date_of_birth": (EARLIEST_DATE, dt.date(2099, 12, 31)),
}

# Format and control characters, separators and unassigned or private code points print as nothing.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
# Letters and symbols that are drawn blank (Hangul fillers, the blank Braille pattern).
_BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INDEX = re.compile(r"\[\d+\]")


def field_key(field: str) -> str:
    """The name a limit is kept under: the last part of the field's path, without indices."""
    return _INDEX.sub("", field).rsplit(".", 1)[-1]


def text_limit(field: str) -> int:
    return TEXT_LIMITS.get(field_key(field), DEFAULT_TEXT_LIMIT)


def prints_nothing(text: str) -> bool:
    """True when no character of ``text`` would leave a mark on paper (zero-width, direction and
    other format characters, spaces, combining marks with no letter)."""
    return all(ch in _BLANK_CHARACTERS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in text)


def date_range(field: str) -> tuple[dt.date, dt.date]:
    return DATE_RANGES.get(field_key(field), (EARLIEST_DATE, LATEST_DATE))
