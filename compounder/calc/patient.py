"""The patient profile the screening checks read: age, weight, allergies, conditions, medicines.

Allergies, conditions and medicines are coded against the reference database's screening
terms, so a rule never misses a fact because it was spelled differently; free-text notes on
other medicines are kept as written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compounder.calc.catalog import Catalog
from compounder.calc.errors import InputError
from compounder.calc.fields import date_field, free_text
from compounder.calc.units import MASS, Quantity, parse_quantity, ureg

_KEYS = {"date_of_birth", "weight", "allergies", "conditions", "medications", "medication_notes"}
_KINDS = {"allergies": "allergy", "conditions": "condition", "medications": "medication"}


#: The coded parts of a profile, as (attribute and formula-file key, screening-term kind).
CODED = (("allergies", "allergy"), ("conditions", "condition"), ("medications", "medication"))


@dataclass(frozen=True)
class PatientProfile:
    """What the screening knows of the patient. A coded list that is ``None`` was not recorded
    (the checks that need it are reported as not made); an empty one means "none known", a
    recorded fact."""

    date_of_birth: dt.date | None = None
    weight: Quantity | None = None
    allergies: frozenset[str] | None = None  # screening-term keys
    conditions: frozenset[str] | None = None
    medications: frozenset[str] | None = None
    medication_notes: str | None = None

    def age_on(self, day: dt.date) -> int | None:
        """Whole years of age on ``day``."""
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def coded(self, kind: str) -> frozenset[str] | None:
        """The screening-term keys of one kind (``allergy``, ``condition``, ``medication``), or
        ``None`` when that part of the profile was not recorded."""
        return {"allergy": self.allergies, "condition": self.conditions, "medication": self.medications}[kind]

    def has(self, kind: str, key: str) -> bool:
        return key in (self.coded(kind) or ())


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
        weight = _body_weight(data["weight"], f"{field}.weight")
        if not 0.5 <= weight.m_as(ureg.kilogram) <= 400:
            raise InputError(f"{field}.weight", f"{data['weight']!r} is not a body weight; give 0.5 kg to 400 kg, e.g. \"62 kg\" or \"137 lb\"")
    coded: dict[str, frozenset[str] | None] = {}
    for key, kind in _KINDS.items():
        items = data.get(key)
        if items is None:  # absent or null: not recorded, which the screening reports
            coded[key] = None
            continue
        if not isinstance(items, list):
            raise InputError(f"{field}.{key}", f"must be a list of {kind} terms (`compounder screening-terms` lists them)")
        coded[key] = frozenset(catalog.screening_term(item, f"{field}.{key}[{i}]", kind).key for i, item in enumerate(items))
    notes = data.get("medication_notes")
    if notes is not None and not isinstance(notes, str):
        raise InputError(f"{field}.medication_notes", "must be text")
    if notes is not None:
        notes = free_text(notes, f"{field}.medication_notes")
    return PatientProfile(
        date_of_birth=born, weight=weight, allergies=coded["allergies"], conditions=coded["conditions"],
        medications=coded["medications"], medication_notes=notes,
    )


# The international avoirdupois pound, exactly 0.45359237 kg by definition (NIST SP 811, appendix
# B; the same figure the records' profile dialog uses). Only a body weight is taken in pounds: the
# unit registry keeps to metric for everything weighed.
KG_PER_LB = 0.45359237
_POUNDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:lb|lbs|pound|pounds)\.?\s*$", re.IGNORECASE)


def _body_weight(value: Any, field: str) -> Quantity:
    """A body weight in kg (or g), or in pounds as the profile dialog takes it ("154 lb")."""
    if isinstance(value, str) and (pounds := _POUNDS.match(value)):
        return ureg.Quantity(float(pounds.group(1)) * KG_PER_LB, ureg.kilogram)
    return parse_quantity(value, field, (MASS,))


def profile_data(profile: PatientProfile) -> dict[str, Any]:
    """The profile as a formula file's ``patient`` section (``parse_patient`` reads it back);
    a part that was not recorded is left out."""
    data: dict[str, Any] = {}
    if profile.date_of_birth is not None:
        data["date_of_birth"] = profile.date_of_birth.isoformat()
    if profile.weight is not None:
        data["weight"] = f"{profile.weight.m_as(ureg.kilogram):g} kg"
    for key, _kind in CODED:
        keys = getattr(profile, key)
        if keys is not None:
            data[key] = sorted(keys)
    if profile.medication_notes:
        data["medication_notes"] = profile.medication_notes
    return data


@dataclass(frozen=True)
class ScreeningInputs:
    """What the checks need from a formula file besides the formula: the patient, the quantity
    dispensed and refills that size the supply, and the order (prescription and container) the
    plan is checked against."""

    patient: PatientProfile | None
    dispensed: Quantity | None = None
    refills: int | None = None
    order: Any = None  # compounder.calc.prescription.Order, when the file's document keys are usable


def screening_inputs(data: Any, catalog: Catalog, *, strict_prescription: bool = True) -> ScreeningInputs:
    """The formula file's ``patient`` section, the prescription's quantity and refills, and its
    order; raises ``InputError`` naming the field that cannot be used. An editor passes
    ``strict_prescription=False``: it reports prescription fields on their own, and a field it
    cannot use then sizes no supply and checks nothing (the check says it was not made).

    The prescription's date of birth feeds the screening: it completes a profile that lacks one,
    and on its own makes a profile of the age alone (the other parts "not recorded"). A date of
    birth that differs from the profile's is refused: one of them is wrong.
    """
    if not isinstance(data, Mapping):
        return ScreeningInputs(None)
    from compounder.calc.prescription import ORDER_KEYS, parse_order

    order = None
    if any(data.get(key) is not None for key in ORDER_KEYS):
        try:
            order = parse_order({key: data[key] for key in ORDER_KEYS if key in data})
        except InputError:
            if strict_prescription:
                raise
    prescription = order.prescription if order is not None else None
    born = prescription.date_of_birth if prescription is not None else None
    patient = parse_patient(data["patient"], catalog) if data.get("patient") is not None else None
    if patient is not None and born is not None:
        if patient.date_of_birth is None:
            patient = dataclasses.replace(patient, date_of_birth=born)
        elif patient.date_of_birth != born:
            raise InputError(
                "prescription.date_of_birth",
                f"{born.isoformat()} differs from patient.date_of_birth {patient.date_of_birth.isoformat()}; correct the one that is wrong",
            )
    elif patient is None and born is not None:
        patient = PatientProfile(date_of_birth=born)
    return ScreeningInputs(
        patient,
        prescription.quantity if prescription and patient else None,
        prescription.refills if prescription and patient else None,
        order,
    )
