"""The document keys of the formula file: read, checked, and required per document."""

from __future__ import annotations

import datetime as dt

import pytest

from compounder.calc import InputError, parse_formula
from compounder.calc.prescription import check_dates, missing_for, parse_order, require
from tests.documents.helpers import issue_formula


def test_issue_example_reads():
    order = parse_order(issue_formula())
    rx = order.prescription
    assert order.batch_number == "261123-001"
    assert (rx.patient, rx.rx_number, rx.prescriber, rx.refills) == ("Jane Doe", "RX-104233", "Dr. A. Smith", 2)
    assert rx.date_of_birth == dt.date(1948, 3, 2)
    assert str(rx.quantity) == "120.0 gram"
    assert order.container.is_click_dispenser and order.container.click_volume.to("mL").magnitude == 0.25
    assert missing_for(order, "label") == [] and missing_for(order, "worksheet") == []


def test_parse_formula_accepts_the_document_keys_and_still_refuses_others():
    parse_formula(issue_formula())
    with pytest.raises(InputError) as error:
        parse_formula(issue_formula(batch_nuber="x"))
    assert error.value.field == "batch_nuber" and "batch_number" in error.value.message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"batch_number": "26 11 23"}, "batch_number"),
        ({"batch_number": "ÄÖ-1"}, "batch_number"),
        ({"prescription": {"patient": "J", "rx": "1"}}, "prescription.rx"),
        ({"prescription": {"refills": True}}, "prescription.refills"),
        ({"prescription": {"refills": -1}}, "prescription.refills"),
        ({"prescription": {"quantity": "120"}}, "prescription.quantity"),
        ({"prescription": {"quantity": "5 %"}}, "prescription.quantity"),
        ({"prescription": {"date_of_birth": "02/03/1948"}}, "prescription.date_of_birth"),
        ({"prescription": {"patient": "  "}}, "prescription.patient"),
        ({"prescription": "Jane Doe"}, "prescription"),
        ({"container": "Acme click pen"}, "container"),
        ({"acknowledged": [{"code": "DUPLICATE_NSAID", "by": "J. Kim"}]}, "acknowledged[0].reason"),
        ({"steps": ["mix", ""]}, "steps[1]"),
    ],
)
def test_unusable_values_name_the_field(change, field):
    with pytest.raises(InputError) as error:
        parse_order(issue_formula(**change))
    assert error.value.field == field


def test_a_document_names_every_missing_field_at_once():
    order = parse_order({"prescription": {"patient": "Jane Doe"}})
    with pytest.raises(InputError) as error:
        require(order, "label")
    assert error.value.field == (
        "batch_number, prescription.rx_number, prescription.prescriber, prescription.directions, "
        "prescription.quantity, prescription.refills"
    )
    assert missing_for(order, "worksheet") == ["batch_number", "prescription.rx_number", "prescription.prescriber"]


def test_refills_zero_is_given_not_missing():
    data = issue_formula()
    data["prescription"]["refills"] = 0
    assert missing_for(parse_order(data), "label") == []


def test_dates_after_compounding_are_refused():
    data = issue_formula()
    data["prescription"]["date_of_birth"] = "2027-01-01"
    with pytest.raises(InputError) as error:
        check_dates(parse_order(data), dt.date(2026, 11, 23))
    assert error.value.field == "prescription.date_of_birth"
