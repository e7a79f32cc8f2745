"""The aliquot's weighings as recorded: targets as printed, the drug delivered, each check."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.calc.aliquot import aliquot
from compounder.calc.aliquot_weighing import AliquotStepError, assess, check, delivered, step_targets
from compounder.calc.units import ureg


def g(text: str):
    return ureg.Quantity(Decimal(text), ureg.gram)


def test_targets_are_the_plans_aliquot_rounded_to_the_balance():
    # 3.60 g needed, minimum 8.2 g: k = 3, weigh 10.80, portion max(8.2, 3.60 + 8.2/3) = 8.2, mixture 24.6, diluent 13.8
    scheme = aliquot(3.6 * ureg.gram, 8.2 * ureg.gram)
    frozen = {key: round(getattr(scheme, key).to("g").magnitude, 9) for key in ("needed", "weigh", "diluent", "mixture", "portion")}
    assert step_targets(frozen, 0.01) == {"ingredient": Decimal("10.80"), "diluent": Decimal("13.80"), "portion": Decimal("8.20")}
    # 2.5 g needed on a 0.1 g balance, minimum 8.2 g: k = 4, weigh 10.0, portion max(8.2, 2.5 + 2.05) = 8.2, diluent 32.8 − 10.0 = 22.8
    scheme = aliquot(2.5 * ureg.gram, 8.2 * ureg.gram)
    frozen = {key: getattr(scheme, key).to("g").magnitude for key in ("weigh", "diluent", "portion")}
    assert step_targets(frozen, 0.1) == {"ingredient": Decimal("10.0"), "diluent": Decimal("22.8"), "portion": Decimal("8.2")}


def test_the_drug_delivered_is_portion_times_ingredient_over_mixture():
    # 8.21 × 10.85 / (10.85 + 13.75) = 89.0785 / 24.60 = 3.6210772… → 3.621077 g
    assert delivered(g("10.85"), g("13.75"), g("8.21")) == g("3.621077")
    # in milligrams all the same: 8200 mg × 10800 mg / 24600 mg = 3600 mg = 3.600000 g
    assert delivered(10800 * ureg.milligram, 13800 * ureg.milligram, 8200 * ureg.milligram).magnitude == Decimal("3.600000")


def test_each_check_is_against_its_own_target():
    found = check(g("10.80"), g("10.85"), Decimal(5))
    assert (found.percent, found.outside) == (Decimal("0.46"), False)  # 0.05 / 10.80 = 0.463 %
    found = check(g("13.80"), g("16.20"), Decimal(5))
    assert (found.percent, found.outside) == (Decimal("17.39"), True)  # 2.40 / 13.80 = 17.39 %
    # exactly at the edge is inside: 10.50 against 10.00 at ± 5 %
    assert not check(g("10.00"), g("10.50"), Decimal(5)).outside


def test_weighings_each_inside_can_deliver_a_drug_outside():
    targets = {"ingredient": g("10.80"), "diluent": g("13.80"), "portion": g("8.20")}
    # each 4.9 % off: 10.27, 14.48, 7.80 → 7.80 × 10.27 / 24.75 = 3.236606 g, (3.236606 − 3.60) / 3.60 = −10.09 %
    outcome = assess(targets, {"ingredient": g("10.27"), "diluent": g("14.48"), "portion": g("7.80")}, g("3.60"), Decimal(5))
    assert not any(step.outside for step in outcome.steps.values())
    assert (outcome.drug.actual, outcome.drug.percent, outcome.outside) == (Decimal("3.236606"), Decimal("-10.09"), True)


def test_what_cannot_be_worked_with_is_refused():
    with pytest.raises(AliquotStepError, match="not a mass"):
        delivered(g("1"), 2 * ureg.milliliter, g("1"))
    with pytest.raises(AliquotStepError, match="weighs nothing"):
        delivered(g("0"), g("0"), g("1"))
    with pytest.raises(AliquotStepError, match="negative"):
        check(g("1"), g("-1"), Decimal(5))
    with pytest.raises(AliquotStepError, match="portion weighing is not recorded"):
        assess({"ingredient": g("1"), "diluent": g("1"), "portion": g("1")}, {"ingredient": g("1"), "diluent": g("1")}, g("1"), Decimal(5))
