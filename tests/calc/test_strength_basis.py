"""Written as acid, base or salt (issue #23): where a drug's products are labelled as a salt, a
strength written as the free moiety is asked about before anything is weighed, and the label
states the basis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compounder.calc import InputError, Severity, evaluate, parse_formula
from compounder.calc.labeling import label_active
from tests.calc.formulas import active, formula
from tests.conftest import TODAY

FORMULAS = Path(__file__).resolve().parents[2] / "data" / "formulas"


def plan_of(catalog, data):
    return evaluate(parse_formula(data), catalog, TODAY)


def test_diclofenac_3_percent_asks_which_is_meant(catalog):
    # Before: computed as the free acid, 120 g × 3 % × 318.13/296.15 = 3.867 g diclofenac sodium
    # (the 3.614 g is 3.6 g acid), with only a range warning to acknowledge.
    plan = plan_of(catalog, formula(active("diclofenac", "3 %", stock="diclofenac sodium")))
    [found] = [f for f in plan.findings if f.code == "STRENGTH_BASIS_UNSTATED"]
    assert found.severity is Severity.ERROR and not found.patient  # corrected in the formula, never overridden
    assert '"diclofenac sodium" as the ingredient' in found.message and '"basis": "diclofenac"' in found.message
    assert "Solaraze" in found.message


def test_stating_the_basis_clears_the_question(catalog):
    codes = {f.code for f in plan_of(catalog, formula(active("diclofenac", "1 %", stock="diclofenac sodium", basis="diclofenac"))).findings}
    assert "STRENGTH_BASIS_UNSTATED" not in codes
    codes = {f.code for f in plan_of(catalog, formula(active("diclofenac sodium", "3 %"))).findings}
    assert "STRENGTH_BASIS_UNSTATED" not in codes


def test_a_basis_that_is_not_the_written_form_is_refused(catalog):
    with pytest.raises(InputError) as caught:
        plan_of(catalog, formula(active("diclofenac", "3 %", basis="diclofenac sodium")))
    assert caught.value.field == "actives[0].basis"


def test_a_drug_labelled_as_its_base_is_not_asked_about(catalog):
    # lidocaine ointment 5 % is labelled as lidocaine base: "lidocaine 5 %" is unambiguous
    codes = {f.code for f in plan_of(catalog, formula(active("lidocaine", "5 %"))).findings}
    assert "STRENGTH_BASIS_UNSTATED" not in codes


def test_the_label_states_the_free_moiety_basis(catalog):
    # diclofenac 1 % (free acid) = 1 × 318.13 / 296.15 = 1.0742 % diclofenac sodium
    plan = plan_of(catalog, formula(active("diclofenac", "1 %", stock="diclofenac sodium", basis="diclofenac")))
    shown = label_active(plan.lines[0], catalog)
    assert shown.name == "diclofenac"
    assert shown.strength == "1 % (free-diclofenac basis; = 1.074 % diclofenac sodium)"
    plan = plan_of(catalog, formula(active("diclofenac sodium", "3 %")))
    assert label_active(plan.lines[0], catalog).strength == "3 %"


def test_the_shipped_diclofenac_menthol_camphor_formula_passes_the_reference_limits(catalog):
    # Before: "diclofenac 3 % is 3.223 % diclofenac sodium, above the typical range" (1–3 % sodium).
    data = json.loads((FORMULAS / "diclofenac-menthol-camphor.json").read_text())
    findings = plan_of(catalog, {**data, "compounded_on": "2026-11-23"}).findings
    assert not [f for f in findings if f.severity in (Severity.ERROR, Severity.WARNING)], [f.message for f in findings]


@pytest.mark.parametrize("path", sorted(FORMULAS.glob("*.json")), ids=lambda p: p.stem)
def test_no_reference_master_formula_has_an_error_or_a_warning(catalog, path):
    data = json.loads(path.read_text())
    findings = plan_of(catalog, {**data, "compounded_on": "2026-11-23"}).findings
    assert not [f for f in findings if f.severity in (Severity.ERROR, Severity.WARNING)], [f.message for f in findings]
