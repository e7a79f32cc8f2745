"""The smaller points of issue #23: a body weight in pounds in a formula file, the strength error
offers no density, methyl salicylate's density, tetracaine's range."""

from __future__ import annotations

import pytest

from compounder.calc import InputError, evaluate, parse_formula
from compounder.calc.patient import parse_patient
from tests.calc.formulas import active, formula
from tests.conftest import TODAY


def test_a_weight_in_pounds_is_accepted_in_a_formula_file(catalog):
    # 154 lb × 0.45359237 kg/lb = 69.853 kg (the international pound, exact); refused before
    patient = parse_patient({"weight": "154 lb"}, catalog)
    assert patient.weight.m_as("kg") == pytest.approx(154 * 0.45359237, rel=1e-12)
    assert parse_patient({"weight": "70 kg"}, catalog).weight.m_as("kg") == pytest.approx(70)


def test_a_weight_in_pounds_outside_a_body_weight_is_refused(catalog):
    with pytest.raises(InputError) as caught:
        parse_patient({"weight": "1000 lb"}, catalog)  # 453.6 kg > 400 kg
    assert caught.value.field == "patient.weight" and "lb" in caught.value.message


def test_the_strength_error_offers_no_density():
    with pytest.raises(InputError) as caught:
        parse_formula(formula(active("lidocaine", "five")))
    assert caught.value.field == "actives[0].strength"
    assert "density" not in caught.value.message and "20 mg/mL" in caught.value.message
    with pytest.raises(InputError) as caught:
        parse_formula(formula(active("lidocaine", "5 %"), density="heavy"))
    assert "a density such as 1.02 g/mL" in caught.value.message


def test_methyl_salicylate_has_a_sourced_density(catalog):
    # USP specific gravity 1.176–1.185 × 0.99705 g/mL = 1.1725–1.1815 g/mL, rounded outward
    density = catalog.form("methyl salicylate", "t").density
    assert density.low.m_as("g/mL") == pytest.approx(1.172) and density.high.m_as("g/mL") == pytest.approx(1.182)
    assert "Methyl Salicylate" in density.source.title


def test_tetracaine_has_the_otc_monograph_range_and_the_7_percent_product(catalog):
    tetracaine = catalog.substance("tetracaine")
    assert (tetracaine.typical_strength.low.m_as("percent"), tetracaine.typical_strength.high.m_as("percent")) == (1, 2)
    assert tetracaine.highest_published.value.m_as("percent") == 7
    # 3 % is above the OTC 1–2 %: a warning, not "no range on file"
    codes = {f.code for f in evaluate(parse_formula(formula(active("tetracaine", "3 %"))), catalog, TODAY).findings}
    assert "STRENGTH_OUTSIDE_TYPICAL_RANGE" in codes and "STRENGTH_RANGE_UNKNOWN" not in codes
