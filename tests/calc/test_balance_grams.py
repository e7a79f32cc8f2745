"""The one representation of a weighed amount (``calc.balance_grams``): a Decimal in grams, from a
pint mass only through ``grams_of``, from a plan's JSON number only through ``plan_grams``, to and
from the database's integer micrograms only through ``to_ug``/``to_grams``. Every figure below is
worked out by hand in its comment."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from compounder.calc import evaluate, parse_formula
from compounder.calc.balance_grams import (
    decimals,
    format_grams,
    grams_of,
    plain,
    plan_grams,
    plan_number,
    readability,
    rounded_grams,
    to_balance,
    to_grams,
    to_ug,
    whole_micrograms,
)
from compounder.calc.model import Balance, Sourced
from compounder.calc.plan_data import plan_to_json
from compounder.calc.units import ureg
from tests.calc.formulas import active, formula
from tests.conftest import TODAY


def _balance(step: str) -> Balance:
    d = ureg.Quantity(float(step), ureg.gram)
    return Balance(f"{step} g balance", Sourced(d), Sourced(d * 820))


def test_a_potency_adjusted_target_on_a_milligram_balance():
    # 2.4 g of drug at 95 % potency: 2.4 / 0.95 = 2.526315789… g; to 0.001 g, the fourth decimal
    # is 3, so it rounds down to 2.526.
    grams = ureg.Quantity(2.4, ureg.gram) / 0.95
    assert rounded_grams(grams, _balance("0.001")) == Decimal("2.526")
    assert format_grams(grams, _balance("0.001")) == "2.526"


def test_the_balance_keeps_its_decimals():
    # 2.5260 g on a 0.001 g balance is 2.526 (three decimals, the balance's); 2.50 g on a
    # 0.01 g balance prints 2.50, not 2.5; 7.4250 g on 0.01 g is half way: up, 7.43.
    assert format_grams(ureg.Quantity(2.5260, ureg.gram), _balance("0.001")) == "2.526"
    assert format_grams(ureg.Quantity(2.50, ureg.gram), _balance("0.01")) == "2.50"
    assert format_grams(ureg.Quantity(7.425, ureg.gram), _balance("0.01")) == "7.43"
    assert decimals(_balance("0.01")) == 2 and decimals(_balance("0.001")) == 3
    assert readability(_balance("0.001")) == Decimal("0.001")


def test_rounding_is_half_away_from_zero_on_the_exact_decimal():
    # 0.0125 / 0.001 = 12.5 → 13 steps: 0.013 (half even would give 0.012)
    assert to_balance(Decimal("0.0125"), Decimal("0.001")) == Decimal("0.013")
    # 1.005 g as a float is 1.00499999999999989…; its shortest repr is 1.005, so half up gives 1.01
    assert format_grams(ureg.Quantity(1.005, ureg.gram), _balance("0.01")) == "1.01"
    assert str(to_balance(Decimal("2.5"), Decimal("0.01"))) == "2.50"


def test_a_mass_in_another_unit_is_converted_to_grams_first():
    # 2526 mg × 0.001 g/mg is 2.5260000000000002 in float arithmetic (its shortest repr), which the
    # balance's 0.001 g makes 2.526; 0.5 kg = 500 g; a Decimal magnitude is taken as it is
    assert grams_of(ureg.Quantity(2526.0, ureg.milligram)) == Decimal("2.5260000000000002")
    assert to_balance(grams_of(ureg.Quantity(2526.0, ureg.milligram)), Decimal("0.001")) == Decimal("2.526")
    assert grams_of(ureg.Quantity(0.5, ureg.kilogram)) == Decimal("500.0")
    exact = Decimal("2.52631578947368421052631578947")
    assert grams_of(ureg.Quantity(exact, ureg.gram)) == exact


def test_a_plan_number_reads_back_as_the_digits_written():
    # The plan stores round(2.526315789473684, 9) = 2.526315789 as a JSON number; read back it is
    # Decimal('2.526315789'), not the float's binary expansion 2.52631578899999…
    written = json.loads(json.dumps({"grams": round(2.4 / 0.95, 9)}))["grams"]
    assert plan_grams(written) == Decimal("2.526315789")
    assert str(plan_grams(0.001)) == "0.001"
    assert plan_grams("2.50") == Decimal("2.50") and str(plan_grams("2.50")) == "2.50"


def test_micrograms_in_the_database():
    # 2.526 g = 2 526 000 µg; 0.000001 g = 1 µg; and back
    assert to_ug(Decimal("2.526")) == 2_526_000
    assert to_ug(Decimal("0.000001")) == 1
    assert to_grams(2_526_000) == Decimal("2.526") and str(to_grams(2_526_000)) == "2.526"
    assert str(to_grams(2_500_000)) == "2.5"


def test_grams_from_the_database_never_print_with_an_exponent():
    # 30 000 000 µg is 30 g; Decimal.normalize alone makes it 3E+1, which a message prints as such
    assert str(to_grams(30_000_000)) == "30"
    assert str(to_grams(120_000_000)) == "120"
    assert str(plain(Decimal("20.000"))) == "20"
    assert str(plain(Decimal("0.0500"))) == "0.05"


@pytest.mark.parametrize("grams", ["0", "0.000001", "2.526", "57.474", "999999.999999"])
def test_micrograms_round_trip(grams):
    assert to_grams(to_ug(Decimal(grams))) == Decimal(grams)


def test_a_weight_is_stored_whole_to_the_microgram():
    # 2.526001 g = 2 526 001 µg exactly; 2.5260001 g would be 2 526 000.1 µg, which the column cannot hold
    assert whole_micrograms(Decimal("2.526001"))
    assert not whole_micrograms(Decimal("2.5260001"))


def test_the_plan_writes_the_exact_grams_to_the_nanogram():
    # 2.4 / 0.95 = 2.526315789473… g → 2.526315789 (9 decimals), read back as those digits
    written = plan_number(ureg.Quantity(2.4, ureg.gram) / 0.95)
    assert written == 2.526315789 and plan_grams(written) == Decimal("2.526315789")


def test_one_amount_from_plan_to_database_to_paper(catalog):
    # Lidocaine 4 % in 60 g of Lipoderm at 95.0 % potency: 60 × 4 % / 0.95 = 2.526315… g, printed
    # 2.526 on the 0.001 g balance; the base 60 − 2.526315… = 57.473684… g, printed 57.474. Each
    # line's printed text, its rounded number read back and its microgram column are one amount.
    plan = plan_to_json(evaluate(parse_formula(formula(active("lidocaine", "4 %", potency="95 %"), batch="60 g")), catalog, TODAY))
    assert plan["balance"]["readability_grams"] == 0.001
    assert [line["grams_display"] for line in plan["lines"]] == ["2.526", "57.474"]
    for line in plan["lines"]:
        printed = Decimal(line["grams_display"])
        assert plan_grams(line["grams_rounded"]) == printed
        assert to_grams(to_ug(plan_grams(line["grams_rounded"]))) == printed
        assert to_balance(plan_grams(line["grams"]), plan_grams(plan["balance"]["readability_grams"])) == printed
