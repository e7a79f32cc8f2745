"""Formula-file data used across the tests, built the way a pharmacist writes it, and the plan of
one evaluated for a patient (the screening and override tests share it)."""

from __future__ import annotations

from typing import Any

from compounder.calc import evaluate, parse_formula
from compounder.calc.patient import parse_patient
from tests.conftest import TODAY


def formula(*actives: dict[str, Any], batch: str = "120 g", base: str = "Lipoderm", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"batch": batch, "base": base, "compounded_on": "2026-11-23", "actives": list(actives)}
    data.update(extra)
    return data


def active(ingredient: str, strength: str, **extra: Any) -> dict[str, Any]:
    return {"ingredient": ingredient, "strength": strength, **extra}


KETOPROFEN = [active("ketoprofen", "10 %")]
NSAID_ALLERGY = {"allergies": ["NSAID allergy"], "conditions": [], "medications": []}
REASON = "reaction was GI upset only; prescriber confirmed by phone"


def plan_for(catalog, patient, actives=KETOPROFEN):
    return evaluate(parse_formula(formula(*actives)), catalog, TODAY, parse_patient(patient, catalog))
