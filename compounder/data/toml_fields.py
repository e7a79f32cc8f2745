"""Reading one field of ``data/ingredients.toml`` for the build (``data.build``): present, of a
known kind, a quantity in the dimension expected; anything else stops the build with the entry's
name (``ReferenceDataError``), never a guess."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compounder.calc.errors import InputError
from compounder.calc.units import DIMENSIONLESS, parse_quantity, ureg


class ReferenceDataError(ValueError):
    """The TOML source is inconsistent; the message names the entry."""


def known(entry: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """An entry, or None where it is absent or marked ``unknown = true``."""
    if entry is None or entry.get("unknown"):
        return None
    return entry


def required(entry: Mapping[str, Any], key: str, where: str) -> Any:
    """``entry[key]``, refused when the entry does not give it."""
    if key not in entry:
        raise ReferenceDataError(f"{where}: {key} is missing")
    return entry[key]


def source_kind(entry: Mapping[str, Any], where: str) -> str:
    kind = required(entry, "kind", where)
    if kind not in ("primary", "secondary", "computed"):
        raise ReferenceDataError(f"{where}: kind must be primary, secondary or computed")
    return kind


def quantity(text: Any, where: str, accept: tuple[object, ...]):
    """``text`` as a quantity of one of the dimensions ``accept``ed, refused otherwise."""
    try:
        return parse_quantity(text, where, accept)
    except InputError as error:
        raise ReferenceDataError(str(error)) from None


def fraction(text: Any, where: str) -> float:
    """A strength as a percentage of the product."""
    return quantity(text, where, (DIMENSIONLESS,)).to(ureg.percent).magnitude
