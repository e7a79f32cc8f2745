"""Issue 26, every field fits or is refused: what the fuzzed worksheets showed (text over text and
off the page, boxes for characters the font lacks), each as a test."""

from __future__ import annotations

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from compounder.documents.common import FONT, UnprintableText, barcode
from compounder.documents.worksheet import worksheet_renderer
from tests.documents.helpers import issue_formula, pharmacy, record_of, text_origins

LETTER_WIDTH, MARGIN = 612.0, 36.0


def worksheet(catalog, data):
    return worksheet_renderer("letter")(record_of(catalog, data), pharmacy()).render()


@pytest.mark.parametrize("field", ["manufacturer", "lot"])
def test_a_character_the_font_cannot_draw_is_refused_naming_the_field(catalog, field):
    data = issue_formula()
    data["actives"][0] = {**data["actives"][0], field: "浙江医药"}  # DejaVu Sans has no CJK: it would print as boxes
    with pytest.raises(UnprintableText) as refused:
        worksheet(catalog, data)
    assert refused.value.field == field


def test_a_formula_version_the_font_cannot_draw_is_refused(catalog):
    with pytest.raises(UnprintableText) as refused:
        worksheet(catalog, issue_formula(formula_version="浙江医药 v3"))
    assert refused.value.field == "formula_version"


def test_a_long_quality_control_check_stays_in_its_cell(catalog):
    check = ("Viscosity within the range of the master formula's record, measured at 25 °C with spindle 4 at 20 rpm "
             "after 60 s, and recorded with the viscometer's ID and date of calibration")[:163]
    assert len(check) == 163
    pdf = worksheet(catalog, issue_formula(checks=[check]))
    for page in range(len(__import__("pypdf").PdfReader(__import__("io").BytesIO(pdf)).pages)):
        found = text_origins(pdf, page)
        spec = [y for text, _x, y in found if "viscometer" in text or "spindle" in text]
        below = [y for text, _x, y in found if text.startswith("Patient not screened")]
        if spec and below:
            # the next section starts below the check's last line (y grows upwards): nothing printed over it
            assert min(spec) > max(below) + 8
            return
    raise AssertionError("the check and the next section were not found on one page")


def test_the_continuation_header_stays_left_of_the_barcode_and_on_the_page(catalog):
    data = issue_formula()
    data["prescription"] = {**data["prescription"], "patient": "Maximilian Alexander Featherstonehaugh-Wolfeschlegelsteinhausen Junior"[:70],
                            "rx_number": "RX-" + "1234567890" * 3 + "12345"}  # 70 and 38 characters
    assert len(data["prescription"]["patient"]) == 70 and len(data["prescription"]["rx_number"]) == 38
    pdf = worksheet(catalog, data)
    symbol = barcode("261123-001", bar_width=0.8, bar_height=20)
    barcode_left = LETTER_WIDTH - MARGIN - symbol.width
    [header] = [(text, x) for text, x, _y in text_origins(pdf, 1) if text.startswith("Batch 261123-001 ") and "Patient" in text]
    text, x = header
    assert x + stringWidth(text.strip(), FONT, 8.5) <= barcode_left - 6, text
