"""The master formulation record's elements in the formula's data (issue 25)."""

from decimal import Decimal

import pytest

from compounder.calc import InputError, parse_formula
from compounder.calc.formula_diff import formula_diff
from compounder.calc.master_record import missing_elements, parse_master_record, qc_checks, record_of

FORMULA = {"name": "Lidocaine 5 % in Lipoderm", "batch": "30 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "5 %"}]}
RECORD = {
    "characteristics": {"lidocaine": "USP, fine white powder", "Lipoderm": "PCCA, lot-released"},
    "container_closure": "30 g amber PP jar, screw cap",
    "equipment": ["electronic balance", "ointment slab", "spatula"],
    "description": "smooth white cream",
    "bud_reference": "USP <795> Table 4, aqueous topical: 35 days, controlled room temperature",
    "labelling": "For external use only",
    "quality_control": {"appearance": "smooth white cream, no particles", "ph": "5.5 to 7.0"},
    "notes": "Keep the mortar dry.",
}


def test_every_element_is_read():
    record = parse_master_record(RECORD)
    assert record.characteristics["lidocaine"] == "USP, fine white powder"
    assert record.container_closure == "30 g amber PP jar, screw cap"
    assert record.equipment == ("electronic balance", "ointment slab", "spatula")
    assert record.quality_control is not None and record.quality_control.ph is not None
    assert (record.quality_control.ph.low, record.quality_control.ph.high) == (Decimal("5.5"), Decimal("7.0"))
    assert qc_checks(record) == ("final_weight", "appearance", "ph")


def test_a_formula_without_a_record_has_every_element_missing_and_asks_weight_and_appearance():
    assert missing_elements(FORMULA) == [
        "relevant characteristics of lidocaine", "relevant characteristics of Lipoderm", "container–closure system", "equipment",
        "compounding steps", "physical description of the preparation", "reference supporting the beyond-use date and storage",
        "labelling requirements", "quality-control procedures",
    ]
    assert qc_checks(record_of(FORMULA)) == ("final_weight", "appearance")


def test_a_complete_record_misses_nothing():
    assert missing_elements({**FORMULA, "steps": ["Weigh.", "Mix."], "master_record": RECORD}) == []


@pytest.mark.parametrize(("record", "field"), [
    ({"colour": "white"}, "master_record.colour"),
    ({"quality_control": {"ph": "8 to 5"}}, "master_record.quality_control.ph"),
    ({"quality_control": {"ph": "about six"}}, "master_record.quality_control.ph"),
    ({"quality_control": {"viscosity": "thick"}}, "master_record.quality_control.viscosity"),
    ({"equipment": "balance"}, "master_record.equipment"),
    ({"description": ""}, "master_record.description"),
    ({"notes": "x" * 2001}, "master_record.notes"),
])
def test_bad_elements_are_refused_naming_the_field(record, field):
    with pytest.raises(InputError) as raised:
        parse_formula({**FORMULA, "master_record": record})
    assert raised.value.field == field


def test_the_review_names_each_changed_element():
    before = {**FORMULA, "master_record": RECORD}
    after = {**FORMULA, "master_record": {**RECORD, "container_closure": "50 g tube"}}
    (change,) = formula_diff(before, after)
    assert change.text == "container–closure system 30 g amber PP jar, screw cap → 50 g tube"
