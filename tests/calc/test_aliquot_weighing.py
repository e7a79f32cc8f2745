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


PLANNED = {"ingredient": g("10.80"), "diluent": g("13.80"), "portion": g("8.20")}  # 3.60 g needed, minimum 8.2 g


def test_later_targets_follow_what_was_weighed():
    from compounder.calc.aliquot_weighing import adapted_targets

    # nothing recorded yet: the printed targets
    assert adapted_targets(PLANNED, {}, g("3.60"), 0.01, g("8.2")) == {
        "ingredient": Decimal("10.80"), "diluent": Decimal("13.80"), "portion": Decimal("8.20")}
    # ingredient 11.00 g: diluent 11.00 × 13.80 / 10.80 = 14.0555… → 14.06 g (the planned concentration); portion still as printed
    assert adapted_targets(PLANNED, {"ingredient": g("11.00")}, g("3.60"), 0.01, g("8.2"))["diluent"] == Decimal("14.06")
    # ingredient 10.40 g: diluent 10.40 × 13.80 / 10.80 = 13.2888… → 13.29 g
    assert adapted_targets(PLANNED, {"ingredient": g("10.40")}, g("3.60"), 0.01, g("8.2"))["diluent"] == Decimal("13.29")
    # then diluent 14.10 g: portion 3.60 × (11.00 + 14.10) / 11.00 = 3.60 × 25.10 / 11.00 = 8.21454… → 8.21 g
    found = adapted_targets(PLANNED, {"ingredient": g("11.00"), "diluent": g("14.10")}, g("3.60"), 0.01, g("8.2"))
    assert found == {"ingredient": Decimal("10.80"), "diluent": Decimal("14.06"), "portion": Decimal("8.21")}
    # in milligrams all the same: 11000 mg ingredient → 14.06 g
    assert adapted_targets(PLANNED, {"ingredient": 11000 * ureg.milligram}, 3600 * ureg.milligram, 0.01, g("8.2"))["diluent"] == Decimal("14.06")


def test_a_compensated_over_weighing_is_within_and_the_old_fixed_target_is_not():
    from compounder.calc.aliquot_weighing import adapted_targets

    # ingredient 11.30 g (+4.63 % of 10.80): diluent 11.30 × 13.80 / 10.80 = 14.4388… → 14.44 g; portion after
    # diluent 14.44: 3.60 × 25.74 / 11.30 = 8.2003… → 8.20 g; delivered 8.20 × 11.30 / 25.74 = 3.599845 g (−0.00 %)
    actuals = {"ingredient": g("11.30"), "diluent": g("14.44"), "portion": g("8.20")}
    targets = {name: g(str(value)) for name, value in adapted_targets(PLANNED, actuals, g("3.60"), 0.01, g("8.2")).items()}
    assert (targets["diluent"].magnitude, targets["portion"].magnitude) == (Decimal("14.44"), Decimal("8.20"))
    outcome = assess(targets, actuals, g("3.60"), Decimal(5))
    assert not outcome.outside and outcome.drug.actual == Decimal("3.599845") and outcome.drug.percent == Decimal("0.00")
    # the diluent weighed to the old fixed 13.80 g is (13.80 − 14.44) / 14.44 = −4.43 %: inside 5 %, but at ± 3 % it is outside
    assert check(targets["diluent"], g("13.80"), Decimal(3)).percent == Decimal("-4.43")
    assert check(targets["diluent"], g("13.80"), Decimal(3)).outside
    # ingredient 10.30 (−4.63 %): diluent 10.30 × 13.80 / 10.80 = 13.1611… → 13.16; the old 13.80 is (13.80 − 13.16) / 13.16 = +4.86 %
    low = adapted_targets(PLANNED, {"ingredient": g("10.30")}, g("3.60"), 0.01, g("8.2"))["diluent"]
    assert low == Decimal("13.16") and check(g("13.16"), g("13.80"), Decimal(5)).percent == Decimal("4.86")


def test_a_later_target_under_the_minimum_weighable_is_refused():
    from compounder.calc.aliquot_weighing import BelowMinimum, adapted_targets, least_diluent

    # ingredient far under, 6.00 g: diluent 6.00 × 13.80 / 10.80 = 7.6666… → 7.67 g < 8.2 g
    with pytest.raises(BelowMinimum, match="diluent would have to be 7.67 g, under the balance's minimum weighable 8.2 g.*start the line again"):
        adapted_targets(PLANNED, {"ingredient": g("6.00")}, g("3.60"), 0.01, g("8.2"))
    # diluent 13.75 on 10.80: portion 3.60 × 24.55 / 10.80 = 8.1833… → 8.18 g < 8.2 g
    with pytest.raises(BelowMinimum, match="portion would have to be 8.18 g"):
        adapted_targets(PLANNED, {"ingredient": g("10.80"), "diluent": g("13.75")}, g("3.60"), 0.01, g("8.2"))
    # the least diluent on 10.80 g: 10.80 × (8.2 / 3.60 − 1) = 13.80, and 13.79 still gives 3.60 × 24.59 / 10.80 = 8.1966… → 8.20
    assert least_diluent(g("10.80"), g("3.60"), 0.01, g("8.2")) == Decimal("13.79")
    # 13.78: 3.60 × 24.58 / 10.80 = 8.1933… → 8.19 < 8.2, so 13.79 is the least
    with pytest.raises(BelowMinimum):
        adapted_targets(PLANNED, {"ingredient": g("10.80"), "diluent": g("13.78")}, g("3.60"), 0.01, g("8.2"))
    with pytest.raises(AliquotStepError, match="ingredient weighed 0 g"):
        adapted_targets(PLANNED, {"ingredient": g("0")}, g("3.60"), 0.01, g("8.2"))
    with pytest.raises(AliquotStepError, match="not a mass"):
        adapted_targets(PLANNED, {"ingredient": 1 * ureg.milliliter}, g("3.60"), 0.01, g("8.2"))


def test_the_least_ingredient_keeps_the_diluent_at_the_minimum():
    from compounder.calc.aliquot_weighing import least_ingredient

    # diclofenac: 8.2 × 10.80 / 13.80 = 6.417… → 6.42, and 6.41 × 13.80 / 10.80 = 8.1906 → 8.19 < 8.2: 6.42 g
    assert least_ingredient(PLANNED, 0.01, g("8.2")) == Decimal("6.42")
    # lidocaine, diluent the minimum itself (weigh 12.00, diluent 8.20): 8.2 × 12.00 / 8.20 = 12.00; 11.99 × 8.20 / 12.00 = 8.1932 → 8.19
    lidocaine = {"ingredient": g("12.00"), "diluent": g("8.20"), "portion": g("10.10")}
    assert least_ingredient(lidocaine, 0.01, g("8.2")) == Decimal("12.00")
