"""Controlled substances (issue #23): refills and fill dates by schedule (21 CFR 1306.12, 1306.22),
the federal transfer caution on the label (21 CFR 290.5), the schedule on the lot label."""

from __future__ import annotations

import datetime as dt

import pytest

from compounder.calc import Severity, assess
from compounder.calc.controlled import add_months, schedule_mark
from compounder.calc.labeling import label_content
from compounder.calc.prescription import parse_order
from tests.calc.formulas import active, formula
from tests.conftest import TODAY

TRANSFER = "Caution: Federal law prohibits the transfer of this drug to any person other than the patient for whom it was prescribed."


def with_rx(data, **rx):
    data = {**data, "batch_number": "261123-001", "directions": {"amount": "1 g", "times_per_day": 3}}
    data["prescription"] = {
        "patient": "Jane Doe", "rx_number": "RX-1", "prescriber": "Dr. A. Smith", "quantity": "60 g",
        "directions": "apply 1 g three times daily", "refills": 0, "written_on": "2026-11-20", **rx,
    }
    return data


def tramadol(**rx):
    return with_rx(formula(active("tramadol hydrochloride", "2 %"), batch="60 g"), **rx)


def codes(data, catalog):
    result = assess(data, catalog, TODAY)
    assert not result.errors, result.errors
    return {f.code: f for f in result.plan.findings}


def test_tramadol_with_11_refills_is_an_error(catalog):
    # tramadol is C-IV (21 CFR 1308.14); 21 CFR 1306.22(a): at most 5 refills. 11 > 5.
    found = codes(tramadol(refills=11), catalog)["CONTROLLED_REFILLS"]
    assert found.severity is Severity.ERROR and not found.patient  # law: corrected, never overridden
    assert "11" in found.message and "at most 5 refills" in found.message and "1306.22" in found.message


def test_five_refills_are_allowed(catalog):
    assert "CONTROLLED_REFILLS" not in codes(tramadol(refills=5), catalog)


def test_a_c_iii_prescription_is_not_filled_after_six_months(catalog):
    # written 2026-05-22: + 6 months = 2026-11-22, the day before this fill on 2026-11-23.
    found = codes(tramadol(written_on="2026-05-22"), catalog)["CONTROLLED_PRESCRIPTION_EXPIRED"]
    assert "2026-11-22" in found.message and found.severity is Severity.ERROR
    # written 2026-05-23: + 6 months = 2026-11-23, the fill day itself: allowed
    assert "CONTROLLED_PRESCRIPTION_EXPIRED" not in codes(tramadol(written_on="2026-05-23"), catalog)


def test_the_written_date_is_needed_for_a_controlled_prescription(catalog):
    data = tramadol()
    del data["prescription"]["written_on"]
    assert codes(data, catalog)["CONTROLLED_WRITTEN_ON_MISSING"].severity is Severity.ERROR


def test_a_preparation_without_a_controlled_active_has_no_such_finding(catalog):
    found = codes(with_rx(formula(active("ketoprofen", "10 %"), batch="60 g"), refills=11), catalog)
    assert not {"CONTROLLED_REFILLS", "CONTROLLED_WRITTEN_ON_MISSING"} & set(found)


def test_six_months_on_a_short_month():
    # 31 August + 6 months: 28 February (2027 is not a leap year)
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)


@pytest.mark.parametrize(("ingredient", "expected"), [("tramadol hydrochloride", True), ("ketamine hydrochloride", True), ("ketoprofen", False)])
def test_the_label_carries_the_federal_transfer_caution_for_c_ii_to_c_iv(catalog, ingredient, expected):
    data = with_rx(formula(active(ingredient, "2 %"), batch="60 g"))
    plan = assess(data, catalog, TODAY).plan
    content = label_content(plan, parse_order(data), catalog, TODAY)
    assert (TRANSFER in [w.text for w in content.warnings]) is expected


def test_a_controlled_stock_form_gets_its_schedule_on_the_lot_label(catalog):
    assert schedule_mark(catalog, "ketamine HCl") == "C-III"
    assert schedule_mark(catalog, "tramadol hydrochloride") == "C-IV"
    assert schedule_mark(catalog, "ketoprofen") is None


def test_the_lot_label_prints_the_schedule():
    from compounder.documents.lot_label import LotLabel, lot_label_pdf
    from tests.documents.helpers import pages_text

    pdf = lot_label_pdf(LotLabel(7, "ketamine hydrochloride", "K-1", "Medisca", dt.date(2028, 1, 31), "C-III"))
    assert "C-III ketamine hydrochloride" in pages_text(pdf)[0]
