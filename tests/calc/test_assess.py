"""``assess``: every unusable field named, with the words parse_formula and compute use."""

from __future__ import annotations

import pytest

from compounder.calc import FieldPath, InputError, assess, daily_doses, parse_formula, role_of, split_field
from tests.calc.formulas import active, formula
from tests.conftest import TODAY


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("batch", FieldPath(None, None, "batch")),
        ("directions.amount", FieldPath(None, None, "directions.amount")),
        ("actives[1].strength", FieldPath("actives", 1, "strength")),
        ("excipients[12].stock", FieldPath("excipients", 12, "stock")),
        ("actives[0]", FieldPath("actives", 0, None)),
    ],
)
def test_split_field(path, expected):
    assert split_field(path) == expected


def test_a_usable_formula_is_evaluated(catalog):
    result = assess(formula(active("ketoprofen", "10 %")), catalog, TODAY)
    assert result.errors == ()
    # 120 g × 10 % = 12 g ketoprofen
    assert result.plan.lines[0].grams.to("g").magnitude == pytest.approx(12.0)


def test_every_bad_field_is_named_not_only_the_first(catalog):
    data = formula(
        active("lidocaine", "abc"),
        active("ketoprofen", "-3 %", potency="120 %"),
        active("unobtainium", "2 %"),
        batch="abc",
        excess="5 kg",
        directions={"amount": "1 g", "times_per_day": "x"},
    )
    errors = {e.field: e.message for e in assess(data, catalog, TODAY).errors}
    assert set(errors) == {
        "batch",
        "excess",
        "directions.times_per_day",
        "actives[0].strength",
        "actives[1].strength",
        "actives[1].potency",
        "actives[2].ingredient",
    }
    # the same words as the command line gives for the same field
    with pytest.raises(InputError) as first:
        parse_formula(formula(active("lidocaine", "abc")))
    assert errors["actives[0].strength"] == first.value.message
    assert "'abc' is not a number with a unit" in errors["batch"]
    assert "must be more than zero" in errors["actives[1].strength"]
    assert 'no ingredient named "unobtainium"' in errors["actives[2].ingredient"]


def test_arithmetic_errors_are_found_per_line_with_their_own_index(catalog):
    data = formula(active("lidocaine", "5 %"), active("ketoprofen", "5 mL"), active("baclofen", "2 mg/mL"))
    errors = {e.field: e.message for e in assess(data, catalog, TODAY).errors}
    assert set(errors) == {"actives[1].strength", "actives[2].strength"}
    assert "powder with no density" in errors["actives[1].strength"]
    assert "density is unknown" in errors["actives[2].strength"]


def test_missing_keys_and_unknown_base(catalog):
    data = {"base": "Nivea", "actives": [{"strength": "5 %"}, {"ingredient": "lidocaine"}]}
    errors = {e.field for e in assess(data, catalog, TODAY).errors}
    assert errors == {"batch", "base", "actives[0].ingredient", "actives[1].strength"}


def test_role_of(catalog):
    assert role_of("ethoxydiglycol", catalog) == "excipient"
    assert role_of("Transcutol", catalog) == "excipient"
    assert role_of("lidocaine HCl", catalog) == "active"
    assert role_of("no such thing", catalog) == "active"


def test_daily_doses_against_the_labeled_maximum(catalog):
    data = formula(
        active("lidocaine", "5 %"),
        active("diclofenac", "3 %"),
        active("baclofen", "2 %"),
        directions={"amount": "2 g", "times_per_day": 4},
    )
    plan = assess(data, catalog, TODAY).plan
    doses = {d.written_as: d for d in daily_doses(plan, catalog)}
    # lidocaine: 2 g × 4 = 8 g a day × 50 mg/g = 400 mg; maximum 850 mg lidocaine (the lower end of the
    # 5 % ointment label's 850-1000 mg) → 400 / 850 = 47.06 %
    assert doses["lidocaine"].per_day.to("mg").magnitude == pytest.approx(400)
    assert doses["lidocaine"].fraction_of_maximum == pytest.approx(400 / 850)
    # diclofenac acid 8 g × 30 mg/g = 240 mg; as the sodium salt 240 × 318.13/296.15 = 257.81 mg of 320 mg
    assert doses["diclofenac"].compared.to("mg").magnitude == pytest.approx(240 * 318.13 / 296.15, rel=1e-6)
    assert not doses["diclofenac"].above_maximum
    # baclofen: no daily maximum on file, said in words
    assert doses["baclofen"].maximum is None and "no labeled daily maximum" in doses["baclofen"].note


def test_daily_doses_above_the_maximum(catalog):
    data = formula(active("ibuprofen", "10 %"), directions={"amount": "2 g", "times_per_day": 3})
    (dose,) = daily_doses(assess(data, catalog, TODAY).plan, catalog)
    # 2 g × 3 = 6 g × 100 mg/g = 600 mg of 500 mg
    assert dose.fraction_of_maximum == pytest.approx(1.2)
    assert dose.above_maximum
