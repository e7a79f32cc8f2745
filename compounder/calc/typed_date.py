"""A date typed by a person: taken exactly as typed (YYYY-MM-DD) or refused with a message that
names the field and the format accepted — never completed, rolled over or guessed.

A lot's expiry sets the beyond-use date, so "2026-02-30" must not become 2026-03-02 and
"2026-12-2" must not become the 2nd or the 20th: both are refused. Shared by the window's date
fields (``ui/common/date_field``) so every screen refuses the same things in the same words.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from compounder.calc.errors import InputError
from compounder.calc.field_limits import date_range
from compounder.calc.fields import check_date_range

_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")  # ASCII digits only: \d takes other scripts' digits
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def typed_date(
    text: str, field: str, *, kind: str | None = None, required: bool = False, example: str = "2027-06-30",
    not_before: dt.date | None = None,
) -> dt.date | None:
    """The date ``text`` says, or ``None`` when it is empty and the date is optional.

    Refused (``InputError`` on ``field``): anything but four-digit year, two-digit month and
    two-digit day separated by hyphens; a day the month does not have; a date outside the range
    for ``kind`` (``field_limits.DATE_RANGES``); a date before ``not_before``."""
    stripped = text.strip()
    if not stripped:
        if required:
            raise InputError(field, f"give the date as YYYY-MM-DD, e.g. {example}")
        return None
    shown = stripped if len(stripped) <= 40 else stripped[:40] + "…"
    match = _ISO_DAY.fullmatch(stripped)
    if match is None:
        raise InputError(field, f"{shown!r} is not a date; type it as YYYY-MM-DD, e.g. {example}")
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise InputError(field, f"{shown!r} is not a date: there is no month {month}; type it as YYYY-MM-DD, e.g. {example}")
    if year < 1:  # no such year in the calendar; the range check words what is accepted
        earliest, latest = date_range(kind or field)
        raise InputError(field, f"{shown} is outside {earliest.isoformat()} to {latest.isoformat()}; check the date")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise InputError(
            field, f"{shown!r} is not a date: {_MONTHS[month - 1]} {year} has {days} days; type it as YYYY-MM-DD, e.g. {example}",
        )
    date = check_date_range(dt.date(year, month, day), field, kind)
    if not_before is not None and date < not_before:
        raise InputError(field, f"{date.isoformat()} is before today, {not_before.isoformat()}; it cannot be earlier than today")
    return date
