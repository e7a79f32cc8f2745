"""Every active screened (issue #23): each active in the reference data is in the screening classes
that apply to it, or says why none does, and each class it is in has a sourced rule that acts on it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from compounder.calc import Severity, evaluate, parse_formula
from compounder.calc.patient import parse_patient
from tests.calc.formulas import active, formula
from tests.conftest import TODAY

DATA = Path(__file__).resolve().parents[2] / "data" / "ingredients.toml"


def test_every_active_has_its_screening_classes_decided(catalog):
    source = tomllib.loads(DATA.read_text(encoding="utf-8"))
    undecided = [a["name"] for a in source["active"] if "screening_classes" not in a]
    assert not undecided, f"no screening class decided for {undecided}"
    for substance in catalog.substances:
        assert substance.screening_classes or substance.screening_none, substance.name
        assert not (substance.screening_classes and substance.screening_none), substance.name


def test_every_class_an_active_is_in_has_a_sourced_rule_for_it(catalog):
    for substance in catalog.substances:
        for key in substance.screening_classes:
            rules = [r for r in catalog.screening_rules if r.screening_class == key and r.applies_to(substance)]
            assert rules, f"{substance.name} is in {key} but no rule acts on it"
            assert all(r.source is not None for r in rules)


OLDER_PATIENT = {
    # 75 on 2026-11-23; amide-anaesthetic and NSAID allergies; on warfarin, an MAOI and an opioid
    "date_of_birth": "1951-06-01", "weight": "70 kg",
    "allergies": ["amide local anaesthetic allergy", "NSAID allergy"], "conditions": [],
    "medications": ["warfarin", "phenelzine", "opioid"],
}


@pytest.mark.parametrize(
    ("ingredient", "expected"),
    [
        ("bupivacaine hydrochloride, anhydrous", {"BUPIVACAINE_AMIDE_ALLERGY": Severity.ERROR}),
        ("tramadol hydrochloride", {"TRAMADOL_MAOI": Severity.ERROR, "TRAMADOL_CNS_DEPRESSANT": Severity.WARNING}),
        (
            "amitriptyline hydrochloride",
            {"TCA_MAOI": Severity.ERROR, "TCA_CNS_DEPRESSANT": Severity.WARNING, "TCA_OLDER_ADULT": Severity.WARNING},
        ),
        ("orphenadrine citrate", {"MUSCLE_RELAXANT_OLDER_ADULT": Severity.WARNING, "ORPHENADRINE_CNS_DEPRESSANT": Severity.WARNING}),
        ("methyl salicylate", {"SALICYLATE_ASPIRIN_ALLERGY": Severity.ERROR, "SALICYLATE_ANTICOAGULANT": Severity.WARNING}),
    ],
)
def test_the_75_year_old_of_the_issue_gets_real_findings(catalog, ingredient, expected):
    # Before: only information findings for each of these five actives.
    patient = parse_patient(OLDER_PATIENT, catalog)
    plan = evaluate(parse_formula(formula(active(ingredient, "1 %"))), catalog, TODAY, patient)
    screening = {rule.code for rule in catalog.screening_rules}
    found = {f.code: f.severity for f in plan.findings if f.code in screening}
    assert found == expected


def test_there_is_an_ester_anaesthetic_allergy_term(catalog):
    patient = parse_patient({"allergies": ["tetracaine allergy"]}, catalog)
    assert patient.allergies == frozenset({"ester-anesthetic-allergy"})
    plan = evaluate(parse_formula(formula(active("benzocaine", "5 %"))), catalog, TODAY, patient)
    [found] = [f for f in plan.findings if f.code == "ESTER_ANESTHETIC_ALLERGY"]
    assert found.severity is Severity.ERROR and "ester" in found.message
