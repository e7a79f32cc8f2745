"""Readers for the plain fields of formula-file data (text, dates, lists), shared by the formula,
the prescription and the patient sections so each refuses the same things in the same words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from compounder.calc.errors import InputError
from compounder.calc.field_limits import date_range, prints_nothing, text_limit


def text_item(value: Any, field: str) -> str:
    """Non-empty text with runs of white space folded to one space, no longer than the field's
    limit; text that prints as nothing (zero-width or direction characters alone) is empty."""
    if not isinstance(value, str) or prints_nothing(value):
        shown = value if not isinstance(value, str) or len(value) <= 40 else value[:40] + "…"
        raise InputError(field, f"must be non-empty text, got {shown!r}")
    return " ".join(limited_text(value, field).split())


def limited_text(value: str, field: str) -> str:
    """``value`` when it is no longer than the field's limit (see ``field_limits``)."""
    limit = text_limit(field)
    if len(value) > limit:
        raise InputError(field, f"{len(value):,} characters is too long; give at most {limit} characters")
    return value


def free_text(value: str, field: str) -> str:
    """Free text that may be empty, as given; but not longer than the field's limit, and not
    text that prints as nothing (taken for an entry, it would print blank)."""
    if value.strip() == "" and value == value.strip():
        return value
    if prints_nothing(value):
        raise InputError(field, "prints as nothing (only spaces, zero-width or direction characters); write the text or leave the field out")
    return limited_text(value, field)


def check_date_range(day: dt.date, field: str, kind: str | None = None) -> dt.date:
    """``day`` when it is within the sane range for the field, or for the ``kind`` of date it is
    (``field_limits.DATE_RANGES``)."""
    earliest, latest = date_range(kind or field)
    if not earliest <= day <= latest:
        raise InputError(field, f"{day.isoformat()} is outside {earliest.isoformat()} to {latest.isoformat()}; check the date")
    return day


def text_field(data: Mapping, key: str, field: str) -> str:
    return text_item(data.get(key), field)


def date_field(data: Mapping, key: str, field: str, example: str = "2027-06-30") -> dt.date:
    value = data.get(key)
    try:
        if not isinstance(value, str):
            raise ValueError
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        shown = value if not isinstance(value, str) or len(value) <= 40 else value[:40] + "…"
        raise InputError(field, f"{shown!r} is not a date; write it as YYYY-MM-DD, e.g. {example}") from None
    return check_date_range(day, field)


def list_field(data: Mapping, key: str, shape: str = "a list") -> list:
    """The list at ``key`` (absent or null: empty); ``shape`` words what the list holds."""
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(key, f"must be {shape}")
    return value
