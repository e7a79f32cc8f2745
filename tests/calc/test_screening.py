"""Patient screening: each rule fires on its case and stays quiet on its neighbour."""

from __future__ import annotations

import io
import json

import pytest

from compounder.calc import Q_, InputError, Severity, evaluate, parse_formula
from compounder.calc.patient import parse_patient
from compounder.cli import run
from tests.calc.formulas import active, formula
from tests.conftest import TODAY  # 2026-11-23


def findings(catalog, actives, patient, dispensed=None, refills=None, **extra):
    plan = evaluate(parse_formula(formula(*actives, **extra)), catalog, TODAY, parse_patient(patient, catalog), dispensed, refills)
    return {f.code: f for f in plan.findings}


KETOPROFEN = [active("ketoprofen", "10 %")]
CYCLOBENZAPRINE = [active("cyclobenzaprine hydrochloride", "2 %")]
BACLOFEN = [active("baclofen", "2 %")]
LIDOCAINE = [active("lidocaine", "5 %")]
DOXEPIN = [active("doxepin hydrochloride", "5 %")]


@pytest.mark.parametrize(
    ("actives", "patient", "code", "severity", "words"),
    [
        (KETOPROFEN, {"allergies": ["aspirin allergy"]}, "NSAID_HYPERSENSITIVITY", Severity.ERROR, "NSAID or aspirin hypersensitivity"),
        (KETOPROFEN, {"conditions": ["pregnancy, third trimester"]}, "NSAID_THIRD_TRIMESTER", Severity.ERROR, "third trimester"),
        (KETOPROFEN, {"medications": ["oral NSAID"]}, "NSAID_WITH_ORAL_NSAID", Severity.WARNING, "oral NSAID"),
        (KETOPROFEN, {"medications": ["warfarin"]}, "NSAID_WITH_ANTICOAGULANT", Severity.WARNING, "anticoagulant"),
        (KETOPROFEN, {"conditions": ["kidney disease"]}, "NSAID_KIDNEY_DISEASE", Severity.WARNING, "kidney disease"),
        (KETOPROFEN, {"conditions": ["heart failure"]}, "NSAID_HEART_FAILURE", Severity.WARNING, "heart failure"),
        (KETOPROFEN, {"conditions": ["peptic ulcer"]}, "NSAID_GI_BLEEDING", Severity.WARNING, "GI bleeding"),
        (KETOPROFEN, {"allergies": ["octocrylene sensitivity"]}, "KETOPROFEN_OCTOCRYLENE", Severity.WARNING, "octocrylene"),
        (CYCLOBENZAPRINE, {"medications": ["phenelzine"]}, "CYCLOBENZAPRINE_MAOI", Severity.ERROR, "MAO inhibitor"),
        (CYCLOBENZAPRINE, {"medications": ["SSRI"]}, "SEROTONERGIC_WITH_SEROTONERGIC", Severity.WARNING, "serotonergic"),
        (CYCLOBENZAPRINE, {"date_of_birth": "1961-11-23"}, "MUSCLE_RELAXANT_OLDER_ADULT", Severity.WARNING, "aged 65"),
        (BACLOFEN, {"conditions": ["CKD"]}, "BACLOFEN_KIDNEY_DISEASE", Severity.WARNING, "kidney disease"),
        (BACLOFEN, {"date_of_birth": "1950-01-01"}, "BACLOFEN_OLDER_ADULT", Severity.WARNING, "aged 76"),
        (LIDOCAINE, {"allergies": ["amide local anesthetic allergy"]}, "AMIDE_ANESTHETIC_ALLERGY", Severity.ERROR, "amide"),
    ],
)
def test_rule_fires_naming_the_fact_the_ingredient_and_the_source(catalog, actives, patient, code, severity, words):
    found = findings(catalog, actives, patient)[code]
    assert found.severity is severity
    assert words in found.message
    ingredient = actives[0]["ingredient"]
    assert ingredient in found.message
    assert found.source is not None and found.source.title in found.message


@pytest.mark.parametrize(
    ("actives", "patient", "code"),
    [
        # the day before the 65th birthday (born 1961-11-24, compounded 2026-11-23): 64
        (CYCLOBENZAPRINE, {"date_of_birth": "1961-11-24"}, "MUSCLE_RELAXANT_OLDER_ADULT"),
        (KETOPROFEN, {"conditions": ["pregnancy, second trimester"]}, "NSAID_THIRD_TRIMESTER"),
        (LIDOCAINE, {"allergies": ["aspirin allergy"]}, "NSAID_HYPERSENSITIVITY"),  # not an NSAID
        (KETOPROFEN, {"allergies": ["lidocaine allergy"]}, "AMIDE_ANESTHETIC_ALLERGY"),  # not an amide
        (BACLOFEN, {"medications": ["phenelzine"]}, "CYCLOBENZAPRINE_MAOI"),
        (KETOPROFEN, {}, "NSAID_KIDNEY_DISEASE"),
    ],
)
def test_rule_stays_quiet_on_its_neighbour(catalog, actives, patient, code):
    assert code not in findings(catalog, actives, patient)


def test_a_short_use_rule_counts_the_days_of_supply_with_the_refills(catalog):
    """The days-of-supply screening rule (``supply_days_over``), on the one that has a source for
    topical use: doxepin, labelled for up to 8 days (Zonalon cream). It was tested on cyclobenzaprine's
    21 days until that rule was removed (no source sets a duration for topical cyclobenzaprine)."""
    # 1 g three times a day = 3 g a day. 24 g with no refill lasts 24 / 3 = 8 days: not over 8, quiet.
    # 24 g with 1 refill = 48 g lasts 48 / 3 = 16 days > 8: warning.
    directions = {"amount": "1 g", "times_per_day": 3}
    quiet = findings(catalog, DOXEPIN, {}, Q_(24, "g"), 0, directions=directions)
    assert "DOXEPIN_LONG_SUPPLY" not in quiet
    found = findings(catalog, DOXEPIN, {}, Q_(24, "g"), 1, directions=directions)["DOXEPIN_LONG_SUPPLY"]
    assert found.severity is Severity.WARNING
    assert "48 g with 1 refill(s) lasts 16 days" in found.message and "more than 8 days" in found.message
    assert found.source is not None and found.source.id == "zonalon-cream-label"


SEED = {
    "name": "Diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 % in Lipoderm", "batch": "120 g", "base": "Lipoderm",
    "density": "1.0 g/mL", "compounded_on": "2026-11-23", "directions": {"amount": "1 g", "times_per_day": 2},
    "actives": [active("diclofenac sodium", "3 %"), active("cyclobenzaprine hydrochloride", "2 %"), active("lidocaine", "5 %")],
}


def seed_findings(catalog, date_of_birth: str) -> dict:
    """The seed prescription (120 g, 1 g twice a day, no refill) for a patient with nothing on file
    but the date of birth (allergies, conditions and medicines recorded as none known)."""
    from compounder.calc.patient import screening_inputs

    data = {
        **SEED,
        "patient": {"allergies": [], "conditions": [], "medications": [], "weight": "80 kg"},
        "prescription": {"patient": "Jane Doe", "date_of_birth": date_of_birth, "rx_number": "RX-1", "prescriber": "Dr. A",
                         "directions": "Apply 1 g twice daily", "quantity": "120 g", "refills": 0},
    }
    inputs = screening_inputs(data, catalog)
    plan = evaluate(parse_formula(data), catalog, TODAY, inputs.patient, dispensed=inputs.dispensed, refills=inputs.refills, order=inputs.order)
    return {f.code: f for f in plan.findings}


def test_a_topical_cyclobenzaprine_cream_has_no_duration_finding(catalog):
    """A 120 g cream at 1 g twice a day lasts 120 / 2 = 60 days. No source sets a duration for
    topical cyclobenzaprine (the tablets' 2 to 3 weeks is about oral use in acute spasm), so for a
    patient of 40 nothing about cyclobenzaprine's duration is raised, not even as "not checked";
    the days beyond the beyond-use date are still a warning, and a patient of 65 still gets the Beers one."""
    young = seed_findings(catalog, "1986-11-23")  # 40 on 2026-11-23
    assert not [code for code in young if code.startswith("CYCLOBENZAPRINE_LONG_SUPPLY")]
    cyclobenzaprine = [f for f in young.values() if f.line == 1 and f.severity is not Severity.INFO]
    assert cyclobenzaprine == [], [f.code for f in cyclobenzaprine]
    assert "MUSCLE_RELAXANT_OLDER_ADULT" not in young
    # 120 g / (1 g × 2 a day) = 60.0 days, beyond the 14-day beyond-use date of a nonpreserved aqueous
    # preparation (USP <795>): dispense at most 2 g × 14 = 28 g.
    beyond = young["SUPPLY_BEYOND_BUD"]
    assert beyond.severity is Severity.WARNING
    assert "lasts 60.0 days, longer than the beyond-use date of 14 days: dispense at most 28 g" in beyond.message
    # Born 1961-11-23: 65 on the compounding date 2026-11-23, the Beers list's age.
    older = seed_findings(catalog, "1961-11-23")
    assert older["MUSCLE_RELAXANT_OLDER_ADULT"].severity is Severity.WARNING and "aged 65" in older["MUSCLE_RELAXANT_OLDER_ADULT"].message
    assert "lasts 60.0 days" in older["SUPPLY_BEYOND_BUD"].message
    assert not [code for code in older if code.startswith("CYCLOBENZAPRINE_LONG_SUPPLY")]
    # Nor does any rule on file set one.
    assert not [rule for rule in catalog.screening_rules if "cyclobenzaprine" in rule.substances and rule.supply_days_over is not None]


def test_lidocaine_against_body_weight(catalog):
    # lidocaine 5 % = 50 mg/g; 2 g × 3 a day = 6 g → 300 mg a day.
    # 62 kg × 4.5 mg/kg = 279 mg < 300 mg: warning; 70 kg × 4.5 = 315 mg: quiet.
    directions = {"amount": "2 g", "times_per_day": 3}
    found = findings(catalog, LIDOCAINE, {"weight": "62 kg"}, directions=directions)["DAILY_AMOUNT_ABOVE_WEIGHT_LIMIT"]
    assert "300.0 mg" in found.message and "279.0 mg" in found.message and "62 kg" in found.message
    assert "DAILY_AMOUNT_ABOVE_WEIGHT_LIMIT" not in findings(catalog, LIDOCAINE, {"weight": "70 kg"}, directions=directions)
    unknown = findings(catalog, LIDOCAINE, {}, directions=directions)["WEIGHT_LIMIT_UNKNOWN"]
    assert unknown.severity is Severity.INFO


def test_age_unknown_is_reported_not_assumed(catalog):
    assert findings(catalog, CYCLOBENZAPRINE, {})["MUSCLE_RELAXANT_OLDER_ADULT_AGE_UNKNOWN"].severity is Severity.INFO


def test_unknown_term_names_the_nearest(catalog):
    with pytest.raises(InputError) as error:
        parse_patient({"medications": ["MAOIs"]}, catalog)
    assert error.value.field == "patient.medications[0]" and 'did you mean "MAO inhibitor"' in error.value.message


def test_cli_patient_section(catalog, tmp_path):
    data = formula(*KETOPROFEN, patient={"date_of_birth": "1948-03-02", "weight": "62 kg", "allergies": ["NSAID allergy"]})
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    status = run(["calc", str(path), "--json"], load_catalog=lambda _p: catalog, today=TODAY, stdout=out, stderr=err)
    assert status == 1  # an error finding
    assert "NSAID_HYPERSENSITIVITY" in {f["code"] for f in json.loads(out.getvalue())["findings"]}
    data["patient"]["conditions"] = ["pregnant-ish"]
    path.write_text(json.dumps(data), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    status = run(["calc", str(path)], load_catalog=lambda _p: catalog, today=TODAY, stdout=out, stderr=err)
    assert status == 2 and err.getvalue().count("\n") == 1 and "patient.conditions[0]" in err.getvalue()


def test_screening_terms_json(catalog):
    out = io.StringIO()
    assert run(["screening-terms", "--json"], load_catalog=lambda _p: catalog, today=TODAY, stdout=out, stderr=io.StringIO()) == 0
    terms = json.loads(out.getvalue())
    assert {"allergy", "condition", "medication"} == {t["kind"] for t in terms}
    assert "MAO inhibitor" in {t["name"] for t in terms}
