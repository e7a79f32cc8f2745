"""The blind double check's comparison (``compounder.calc.blind_check``), with figures worked out
by hand.

The case: lidocaine 50 mg/g in 60 g of Lipoderm, lot at 95.0 %, on the 0.001 g balance, in a
Topi-CLICK (0.25 mL a click) at a density of 1.00 g/mL.
  grams of lidocaine: 60 g × 50 mg/g = 3000 mg = 3.000 g; ÷ 0.950 = 3.157894… g → 3.158 g
  matched within half the readability: 0.0005 g, so 3.1574 … 3.1583 match
  mg per click: 0.25 mL × 1.00 g/mL = 0.25 g a click × 50 mg/g = 12.5 mg
  Lipoderm (q.s.): 60.000 − 3.158 = 56.842 g
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.calc import InputError, evaluate, parse_formula
from compounder.calc.batch_document import plan_with_documents
from compounder.calc.blind_check import compare, missing, named_figures, wanted_figures
from compounder.calc.prescription import parse_order
from tests.conftest import TODAY

FORMULA = {
    "batch": "60 g", "base": "Lipoderm", "density": "1.00 g/mL",
    "actives": [{"ingredient": "lidocaine", "strength": "50 mg/g", "potency": "95.0 %"}],
}
ORDER = {
    "container": "Topi-CLICK 35 mL",
    "prescription": {
        "patient": "Jane Q. Doe", "date_of_birth": "1948-03-02", "rx_number": "RX-1", "prescriber": "Dr. A. Smith",
        "directions": "Apply 4 clicks twice a day", "quantity": "30 g", "refills": 1,
    },
}


@pytest.fixture
def plan(catalog):
    return plan_with_documents(evaluate(parse_formula(FORMULA), catalog, TODAY), parse_order(ORDER), catalog, TODAY, None)


def test_every_active_asks_its_grams_and_the_figures_the_label_states(plan):
    wanted = wanted_figures(plan)
    assert [(w.position, w.kind, w.shown) for w in wanted] == [(1, "grams", "3.158 g"), (1, "mg/g", "50 mg/g"), (1, "mg/click", "12.5 mg/click")]
    assert wanted[0].within == Decimal("0.0005")  # half the 0.001 g readability
    assert wanted[2].within == Decimal("0.05")  # half a unit of 12.5's third significant figure
    # "all": the base too (q.s. 56.842 g)
    assert [(w.position, w.kind, w.shown) for w in wanted_figures(plan, "all")][-1] == (2, "grams", "56.842 g")


def test_a_label_in_percent_on_a_jar_asks_the_grams_only(catalog):
    formula = {**FORMULA, "actives": [{"ingredient": "lidocaine", "strength": "5 %", "potency": "95.0 %"}]}
    order = {"prescription": {**ORDER["prescription"], "directions": "Apply twice a day"}}
    plan = plan_with_documents(evaluate(parse_formula(formula), catalog, TODAY), parse_order(order), catalog, TODAY, None)
    assert [(w.kind, w.shown) for w in wanted_figures(plan)] == [("grams", "3.158 g")]  # 5 % = 50 mg/g: the same 3.158 g


@pytest.mark.parametrize(("typed", "matches"), [
    ("3.158 g", True),  # the plan's own rounding
    ("3.1579 g", True),  # more digits than the balance reads: 0.0000053 g from 3.1578947
    ("3157.9 mg", True),  # the same in mg: units are converted, not read as grams
    ("3.1574 g", True),  # 3.1578947 − 3.1574 = 0.00049 ≤ 0.0005
    ("3.1573 g", False),  # 0.00059 > 0.0005
    ("3.16 g", False),  # rounded to 0.01 g: 0.0021 off
    ("3.000 g", False),  # the potency forgotten
    ("6.316 g", False),  # double strength
])
def test_grams_match_within_the_balances_rounding(plan, typed, matches):
    (grams, *_rest) = wanted_figures(plan)
    check = compare([grams], {(1, "grams"): typed})
    assert check.matches is matches
    assert check.compared[0].text.endswith("matches" if matches else "DIFFERS")
    if typed == "3157.9 mg":
        assert check.compared[0].text == "line 1 (lidocaine): grams to weigh: you 3157.9 mg = 3.1579 g, the plan 3.158 g — matches"


@pytest.mark.parametrize(("typed", "matches"), [
    ("12.5 mg/click", True), ("12.54 mg/click", True), ("12.56 mg/click", False), ("25 mg/click", False),
    ("50 mg/mL", True),  # 50 mg/mL × 0.25 mL = 12.5 mg a click
])
def test_mg_per_click_matches_to_the_third_significant_figure(plan, typed, matches):
    per_click = wanted_figures(plan)[2]
    assert compare([per_click], {(1, "mg/click"): typed}).matches is matches


def test_a_figure_of_the_wrong_kind_or_missing_is_named(plan):
    wanted = wanted_figures(plan)
    assert [w.label for w in missing(wanted, {(1, "grams"): "3.158 g"})] == ["line 1 (lidocaine): mg per gram", "line 1 (lidocaine): mg per click"]
    with pytest.raises(InputError, match="give line 1 \\(lidocaine\\): mg per gram"):
        compare(wanted, {(1, "grams"): "3.158 g", (1, "mg/click"): "12.5 mg/click"})
    with pytest.raises(InputError, match="is not grams to weigh"):
        compare(wanted[:1], {(1, "grams"): "50 mg/g"})


def test_figures_named_on_the_command_line(plan):
    wanted = wanted_figures(plan)
    given = named_figures(wanted, ["lidocaine=3.158 g", "1=50 mg/g", "LIDOCAINE = 12.5 mg/click"])
    assert given == {(1, "grams"): "3.158 g", (1, "mg/g"): "50 mg/g", (1, "mg/click"): "12.5 mg/click"}
    assert compare(wanted, given).matches
    for bad, said in [("lidocaine", "NAME=FIGURE"), ("baclofen=1 g", "no line 'baclofen'"), ("lidocaine=1 mL", "is a volume"),
                      ("Lipoderm=56.842 g", "no line 'Lipoderm'")]:
        with pytest.raises(InputError, match=said):
            named_figures(wanted, [bad])
    with pytest.raises(InputError, match="given twice"):
        named_figures(wanted, ["1=3.158 g", "lidocaine=3.158 g"])


def test_what_is_stored_of_a_mismatch(plan):
    check = compare(wanted_figures(plan)[:1], {(1, "grams"): "3.16 g"})
    assert check.as_data() == [{"line": 1, "name": "lidocaine", "figure": "grams", "entered": "3.16", "typed": "3.16 g",
                                "planned": "3.157894737", "shown": "3.158 g", "matches": False}]
    assert check.compared[0].wanted.trail == ("60.000 g × 50 mg/g = 3.000 g lidocaine", "÷ 95 % potency = 3.158 g")
