"""Default compounding steps by base and actives, and the quality-control checks."""

from __future__ import annotations

from compounder.calc.procedure import checks, steps
from compounder.calc.units import Q_
from tests.documents.helpers import evaluated, issue_formula


def steps_of(catalog, data):
    plan, order, _ = evaluated(catalog, data)
    return " ".join(steps(plan, order, catalog))


def test_powders_are_levigated_with_the_formulas_levigating_agent(catalog):
    text = steps_of(catalog, issue_formula())
    assert "levigate with ethoxydiglycol" in text and "water-miscible" in text
    assert "geometric dilution" in text and "Pack 120 g into Topi-CLICK 120 mL" in text


def test_without_a_levigating_agent_a_little_base_is_used(catalog):
    text = steps_of(catalog, issue_formula(excipients=[]))
    assert "levigate with a small portion of the Lipoderm" in text


def test_an_oleaginous_ointment_takes_an_oil_miscible_agent(catalog):
    text = steps_of(catalog, issue_formula(base="White Petrolatum USP", excipients=[{"ingredient": "light mineral oil", "strength": "5 %"}]))
    assert "levigate with light mineral oil" in text and "oil-miscible" in text and "ointment" in text


def test_the_master_formulas_steps_replace_the_defaults(catalog):
    assert steps_of(catalog, issue_formula(steps=["Use the ointment mill twice."])) == "Use the ointment mill twice."


def test_final_weight_range_comes_from_the_pharmacy_setting(catalog):
    plan, order, _ = evaluated(catalog, issue_formula(excess="5 %", checks=["pH 5.5 to 6.5"]))
    found = {c.name: c.specification for c in checks(plan, order, catalog, Q_(2, "percent"))}
    # prepared 120 × 1.05 = 126.000 g; ± 2 % = 123.480 to 128.520 g
    assert found["Final weight"] == f"theoretical {126:.3f} g; accepted {126 * 0.98:.3f} to {126 * 1.02:.3f} g (± 2 %, pharmacy setting)"
    assert found["pH 5.5 to 6.5"] == "as the master formula specifies"
    unset = {c.name: c.specification for c in checks(plan, order, catalog, None)}
    assert "______" in unset["Final weight"] and "no tolerance set" in unset["Final weight"]


def test_camphor_and_menthol_are_triturated_together_to_a_liquid(catalog):
    data = issue_formula(actives=[
        {"ingredient": "camphor", "strength": "4 %"}, {"ingredient": "menthol", "strength": "10 %"},
        {"ingredient": "ketoprofen", "strength": "10 %"},
    ])
    text = steps_of(catalog, data)
    assert "Triturate camphor and menthol together in a mortar until they liquefy (a eutectic mixture)" in text
    assert "Reduce ketoprofen to a fine powder in a mortar, then wet with the liquefied camphor and menthol" in text
    assert "Reduce camphor" not in text and "Reduce menthol" not in text


def test_camphor_and_menthol_alone_are_liquefied_then_mixed_into_the_paste(catalog):
    text = steps_of(catalog, issue_formula(actives=[{"ingredient": "camphor", "strength": "4 %"}, {"ingredient": "menthol", "strength": "2 %"}]))
    assert "until they liquefy" in text and "fine powder" not in text
    assert "Mix the liquid with ethoxydiglycol to a smooth paste" in text


def test_menthol_alone_is_still_reduced_to_a_powder(catalog):
    text = steps_of(catalog, issue_formula(actives=[{"ingredient": "menthol", "strength": "2 %"}]))
    assert "liquefy" not in text and "Reduce menthol to a fine powder" in text
