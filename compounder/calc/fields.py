"""Readers for the plain fields of formula-file data (text, dates, lists), shared by the formula,
the prescription and the patient sections so each refuses the same things in the same words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from compounder.calc.errors import InputError


def text_item(value: Any, field: str) -> str:
    """Non-empty text with runs of white space folded to one space."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, f"must be non-empty text, got {value!r}")
    return " ".join(value.split())


def text_field(data: Mapping, key: str, field: str) -> str:
    return text_item(data.get(key), field)


def date_field(data: Mapping, key: str, field: str, example: str = "2027-06-30") -> dt.date:
    value = data.get(key)
    try:
        if not isinstance(value, str):
            raise ValueError
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(field, f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. {example}") from None


def list_field(data: Mapping, key: str, shape: str = "a list") -> list:
    """The list at ``key`` (absent or null: empty); ``shape`` words what the list holds."""
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(key, f"must be {shape}")
    return value
