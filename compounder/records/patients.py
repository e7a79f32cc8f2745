"""A patient's screening profile as the records keep it: date of birth, weight, coded allergies,
conditions and medicines, and free-text notes on other medicines; saved with the audit trail
(who changed it, when, what it was before), and read back as the engine's ``PatientProfile``.

A coded list that is ``None`` was never recorded: the screening then says which checks it could
not make. An empty list is "none known", a fact someone recorded. The two are kept apart from the
editor to the stored JSON to the engine.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy.orm import Session

from compounder.calc.catalog import Catalog
from compounder.calc.errors import InputError
from compounder.calc.patient import CODED, PatientProfile
from compounder.calc.units import ureg
from compounder.records import audit
from compounder.records.edit_versions import refuse_if_changed
from compounder.records.model import Patient
from compounder.records.people import full_name
from compounder.records.policy import Actor, PermissionRefused, RecordError, Role

#: Body weights the screening accepts, as ``compounder.calc.patient.parse_patient`` does.
MIN_WEIGHT_KG, MAX_WEIGHT_KG = Decimal("0.5"), Decimal("400")
EARLIEST_BIRTH = dt.date(1900, 1, 1)
MAX_NOTES = 2000


@dataclass(frozen=True)
class ProfileEntry:
    """What the pharmacist entered. For each coded part: ``None`` = not recorded, ``()`` = none
    known, or the screening-term keys (or names; they are coded on saving)."""

    date_of_birth: dt.date | None = None
    weight_kg: Decimal | None = None
    allergies: tuple[str, ...] | None = None
    conditions: tuple[str, ...] | None = None
    medications: tuple[str, ...] | None = None
    medication_notes: str | None = None


@dataclass(frozen=True)
class StoredProfile:
    """A patient's profile as stored, with who last changed it."""

    patient_id: int
    name: str
    date_of_birth: dt.date | None
    weight_kg: Decimal | None
    allergies: tuple[str, ...] | None
    conditions: tuple[str, ...] | None
    medications: tuple[str, ...] | None
    medication_notes: str | None
    updated_at: dt.datetime | None
    updated_by: str | None  # full name
    version: int = 0  # the row version: a save is made on top of the one shown (``save_profile(expected_version=)``)

    def screening(self) -> PatientProfile:
        """The engine's view of it (what the screening reads)."""
        return PatientProfile(
            date_of_birth=self.date_of_birth,
            weight=None if self.weight_kg is None else float(self.weight_kg) * ureg.kilogram,
            allergies=None if self.allergies is None else frozenset(self.allergies),
            conditions=None if self.conditions is None else frozenset(self.conditions),
            medications=None if self.medications is None else frozenset(self.medications),
            medication_notes=self.medication_notes,
        )


_WEIGHT = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(kg|lb|lbs)?\s*$", re.IGNORECASE)
KG_PER_LB = Decimal("0.45359237")  # exact, by definition of the international pound


def parse_body_weight(text: str, unit: str = "kg") -> Decimal:
    """A body weight typed as a number with its unit (kg or lb; "62", "62.5 kg", "136 lb") in
    kilograms, to the gram. A unit typed with the number wins over ``unit``. Refuses anything
    else in words for the pharmacist."""
    raw = (text or "").strip().replace(",", ".")
    if not raw:
        raise RecordError("type the weight, e.g. 62.5")
    match = _WEIGHT.match(raw)
    if not match:
        raise RecordError(f"{text.strip()!r} is not a body weight; type a number such as 62.5 and choose kg or lb")
    unit = (match.group(2) or unit).lower().rstrip("s")
    if unit not in ("kg", "lb"):
        raise RecordError(f"{unit!r} is not a unit of body weight; choose kg or lb")
    kilograms = Decimal(match.group(1)) * (KG_PER_LB if unit == "lb" else 1)
    kilograms = kilograms.quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)
    if not MIN_WEIGHT_KG <= kilograms <= MAX_WEIGHT_KG:
        raise RecordError(f"{text.strip()} {unit if not match.group(2) else ''}".strip() + f" is not a body weight; give {MIN_WEIGHT_KG} kg to {MAX_WEIGHT_KG} kg")
    return kilograms.quantize(Decimal(1)) if kilograms == kilograms.to_integral() else kilograms.normalize()


def may_edit_profiles(actor: Actor) -> None:
    if actor.role is Role.ADMINISTRATOR:
        raise PermissionRefused("an administrator account does not record patient profiles; sign in as a technician or pharmacist")


def stored_profile(session: Session, patient_id: int) -> StoredProfile:
    row = session.get(Patient, patient_id)
    if row is None:
        raise RecordError(f"no patient {patient_id}")
    return _stored(session, row)


def screening_profile(session: Session, patient_id: int) -> PatientProfile:
    """The stored profile as the engine's ``PatientProfile``: what a batch's screening uses."""
    return stored_profile(session, patient_id).screening()


def save_profile(
    session: Session, actor: Actor, patient_id: int, entry: ProfileEntry, catalog: Catalog, now: dt.datetime, *,
    expected_version: int | None = None,
) -> StoredProfile:
    """Check and store the profile, and write who changed it in the audit trail (one entry with
    the row before and after). Terms are coded against the catalog's screening terms; an unknown
    one is refused naming the nearest. ``expected_version``: the profile's version as shown; one
    changed since on another workstation is refused (``EditConflict``), never overwritten."""
    from compounder.records.people import current_actor

    actor = current_actor(session, actor)
    may_edit_profiles(actor)
    row = session.get(Patient, patient_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise RecordError(f"no patient {patient_id}")
    refuse_if_changed(session, row, expected_version, f"the profile of {row.name}")
    if entry.date_of_birth is not None:
        if entry.date_of_birth > now.date():
            raise RecordError(f"date of birth {entry.date_of_birth.isoformat()} is in the future")
        if entry.date_of_birth < EARLIEST_BIRTH:
            raise RecordError(f"date of birth {entry.date_of_birth.isoformat()} is before {EARLIEST_BIRTH.year}; check it")
    if entry.weight_kg is not None:
        if not isinstance(entry.weight_kg, Decimal) or not entry.weight_kg.is_finite() or not MIN_WEIGHT_KG <= entry.weight_kg <= MAX_WEIGHT_KG:
            raise RecordError(f"{entry.weight_kg} kg is not a body weight; give {MIN_WEIGHT_KG} kg to {MAX_WEIGHT_KG} kg")
    coded = {key: _coded(getattr(entry, key), kind, catalog) for key, kind in CODED}
    notes = " ".join((entry.medication_notes or "").split()) or None
    if notes is not None and len(notes) > MAX_NOTES:
        raise RecordError(f"the medication notes are {len(notes)} characters; keep them under {MAX_NOTES}")
    old = audit.snapshot(session, "patient", row.id)
    row.date_of_birth = entry.date_of_birth
    row.weight_kg = entry.weight_kg
    row.allergies, row.conditions, row.medications = coded["allergies"], coded["conditions"], coded["medications"]
    row.medication_notes = notes
    row.profile_updated_at = now
    row.profile_updated_by = actor.id
    audit.record(session, actor, "profile", "patient", row.id, old, now)
    return _stored(session, row)


def find_patient(session: Session, name: str, date_of_birth: dt.date | None = None) -> StoredProfile:
    """The one patient with this name (any case and spacing), and this date of birth when given."""
    from sqlalchemy import select

    from compounder.records.people import search_key

    query = select(Patient).where(Patient.search_key == search_key(name))
    if date_of_birth is not None:
        query = query.where(Patient.date_of_birth == date_of_birth)
    rows = list(session.scalars(query.order_by(Patient.id)))
    if not rows:
        born = f" born {date_of_birth.isoformat()}" if date_of_birth else ""
        raise RecordError(f"no patient named {name.strip()!r}{born}")
    if len(rows) > 1:
        births = ", ".join(r.date_of_birth.isoformat() if r.date_of_birth else "no date of birth" for r in rows)
        raise RecordError(f"{len(rows)} patients are named {name.strip()!r} ({births}); give the date of birth")
    return _stored(session, rows[0])


def entry_from_profile(profile: PatientProfile) -> ProfileEntry:
    """A profile as the engine reads it (e.g. a formula file's ``patient`` section, already
    checked by ``parse_patient``) as an entry to save."""
    weight = None
    if profile.weight is not None:
        weight = Decimal(repr(profile.weight.m_as(ureg.kilogram))).quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN).normalize()
    return ProfileEntry(
        date_of_birth=profile.date_of_birth, weight_kg=weight,
        **{key: None if getattr(profile, key) is None else tuple(sorted(getattr(profile, key))) for key, _kind in CODED},
        medication_notes=profile.medication_notes,
    )


def _coded(items: Iterable[str] | None, kind: str, catalog: Catalog) -> list[str] | None:
    if items is None:
        return None
    keys = set()
    for item in items:
        try:
            keys.add(catalog.screening_term(item, kind, kind).key)
        except InputError as error:
            raise RecordError(f"{kind} {item!r}: {error.message}") from None
    return sorted(keys)


def _stored(session: Session, row: Patient) -> StoredProfile:
    def coded(value: list[str] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(value)

    return StoredProfile(
        patient_id=row.id, name=row.name, date_of_birth=row.date_of_birth, weight_kg=row.weight_kg,
        allergies=coded(row.allergies), conditions=coded(row.conditions), medications=coded(row.medications),
        medication_notes=row.medication_notes, updated_at=row.profile_updated_at, updated_by=full_name(session, row.profile_updated_by),
        version=row.row_version or 0,
    )
