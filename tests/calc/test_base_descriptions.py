"""Bases the pharmacy can describe (issue #23): water content or activity, preservative and a
stability reference per base and per master formula; the BUD follows USP <795> 2023 and says what
it rests on."""

from __future__ import annotations

import datetime as dt

import pytest

from compounder.calc import InputError, evaluate, parse_formula
from compounder.calc.base_description import parse_base_descriptions, with_base_descriptions
from tests.calc.formulas import active, formula
from tests.conftest import TODAY

LIPODERM = {"Lipoderm": {"water_activity": 0.45, "reference": "PCCA Lipoderm product information sheet (lot certificate 2026)"}}


def bud(catalog, data):
    return evaluate(parse_formula(data), catalog, TODAY).bud


def test_an_undescribed_proprietary_base_gets_the_safe_14_days(catalog):
    # before and after: Lipoderm's water content is not on file: aqueous, not preserved, 14 days
    found = bud(catalog, formula(active("ketoprofen", "10 %")))
    assert found.days == 14 and "not on file" in found.reason


def test_a_base_the_pharmacy_describes_as_nonaqueous_gets_180_days_and_says_why(catalog):
    # water activity 0.45 < 0.60: nonaqueous by USP <795> 2023, Table 4: 180 days
    described = with_base_descriptions(catalog, parse_base_descriptions(LIPODERM))
    found = bud(described, formula(active("ketoprofen", "10 %")))
    assert found.days == 180 and found.date == TODAY + dt.timedelta(days=179)
    assert "nonaqueous" in found.reason and "PCCA Lipoderm product information sheet" in found.reason


def test_a_preserved_aqueous_base_gets_35_days(catalog):
    described = with_base_descriptions(catalog, parse_base_descriptions(
        {"VersaPro Cream Base": {"contains_water": True, "preserved": True, "reference": "Medisca data sheet"}}))
    assert bud(described, formula(active("ketoprofen", "10 %"), base="VersaPro Cream Base")).days == 35


def test_the_master_formula_describes_its_own_base(catalog):
    data = formula(active("ketoprofen", "10 %"), base_description={"water_activity": 0.5, "reference": "maker's data sheet"})
    found = bud(catalog, data)
    assert found.days == 180 and "this master formula's description of Lipoderm" in found.reason


def test_a_stability_study_extends_the_bud_up_to_the_usp_limit(catalog):
    # a study of the formula supporting 60 days, in an aqueous unpreserved base (Table 4: 14 days): 60 days
    study = {"days": 60, "reference": "stability-indicating HPLC study, report SR-2026-04"}
    found = bud(catalog, formula(active("ketoprofen", "10 %"), stability=study))
    assert found.days == 60 and "SR-2026-04" in found.reason
    # a study claiming 365 days: capped at USP <795>'s 180
    found = bud(catalog, formula(active("ketoprofen", "10 %"), stability={**study, "days": 365}))
    assert found.days == 180 and "capped" in found.reason


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"Lipoderm": {"water_activity": 0.45}}, "bases.Lipoderm.reference"),
        ({"Lipoderm": {"water_activity": 1.5, "reference": "x"}}, "bases.Lipoderm.water_activity"),
        ({"Lipoderm": {"contains_water": False, "water_activity": 0.8, "reference": "x"}}, "bases.Lipoderm.water_activity"),
    ],
)
def test_a_description_that_cannot_be_used_is_refused_naming_the_field(value, field):
    with pytest.raises(InputError) as caught:
        parse_base_descriptions(value)
    assert caught.value.field == field


def test_the_pharmacy_settings_hold_the_base_descriptions():
    from compounder.settings import settings_from_data, settings_to_data
    from tests.documents.helpers import PHARMACY

    settings = settings_from_data({**PHARMACY, "bases": LIPODERM})
    [described] = settings.bases
    assert described.base == "Lipoderm" and described.water_activity == 0.45
    assert settings_from_data(settings_to_data(settings)) == settings
