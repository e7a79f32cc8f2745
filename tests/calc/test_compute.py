"""Grams to weigh, checked against arithmetic worked out by hand in each test.

Molecular weights are written out from their published sources, not read from the catalog:
diclofenac 296.15, diclofenac sodium 318.13 (USP); cyclobenzaprine 275.39, cyclobenzaprine HCl
311.85 (USP 35); lidocaine 234.34, lidocaine HCl 270.80, lidocaine HCl monohydrate 288.81
(USP 35); ketoprofen 254.28; baclofen 213.66; camphor 152.23; ibuprofen 206.28.
"""

from __future__ import annotations

import pytest

from compounder.calc import InputError, evaluate, parse_formula
from tests.calc.formulas import active, formula
from tests.conftest import TODAY


def plan_of(catalog, data):
    return evaluate(parse_formula(data), catalog, TODAY)


def grams(plan, name):
    return next(line.grams.to("g").magnitude for line in plan.lines if line.name == name)


def test_plain_strength_and_base_to_weight(catalog):
    plan = plan_of(catalog, formula(active("ketoprofen", "10 %")))
    # 120 g × 10 % = 12 g ketoprofen; base 120 − 12 = 108 g
    assert grams(plan, "ketoprofen") == pytest.approx(12.0)
    assert grams(plan, "Lipoderm") == pytest.approx(108.0)
    assert plan.total.to("g").magnitude == pytest.approx(120.0)


def test_salt_written_as_base_weighed_as_salt(catalog):
    plan = plan_of(catalog, formula(active("lidocaine", "5 %", stock="lidocaine hydrochloride, anhydrous")))
    # 120 × 5 % = 6 g lidocaine; × 270.80/234.34 = 6.933515 g lidocaine HCl
    assert grams(plan, "lidocaine hydrochloride, anhydrous") == pytest.approx(6 * 270.80 / 234.34, rel=1e-9)
    assert grams(plan, "lidocaine hydrochloride, anhydrous") == pytest.approx(6.933515, abs=1e-6)


def test_salt_written_as_salt_weighed_as_free_acid(catalog):
    plan = plan_of(catalog, formula(active("diclofenac sodium", "3 %", stock="diclofenac")))
    # 120 × 3 % = 3.6 g diclofenac sodium; × 296.15/318.13 = 3.351271 g diclofenac acid
    assert grams(plan, "diclofenac") == pytest.approx(3.6 * 296.15 / 318.13, rel=1e-9)
    assert grams(plan, "diclofenac") == pytest.approx(3.351271, abs=1e-6)


def test_issue_example_trail_monohydrate_and_potency(catalog):
    plan = plan_of(
        catalog,
        formula(active("lidocaine", "5 %", stock="lidocaine hydrochloride monohydrate", potency="99.5 %")),
    )
    # 120 × 5 % = 6.000 g; × 288.81/234.34 = 7.39455 g; ÷ 0.995 = 7.43171 g
    assert grams(plan, "lidocaine hydrochloride (monohydrate, USP)") == pytest.approx(6 * 288.81 / 234.34 / 0.995, rel=1e-9)
    trail = "; ".join(step.text for step in plan.lines[0].trail)
    assert "120.000 g × 5 % = 6.000 g lidocaine" in trail
    assert "× 288.81/234.34" in trail and "= 7.395 g" in trail
    assert "÷ 99.5 % potency = 7.432 g" in trail


def test_excess_scales_every_line_and_the_total(catalog):
    plan = plan_of(catalog, formula(active("ibuprofen", "10 %"), excess="5 %"))
    # prepared 120 × 1.05 = 126 g; ibuprofen 126 × 10 % = 12.6 g; base 126 − 12.6 = 113.4 g
    assert plan.prepared.to("g").magnitude == pytest.approx(126.0)
    assert grams(plan, "ibuprofen") == pytest.approx(12.6)
    assert grams(plan, "Lipoderm") == pytest.approx(113.4)


def test_mg_per_g_equals_percent(catalog):
    by_percent = plan_of(catalog, formula(active("baclofen", "2 %")))
    by_ratio = plan_of(catalog, formula(active("baclofen", "20 mg/g")))
    # 20 mg/g = 2 %: 120 × 0.02 = 2.4 g either way
    assert grams(by_ratio, "baclofen") == pytest.approx(2.4)
    assert grams(by_percent, "baclofen") == pytest.approx(grams(by_ratio, "baclofen"))


def test_mg_per_ml_uses_the_product_density(catalog):
    plan = plan_of(catalog, formula(active("ketoprofen", "100 mg/mL"), density="1.05 g/mL"))
    # 120 g ÷ 1.05 g/mL = 114.2857 mL; × 100 mg/mL = 11.42857 g
    assert grams(plan, "ketoprofen") == pytest.approx(120 / 1.05 * 0.100, rel=1e-9)


def test_mg_per_ml_without_density_is_refused(catalog):
    with pytest.raises(InputError) as error:
        plan_of(catalog, formula(active("ketoprofen", "100 mg/mL")))
    assert error.value.field == "actives[0].strength"
    assert "density" in error.value.message


def test_volume_batch_uses_the_given_density(catalog):
    plan = plan_of(catalog, formula(active("lidocaine", "5 %"), batch="100 mL", density="1.02 g/mL"))
    # 100 mL × 1.02 g/mL = 102 g; lidocaine 102 × 5 % = 5.1 g; base 96.9 g
    assert plan.labelled.to("g").magnitude == pytest.approx(102.0)
    assert grams(plan, "lidocaine") == pytest.approx(5.1)
    assert grams(plan, "Lipoderm") == pytest.approx(96.9)


def test_volume_batch_without_density_is_refused(catalog):
    with pytest.raises(InputError) as error:
        plan_of(catalog, formula(active("lidocaine", "5 %"), batch="100 mL"))
    assert error.value.field == "batch"


def test_liquid_by_volume_uses_a_narrow_density_range_midpoint(catalog):
    data = formula(active("lidocaine", "5 %"), excipients=[{"ingredient": "propylene glycol", "strength": "5 mL"}])
    plan = plan_of(catalog, data)
    # propylene glycol 1.032–1.034 g/mL (USP SG 1.035–1.037 at 25 °C): midpoint 1.033; 5 mL × 1.033 = 5.165 g
    assert grams(plan, "propylene glycol") == pytest.approx(5 * 1.033, rel=1e-9)


def test_liquid_with_a_wide_density_range_is_refused_by_volume(catalog):
    data = formula(active("lidocaine", "5 %"), excipients=[{"ingredient": "mineral oil", "strength": "5 mL"}])
    with pytest.raises(InputError) as error:
        plan_of(catalog, data)
    assert error.value.field == "excipients[0].strength"
    assert "range" in error.value.message


def test_powder_by_volume_is_refused(catalog):
    with pytest.raises(InputError) as error:
        plan_of(catalog, formula(active("ketoprofen", "5 mL")))
    assert error.value.field == "actives[0].strength"
    assert "powder" in error.value.message


def test_absolute_mass_is_scaled_by_the_excess(catalog):
    plan = plan_of(catalog, formula(active("menthol", "2.4 g"), excess="10 %"))
    # 2.4 g in the 120 g batch; × 1.1 for the excess = 2.64 g; it is 2 % of the product
    assert grams(plan, "menthol") == pytest.approx(2.64)
    assert plan.lines[0].strength_fraction.to("percent").magnitude == pytest.approx(2.0)


def test_stock_of_another_moiety_is_refused(catalog):
    with pytest.raises(InputError) as error:
        plan_of(catalog, formula(active("lidocaine", "5 %", stock="prilocaine hydrochloride")))
    assert error.value.field == "actives[0].stock"
    assert "lidocaine hydrochloride" in error.value.message  # the forms on file are offered


def test_unknown_ingredient_suggests_the_nearest(catalog):
    with pytest.raises(InputError) as error:
        plan_of(catalog, formula(active("lidocane", "5 %")))
    assert error.value.field == "actives[0].ingredient"
    assert 'did you mean "lidocaine"' in error.value.message


def test_names_match_case_insensitively_and_by_alias(catalog):
    plan = plan_of(catalog, formula(active("Lidocaine HCl Anhydrous", "5 %"), base="pcca lipoderm"))
    assert plan.lines[0].name == "lidocaine hydrochloride, anhydrous"
    assert plan.base_line.name == "Lipoderm"


@pytest.mark.parametrize("name", ["lidocaine hydrochloride", "Lidocaine HCl", "bupivacaine hydrochloride", "bupivacaine HCl"])
def test_a_name_that_covers_two_forms_asks_which_is_on_the_jar(catalog, name):
    # USP Lidocaine Hydrochloride is the monohydrate (288.81); taken as the anhydrous salt (270.80)
    # it delivered 270.80 / 288.81 = 0.9376, 6.2 % too little lidocaine. USP Bupivacaine
    # Hydrochloride is the monohydrate (342.90); labels state the anhydrous salt (324.89).
    with pytest.raises(InputError) as error:
        plan_of(catalog, formula(active("lidocaine", "5 %", stock=name)))
    assert error.value.field == "actives[0].stock"
    assert "(monohydrate, USP)" in error.value.message and ", anhydrous" in error.value.message


def test_one_percent_bupivacaine_hcl_from_the_monohydrate_jar(catalog):
    # 120 g × 1 % = 1.2 g bupivacaine HCl (anhydrous, as labels state it) × 342.90 / 324.89 = 1.266509 g
    # of the USP monohydrate; before, the anhydrous salt was not on file and 1 % came out 5.3 % low
    # (324.89 / 342.90 = 0.9475).
    plan = plan_of(catalog, formula(active("bupivacaine hydrochloride, anhydrous", "1 %", stock="bupivacaine hydrochloride (monohydrate, USP)")))
    assert grams(plan, "bupivacaine hydrochloride (monohydrate, USP)") == pytest.approx(1.2 * 342.90 / 324.89, rel=1e-9)
    assert grams(plan, "bupivacaine hydrochloride (monohydrate, USP)") == pytest.approx(1.266521, abs=1e-6)


# ------------------------------------------------------------------ the three seed formulas


def test_seed_diclofenac_cyclobenzaprine_lidocaine(catalog):
    plan = plan_of(
        catalog,
        formula(
            active("diclofenac sodium", "3 %"),
            active("cyclobenzaprine hydrochloride", "2 %"),
            active("lidocaine", "5 %", stock="lidocaine hydrochloride, anhydrous"),
        ),
    )
    # diclofenac sodium 120 × 3 % = 3.600 g
    # cyclobenzaprine HCl 120 × 2 % = 2.400 g
    # lidocaine 120 × 5 % = 6 g base × 270.80/234.34 = 6.933515 g HCl
    # base 120 − 3.6 − 2.4 − 6.933515 = 107.066485 g
    assert grams(plan, "diclofenac sodium") == pytest.approx(3.6)
    assert grams(plan, "cyclobenzaprine hydrochloride") == pytest.approx(2.4)
    assert grams(plan, "lidocaine hydrochloride, anhydrous") == pytest.approx(6.933515, abs=1e-6)
    assert grams(plan, "Lipoderm") == pytest.approx(107.066485, abs=1e-6)


def test_seed_ketoprofen_baclofen_camphor(catalog):
    plan = plan_of(
        catalog,
        formula(active("ketoprofen", "10 %"), active("baclofen", "2 %"), active("camphor", "3 %"), excess="5 %"),
    )
    # prepared 120 × 1.05 = 126 g: ketoprofen 12.6 g, baclofen 2.52 g, camphor 3.78 g; base 126 − 18.9 = 107.1 g
    assert grams(plan, "ketoprofen") == pytest.approx(12.6)
    assert grams(plan, "baclofen") == pytest.approx(2.52)
    assert grams(plan, "camphor") == pytest.approx(3.78)
    assert grams(plan, "Lipoderm") == pytest.approx(107.1)


def test_seed_ibuprofen_lidocaine(catalog):
    plan = plan_of(
        catalog,
        formula(active("ibuprofen", "10 %", potency="98.5 %"), active("lidocaine", "5 %"), batch="60 g"),
    )
    # ibuprofen 60 × 10 % = 6 g ÷ 0.985 = 6.091371 g; lidocaine 60 × 5 % = 3 g; base 60 − 9.091371 = 50.908629 g
    assert grams(plan, "ibuprofen") == pytest.approx(6 / 0.985, rel=1e-9)
    assert grams(plan, "ibuprofen") == pytest.approx(6.091371, abs=1e-6)
    assert grams(plan, "lidocaine") == pytest.approx(3.0)
    assert grams(plan, "Lipoderm") == pytest.approx(50.908629, abs=1e-6)


# ------------------------------------------------------------------ doses


def test_doses_per_gram_click_and_day(catalog):
    plan = plan_of(
        catalog,
        formula(active("lidocaine", "5 %"), density="1.1 g/mL", directions={"amount": "4 click", "times_per_day": 3}),
    )
    doses = plan.lines[0].doses
    # 5 % = 50 mg/g; × 1.1 g/mL = 55 mg/mL; a click is 0.25 mL → 13.75 mg/click
    # 4 clicks = 1 mL = 1.1 g of cream; × 50 mg/g × 3 a day = 165 mg/day
    assert doses.per_gram.to("mg/g").magnitude == pytest.approx(50.0)
    assert doses.per_click.to("mg").magnitude == pytest.approx(13.75)
    assert doses.per_day.to("mg/day").magnitude == pytest.approx(165.0)


def test_doses_are_of_the_written_moiety_not_the_salt_weighed(catalog):
    plan = plan_of(
        catalog,
        formula(active("lidocaine", "5 %", stock="lidocaine hydrochloride, anhydrous"), directions={"amount": "2 g", "times_per_day": 2}),
    )
    # 2 g × 2 a day × 50 mg/g lidocaine = 200 mg lidocaine a day (the salt's extra weight is not dose)
    assert plan.lines[0].doses.per_day.to("mg/day").magnitude == pytest.approx(200.0)
    assert plan.lines[0].doses.per_click is None  # no density known for Lipoderm or the formula
