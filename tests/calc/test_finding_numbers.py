"""Issue 28, observation 4: a pharmacist's decision is bound to the numbers of the finding it
accepted. The fingerprint of a finding changes with any number it rests on (strength, mg/day,
days, beyond-use date, quantity, and a lot where the finding names it) and with nothing else: not
with a lot's assay or the grams it takes to weigh, which reach the same strength."""

from __future__ import annotations

import copy

from compounder.calc import evaluate, parse_formula
from compounder.calc.finding_numbers import fingerprints
from compounder.calc.patient import screening_inputs
from compounder.calc.plan_data import plan_to_json
from tests.conftest import TODAY

FILE = {
    "name": "Diclofenac 3 % / cyclobenzaprine 2 %", "batch": "120 g", "base": "Lipoderm", "density": "1.0 g/mL",
    "directions": {"amount": "1 g", "times_per_day": 2},
    "actives": [{"ingredient": "diclofenac sodium", "strength": "3 %"}, {"ingredient": "cyclobenzaprine hydrochloride", "strength": "2 %"}],
    "prescription": {"patient": "Jane Doe", "rx_number": "RX-1", "prescriber": "Dr. A", "directions": "Apply 1 g twice daily",
                     "quantity": "117 g", "refills": 0},
}


def plan(catalog, **changes) -> dict:
    data = copy.deepcopy(FILE)
    for path, value in changes.items():
        target = data
        *keys, last = path.split(".")
        for key in keys:
            target = target[int(key)] if key.isdigit() else target[key]
        target[last] = value
    inputs = screening_inputs(data, catalog)
    return plan_to_json(evaluate(parse_formula(data), catalog, TODAY, inputs.patient, dispensed=inputs.dispensed, refills=inputs.refills, order=inputs.order))


def supply(json_plan: dict) -> str:
    return fingerprints(json_plan)["SUPPLY_BEYOND_BUD"]


def test_the_days_supply_acknowledgement_is_bound_to_its_days_its_bud_and_the_strengths(catalog):
    # 117 g at 1 g twice a day = 2 g a day: 117 / 2 = 58.5 days, beyond the 14-day BUD.
    at_58_5 = plan(catalog)
    assert "lasts 58.5 days" in next(f["message"] for f in at_58_5["findings"] if f["code"] == "SUPPLY_BEYOND_BUD")
    assert supply(plan(catalog)) == supply(at_58_5)  # the same numbers: the same fingerprint
    # 117 g at 1 g once a day: 117 / 1 = 117 days.
    assert supply(plan(catalog, **{"directions.times_per_day": 1})) != supply(at_58_5)
    # Cyclobenzaprine HCl 20 % in place of 2 % (a tenfold strength): the same 58.5 days, another preparation.
    at_20 = plan(catalog, **{"actives.1.strength": "20 %"})
    assert "lasts 58.5 days" in next(f["message"] for f in at_20["findings"] if f["code"] == "SUPPLY_BEYOND_BUD")
    assert supply(at_20) != supply(at_58_5)
    # A 10-day beyond-use date in place of 14 days.
    shorter = copy.deepcopy(at_58_5)
    shorter["bud"] = {**shorter["bud"], "days": 10, "date": "2026-12-02"}
    assert supply(shorter) != supply(at_58_5)
    # Another lot of a line, at another assay: 3.600 g of diclofenac sodium at 97.0 % is weighed as
    # 3.600 / 0.970 = 3.711 g; still 3 %, still 58.5 days: the decision stands.
    other_lot = copy.deepcopy(at_58_5)
    other_lot["lines"][0].update(lot="LB26-777", potency="97 %", expires="2027-12-31", grams_rounded=3.711)
    assert supply(other_lot) == supply(at_58_5)
    # A quantity to dispense of 42 g: 42 / 2 = 21 days, still beyond 14.
    assert supply(plan(catalog, **{"prescription.quantity": "42 g"})) != supply(at_58_5)


def test_a_line_finding_rests_on_its_own_line(catalog):
    # Cyclobenzaprine HCl 3 % is above its typical range (1–2 %) but within twice the highest strength on
    # file (2 % × 2 = 4 %; 20 % would be an implausible-strength error): a warning on line 1 (index 1).
    at_20 = plan(catalog, **{"actives.1.strength": "3 %"})
    finding = next(f for f in at_20["findings"] if f["code"] == "STRENGTH_OUTSIDE_TYPICAL_RANGE")
    assert finding["line"] == 1
    own, other = copy.deepcopy(at_20), copy.deepcopy(at_20)
    own["lines"][1]["mg_per_day"] = 4000.0  # cyclobenzaprine's mg a day changed
    other["lines"][0]["lot"] = "DS-2"  # diclofenac's lot: not a number this finding rests on
    assert fingerprints(own)["STRENGTH_OUTSIDE_TYPICAL_RANGE"] != fingerprints(at_20)["STRENGTH_OUTSIDE_TYPICAL_RANGE"]
    assert fingerprints(other)["STRENGTH_OUTSIDE_TYPICAL_RANGE"] == fingerprints(at_20)["STRENGTH_OUTSIDE_TYPICAL_RANGE"]


def _release(catalog, data):
    import pytest  # noqa: F401 - used by the caller's raises

    from compounder.calc.release import release

    inputs = screening_inputs(data, catalog)
    plan_ = evaluate(parse_formula(data), catalog, TODAY, inputs.patient, dispensed=inputs.dispensed, refills=inputs.refills, order=inputs.order)
    return plan_, release(plan_, inputs.order)


def test_a_formula_files_acknowledgement_bound_to_58_5_days_is_void_at_117_days_and_at_20_percent(catalog):
    """The workbench road: the window writes each acknowledgement with its numbers; printing again
    after the numbers changed refuses until the pharmacist acknowledges again."""
    import pytest

    from compounder.calc.release import BatchBlocked, stale_acknowledgements

    numbers = supply(plan(catalog))
    ack = {"code": "SUPPLY_BEYOND_BUD", "by": "J. Kim, RPh", "reason": "patient told to discard the rest", "numbers": numbers}
    data = {**copy.deepcopy(FILE), "acknowledged": [ack]}
    _, released = _release(catalog, data)  # at 58.5 days: accepted
    assert [a.acknowledgement.numbers for a in released if a.acknowledgement] == [numbers]
    once = copy.deepcopy(data)
    once["directions"]["times_per_day"] = 1  # 117 days
    with pytest.raises(BatchBlocked, match="SUPPLY_BEYOND_BUD acknowledged at other numbers than these: void"):
        _release(catalog, once)
    tenfold = copy.deepcopy(data)
    tenfold["actives"][1]["strength"] = "20 %"
    with pytest.raises(BatchBlocked) as blocked:  # 20 % (ten times 2 %) is now an error of its own: STRENGTH_IMPLAUSIBLE
        _release(catalog, tenfold)
    assert "STRENGTH_IMPLAUSIBLE" in {f.code for f in blocked.value.findings}
    stronger = copy.deepcopy(data)
    stronger["actives"][1]["strength"] = "3 %"  # still a warning; the days' supply acknowledged at 2 % is void
    with pytest.raises(BatchBlocked) as blocked:
        _release(catalog, stronger)
    assert "SUPPLY_BEYOND_BUD" in {f.code for f in blocked.value.findings}
    inputs = screening_inputs(once, catalog)
    stale_plan = evaluate(parse_formula(once), catalog, TODAY, inputs.patient, dispensed=inputs.dispensed, refills=inputs.refills, order=inputs.order)
    assert [a.code for a in stale_acknowledgements(stale_plan, inputs.order)] == ["SUPPLY_BEYOND_BUD"]
