"""The patient profile the screening checks read: age, weight, allergies, conditions, medicines.

Allergies, conditions and medicines are coded against the reference database's screening
terms, so a rule never misses a fact because it was spelled differently; free-text notes on
other medicines are kept as written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compounder.calc.catalog import Catalog
from compounder.calc.errors import InputError
from compounder.calc.fields import date_field
from compounder.calc.units import MASS, Quantity, parse_quantity, ureg

_KEYS = {"date_of_birth", "weight", "allergies", "conditions", "medications", "medication_notes"}
_KINDS = {"allergies": "allergy", "conditions": "condition", "medications": "medication"}


@dataclass(frozen=True)
class PatientProfile:
    date_of_birth: dt.date | None = None
    weight: Quantity | None = None
    allergies: frozenset[str] = frozenset()  # screening-term keys
    conditions: frozenset[str] = frozenset()
    medications: frozenset[str] = frozenset()
    medication_notes: str | None = None

    def age_on(self, day: dt.date) -> int | None:
        """Whole years of age on ``day``."""
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def has(self, kind: str, key: str) -> bool:
        return key in {"allergy": self.allergies, "condition": self.conditions, "medication": self.medications}[kind]


def parse_patient(data: Any, catalog: Catalog, field: str = "patient") -> PatientProfile:
    """Read the formula file's ``patient`` section; an unknown term is refused with the nearest."""
    if not isinstance(data, Mapping):
        raise InputError(field, 'must be an object such as {"date_of_birth": "1948-03-02", "weight": "62 kg", "allergies": []}')
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise InputError(f"{field}.{unknown[0]}", f"unknown key; a patient takes {', '.join(sorted(_KEYS))}")
    born = date_field(data, "date_of_birth", f"{field}.date_of_birth", "1948-03-02") if data.get("date_of_birth") is not None else None
    weight = None
    if data.get("weight") is not None:
        weight = parse_quantity(data["weight"], f"{field}.weight", (MASS,))
        if not 0.5 <= weight.m_as(ureg.kilogram) <= 400:
            raise InputError(f"{field}.weight", f"{data['weight']!r} is not a body weight; give 0.5 kg to 400 kg, e.g. \"62 kg\"")
    coded: dict[str, frozenset[str]] = {}
    for key, kind in _KINDS.items():
        items = data.get(key, []) or []
        if not isinstance(items, list):
            raise InputError(f"{field}.{key}", f"must be a list of {kind} terms (`compounder screening-terms` lists them)")
        coded[key] = frozenset(catalog.screening_term(item, f"{field}.{key}[{i}]", kind).key for i, item in enumerate(items))
    notes = data.get("medication_notes")
    if notes is not None and not isinstance(notes, str):
        raise InputError(f"{field}.medication_notes", "must be text")
    return PatientProfile(
        date_of_birth=born, weight=weight, allergies=coded["allergies"], conditions=coded["conditions"],
        medications=coded["medications"], medication_notes=notes,
    )
