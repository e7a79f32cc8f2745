"""What the pharmacy knows of a base that the reference data does not: water content (or water
activity), preservative, and the reference it rests on (the maker's data sheet, a study).

USP <795> (2023) dates a preparation by whether it is aqueous (water activity 0.60 or more) and
preserved; for proprietary bases those facts are rarely public, so the reference data leaves them
unknown and every such base falls to the shortest BUD. A pharmacy that holds the maker's data
records it per base (pharmacy settings, ``bases``) or per master formula (the formula file's
``base_description``); the BUD then follows it and its reason names the reference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from compounder.calc.catalog import Catalog
from compounder.calc.errors import InputError
from compounder.calc.model import AQUEOUS_WATER_ACTIVITY, BaseDescription, Sourced, StabilityReference

__all__ = ["AQUEOUS_WATER_ACTIVITY", "BaseDescription", "StabilityReference", "parse_base_description", "parse_stability"]

_KEYS = {"contains_water", "water_activity", "preserved", "reference"}


def parse_base_description(base: str, value: Any, field: str) -> BaseDescription:
    """One base's description; ``InputError`` naming the field that cannot be used."""
    if not isinstance(value, Mapping):
        raise InputError(field, 'must be an object such as {"water_activity": 0.45, "preserved": true, "reference": "maker\'s data sheet, 2024"}')
    unknown = sorted(set(value) - _KEYS)
    if unknown:
        raise InputError(f"{field}.{unknown[0]}", f"unknown key; a base description takes {', '.join(sorted(_KEYS))}")
    reference = value.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise InputError(f"{field}.reference", "missing; say what the description rests on (the maker's data sheet, a study), it is printed with the BUD")
    flags: dict[str, bool | None] = {}
    for key in ("contains_water", "preserved"):
        flag = value.get(key)
        if flag is not None and not isinstance(flag, bool):
            raise InputError(f"{field}.{key}", f"{flag!r} is not true or false")
        flags[key] = flag
    activity = value.get("water_activity")
    if activity is not None:
        if isinstance(activity, bool) or not isinstance(activity, (int, float)) or not 0 <= activity <= 1:
            raise InputError(f"{field}.water_activity", f"{activity!r} is not a water activity; give the maker's figure, from 0 to 1, e.g. 0.45")
        activity = float(activity)
        if flags["contains_water"] is False and activity >= AQUEOUS_WATER_ACTIVITY:
            raise InputError(
                f"{field}.water_activity",
                f"{activity:g} is {AQUEOUS_WATER_ACTIVITY:.2f} or more (aqueous by USP <795>) while contains_water is false; correct one",
            )
    if activity is None and flags["contains_water"] is None and flags["preserved"] is None:
        raise InputError(field, "describes nothing; give water_activity or contains_water, and preserved")
    return BaseDescription(" ".join(base.split()), " ".join(reference.split()), flags["contains_water"], activity, flags["preserved"])


def parse_base_descriptions(value: Any, field: str = "bases") -> tuple[BaseDescription, ...]:
    """The pharmacy settings' ``bases``: base name → description."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise InputError(field, 'must map each base\'s name to its description, e.g. {"Lipoderm": {"water_activity": 0.45, "reference": "..."}}')
    return tuple(parse_base_description(str(name), item, f"{field}.{name}") for name, item in value.items())


def base_description_data(description: BaseDescription) -> dict[str, Any]:
    """As the settings file (or formula file) holds it; ``parse_base_description`` reads it back."""
    data: dict[str, Any] = {"reference": description.reference}
    for key in ("contains_water", "water_activity", "preserved"):
        if getattr(description, key) is not None:
            data[key] = getattr(description, key)
    return data


def with_base_descriptions(catalog: Catalog, descriptions: tuple[BaseDescription, ...], where: str = "the pharmacy") -> Catalog:
    """The catalog with each described base's water content and preservative taken from the
    description (its source naming the reference); refuses a base that is not on file."""
    if not descriptions:
        return catalog
    by_name = {catalog.base(d.base, f"bases.{d.base}").name: d for d in descriptions}
    bases = []
    for base in catalog.bases:
        description = by_name.get(base.name)
        if description is None:
            bases.append(base)
            continue
        source = description.source(where)
        changes: dict[str, Any] = {}
        if description.aqueous is not None:
            changes["contains_water"] = Sourced(description.aqueous, source)
        if description.preserved is not None:
            changes["preserved"] = Sourced(description.preserved, source)
        bases.append(dataclasses.replace(base, **changes))
    return dataclasses.replace(catalog, bases=tuple(bases))


def parse_stability(value: Any, field: str = "stability") -> StabilityReference:
    """A master formula's stability reference: the days a study (or the maker's data for this
    formula) supports, and what it is."""
    if not isinstance(value, Mapping):
        raise InputError(field, 'must be an object such as {"days": 90, "reference": "stability-indicating study, lab report 2024-07"}')
    unknown = sorted(set(value) - {"days", "reference"})
    if unknown:
        raise InputError(f"{field}.{unknown[0]}", "unknown key; a stability reference takes days and reference")
    days = value.get("days")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
        raise InputError(f"{field}.days", f"{days!r} is not a number of days; give the whole days the study supports, e.g. 90")
    reference = value.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise InputError(f"{field}.reference", "missing; name the study (or the maker's data) the days rest on; it is printed with the BUD")
    return StabilityReference(days, " ".join(reference.split()))
