"""The patient label: every statement, the fitting of text to the stock, determinism.

Doses per click are worked out here: a Topi-CLICK click is 0.25 mL; at 1.0 g/mL that is 0.25 g of
cream, so 3 % diclofenac sodium is 0.25 g × 3 % = 7.5 mg a click.
"""

from __future__ import annotations

import pytest

from compounder.calc import InputError
from compounder.calc.label_stock import INCH, LABEL_STOCKS
from compounder.calc.labeling import label_strength
from compounder.documents.common import UnprintableText
from compounder.documents.label import LabelOverflow, LabelRenderer
from tests.documents.helpers import (
    assert_matches_reference,
    evaluated,
    five_active_formula,
    issue_formula,
    label_of,
    page_sizes,
    pharmacy,
    text_origins,
)
from tests.pdf_text import pages_text

STOCK_4X2 = LABEL_STOCKS["thermal-4x2"]
STOCK_3X2 = LABEL_STOCKS["thermal-3x2"]
SHEET = LABEL_STOCKS["avery-5163"]


@pytest.fixture(scope="module")
def issue_label(catalog) -> bytes:
    return LabelRenderer(label_of(catalog, issue_formula()), pharmacy(), STOCK_4X2).render()


def test_every_statement_on_the_label(issue_label):
    text = pages_text(issue_label)[0]
    click_g = 0.25 * 1.0  # 0.25 mL a click × 1.0 g/mL
    for expected in (
        "Jane Doe", "RX-104233", "Filled 2026-11-23",
        # the salt is named where the strength is the salt's; lidocaine's strength is the base's
        "Diclofenac sodium 3 %, cyclobenzaprine hydrochloride 2 %, lidocaine 5 % cream",
        "Compounded preparation",
        "Apply 1 g (4 clicks) to the lower back three times daily",
        f"1 click (0.25 mL) contains diclofenac sodium {click_g * 0.03 * 1000:g} mg, "
        f"cyclobenzaprine hydrochloride {click_g * 0.02 * 1000:g} mg, lidocaine {click_g * 0.05 * 1000:g} mg",
        "Qty 120 g", "Refills 2", "Dr. A. Smith", "Lot 261123-001",
        "Use by 2026-12-06", "Store in a refrigerator, 2–8 °C",
        "Main Street Compounding Pharmacy", "12 Main Street, Springfield, IL 62701", "(217) 555-0142",
        "For external use only.", "Keep out of reach of children.",
        "Do not apply heat or cover the treated area with a tight or occlusive dressing.",
        "May cause drowsiness.", "Causes numbness.",
    ):
        assert expected in text, expected
    assert "7.5 mg" in text and "12.5 mg" in text


def test_ketoprofen_carries_the_sunlight_warning_from_the_database(catalog):
    data = issue_formula(actives=[{"ingredient": "ketoprofen", "strength": "10 %"}], excipients=[])
    content = label_of(catalog, data)
    texts = [w.text for w in content.warnings]
    assert texts[:2] == ["For external use only.", "Keep out of reach of children."]
    assert any("sunlight" in t for t in texts)
    assert all(w.source is not None for w in content.warnings)  # every warning is sourced
    assert len(texts) == len({t.casefold() for t in texts})  # each once
    pdf = LabelRenderer(content, pharmacy(), STOCK_3X2).render()
    assert "Protect treated skin from sunlight" in pages_text(pdf)[0]


def test_an_amount_in_the_batch_is_labelled_as_a_concentration(catalog):
    plan, _, _ = evaluated(catalog, issue_formula(actives=[{"ingredient": "menthol", "strength": "2.4 g"}], excipients=[]))
    assert label_strength(plan.lines[0]) == "2 %"  # 2.4 g in 120 g


def test_every_piece_of_text_starts_inside_the_label(catalog, issue_label):
    assert page_sizes(issue_label) == [(288, 144)]
    margin = STOCK_4X2.margin
    for text, x, y in text_origins(issue_label):
        assert margin - 0.01 <= x <= 288 - margin and margin - 0.01 <= y <= 144 - margin, (text, x, y)


def test_sheet_of_labels_prints_at_the_chosen_position(catalog):
    pdf = LabelRenderer(label_of(catalog, issue_formula()), pharmacy(), SHEET, position=4).render()
    assert page_sizes(pdf) == [(612, 792)]
    # position 4 = second row, right column: x from 0.15625 + 4.1875 in, y from 11 − 0.5 − 2 × 2 in up 2 in
    left = (0.15625 + 4.1875) * INCH
    bottom = (11 - 0.5 - 2 * 2) * INCH
    origins = text_origins(pdf)
    assert origins
    for text, x, y in origins:
        assert left <= x <= left + 4 * INCH and bottom <= y <= bottom + 2 * INCH, (text, x, y)
    with pytest.raises(ValueError):
        LabelRenderer(label_of(catalog, issue_formula()), pharmacy(), SHEET, position=11)


def test_five_actives_on_the_smallest_stock_overflow_before_printing(catalog):
    content = label_of(catalog, five_active_formula())
    renderer = LabelRenderer(content, pharmacy(), STOCK_3X2)
    with pytest.raises(LabelOverflow) as overflow:
        renderer.render()
    assert "3 × 2 in thermal label" in overflow.value.message and "6 pt" in overflow.value.message
    # it was tried at every size down to the minimum readable one
    assert renderer.layout(renderer.min_size) is None


def test_text_shrinks_before_it_overflows(catalog):
    content = label_of(catalog, issue_formula(actives=[{"ingredient": "ketoprofen", "strength": "10 %"}], excipients=[]))
    roomy = LabelRenderer(content, pharmacy(), STOCK_4X2)
    roomy.render()
    small = LabelRenderer(content, pharmacy(), STOCK_3X2)
    small.render()
    assert small.min_size <= small.size_used < roomy.size_used <= roomy.max_size


def test_a_barcode_too_wide_for_the_stock_is_refused(catalog):
    data = issue_formula()
    data["prescription"]["rx_number"] = "RX-" + "A1B2C3D4E5" * 3
    with pytest.raises(LabelOverflow) as overflow:
        LabelRenderer(label_of(catalog, data), pharmacy(), STOCK_3X2).render()
    assert "barcode" in overflow.value.message


def test_click_dispenser_needs_the_density(catalog):
    data = issue_formula()
    del data["density"]  # Lipoderm has no density on file
    with pytest.raises(InputError) as error:
        label_of(catalog, data)
    assert error.value.field == "density"


def test_no_dose_per_click_without_a_click_dispenser(catalog):
    content = label_of(catalog, issue_formula(container="60 g ointment jar"))
    assert content.per_click is None


def test_dispensing_more_than_the_batch_is_refused(catalog):
    data = issue_formula()
    data["prescription"]["quantity"] = "150 g"
    with pytest.raises(InputError) as error:
        label_of(catalog, data)
    assert error.value.field == "prescription.quantity"


def test_unprintable_directions_are_refused(catalog):
    data = issue_formula()
    data["prescription"]["directions"] = "Apply 1 g to 腰 three times daily"
    with pytest.raises(UnprintableText):
        LabelRenderer(label_of(catalog, data), pharmacy(), STOCK_4X2)


def test_same_inputs_same_bytes_and_the_committed_reference(catalog, issue_label):
    assert LabelRenderer(label_of(catalog, issue_formula()), pharmacy(), STOCK_4X2).render() == issue_label
    assert_matches_reference(issue_label, "label-thermal-4x2.pdf")
    keto = issue_formula(actives=[{"ingredient": "ketoprofen", "strength": "10 %"}], excipients=[])
    assert_matches_reference(LabelRenderer(label_of(catalog, keto), pharmacy(), STOCK_3X2).render(), "label-thermal-3x2.pdf")
    assert_matches_reference(LabelRenderer(label_of(catalog, issue_formula()), pharmacy(), SHEET, 1).render(), "label-avery-5163.pdf")
