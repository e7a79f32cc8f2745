"""The workbench's print gate (``calc.print_gate.next_hold``): what holds a worksheet or label
back, first thing first, with what the pharmacist is shown; the window only shows or asks."""

from __future__ import annotations

import pytest

from compounder.calc import Severity, evaluate, parse_formula
from compounder.calc.patient import parse_patient
from compounder.calc.prescription import parse_order
from compounder.calc.print_gate import Hold, PrintHold, PrintReady, next_hold
from tests.calc.formulas import active, formula
from tests.conftest import TODAY

PRESCRIBED = {
    "batch_number": "B-1", "prescription": {"patient": "Ann Smith", "rx_number": "RX-1", "prescriber": "Dr. Jones"},
}
KIDNEY = {"allergies": [], "conditions": ["kidney disease"], "medications": []}
NSAID_ALLERGY = {"allergies": ["NSAID allergy"], "conditions": [], "medications": []}
REASON = "reaction was GI upset only; prescriber confirmed by phone"


def plan_for(catalog, patient):
    return evaluate(parse_formula(formula(active("ketoprofen", "10 %"))), catalog, TODAY, parse_patient(patient, catalog))


def gate(plan, order, document="worksheet", *, must_be_corrected=False, order_has_errors=False, pharmacy_entered=True):
    return next_hold(
        plan, order, document, must_be_corrected=must_be_corrected, order_has_errors=order_has_errors, pharmacy_entered=pharmacy_entered,
    )


def test_each_hold_in_turn_then_ready(catalog):
    plan = plan_for(catalog, KIDNEY)
    warning = next(f for f in plan.findings if f.code == "NSAID_KIDNEY_DISEASE")
    assert warning.severity is Severity.WARNING
    order = parse_order(PRESCRIBED)
    assert gate(None, order) == PrintHold(Hold.FORMULA_ERRORS)
    assert gate(plan, order, must_be_corrected=True, pharmacy_entered=False) == PrintHold(Hold.FORMULA_ERRORS)  # the formula first
    assert gate(plan, order, pharmacy_entered=False, order_has_errors=True) == PrintHold(Hold.NO_PHARMACY)
    assert gate(plan, None) == PrintHold(Hold.ORDER_ERRORS)
    # The label needs three fields more than the worksheet (directions, quantity, refills).
    assert gate(plan, order, "label") == PrintHold(
        Hold.MISSING_FIELDS, missing=("prescription.directions", "prescription.quantity", "prescription.refills"),
    )
    held = gate(plan, order)
    assert held.hold is Hold.FINDINGS_OPEN and warning in held.findings
    acknowledged = [{"code": f.code, "by": "Paula P., RPh", "reason": REASON} for f in held.findings]
    ready = gate(plan, parse_order({**PRESCRIBED, "acknowledged": acknowledged}))
    assert isinstance(ready, PrintReady) and ready.plan is plan


def test_an_acknowledgement_that_no_longer_fits_is_held_before_the_findings(catalog):
    plan = plan_for(catalog, KIDNEY)
    stale = parse_order({**PRESCRIBED, "acknowledged": [{"code": "NO_SUCH_FINDING", "by": "P", "reason": REASON}]})
    held = gate(plan, stale)
    assert held.hold is Hold.STALE_ACKNOWLEDGEMENTS and [a.code for a in held.stale] == ["NO_SUCH_FINDING"]


@pytest.mark.parametrize("document", ["worksheet", "label"])
def test_a_patient_error_needs_an_override_in_the_records(catalog, document):
    plan = plan_for(catalog, NSAID_ALLERGY)
    order = parse_order({**PRESCRIBED, "prescription": {**PRESCRIBED["prescription"], "directions": "apply", "quantity": "30 g", "refills": 0}})
    held = gate(plan, order, document)
    assert held.hold is Hold.OVERRIDES_NEEDED and [f.code for f in held.findings] == ["NSAID_HYPERSENSITIVITY"]
