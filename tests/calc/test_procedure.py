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
