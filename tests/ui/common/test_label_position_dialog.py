"""Issue 26: Avery 5163 position 3 landed in row 2, left column, without the dialog saying how the
positions are numbered. The dialog draws the sheet with each label numbered as the sheet's template
numbers it (across each row from the top left), and the label prints where its button is."""

from __future__ import annotations

from compounder.calc.label_stock import INCH, LABEL_STOCKS
from compounder.documents.batch import label_pdf
from compounder.ui.common.label_position_dialog import LabelPositionDialog
from tests.documents.helpers import evaluated, issue_formula, pharmacy, text_origins

AVERY = LABEL_STOCKS["avery-5163"]


def test_the_sheet_is_drawn_numbered_across_each_row(qtbot):
    dialog = LabelPositionDialog(AVERY)
    qtbot.add_widget(dialog)
    dialog.show()
    assert "numbered as on the sheet's template: across each row from the top left" in dialog.intro.text()
    # 2 columns × 5 rows: 1 2 / 3 4 / 5 6 / 7 8 / 9 10, each button where its label lies on the sheet
    positions = {number: (button.x(), button.y()) for number, button in dialog.buttons.items()}
    assert positions[1][1] == positions[2][1] < positions[3][1] == positions[4][1] < positions[9][1]
    assert positions[1][0] == positions[3][0] == positions[9][0] < positions[2][0] == positions[10][0]
    dialog.buttons[3].click()
    assert dialog.position == 3
    assert dialog.chosen.text() == "Label 3: row 2, left."


def test_label_3_prints_in_row_2_on_the_left_as_the_dialog_shows(catalog):
    plan, order, on = evaluated(catalog, issue_formula())
    pdf = label_pdf(plan, order, catalog, on, pharmacy(), AVERY, position=3)
    x, y = next((x, y) for text, x, y in text_origins(pdf) if "Main Street Compounding Pharmacy" in text)
    # row 2's label: its top is 0.5 in + 2 in below the sheet's top, 11 in − 2.5 in = 8.5 in = 612 pt from
    # the bottom, its bottom at 612 − 144 = 468 pt; the left column starts 0.15625 in = 11.25 pt from the left edge
    assert 11.25 <= x < 11.25 + 0.2 * INCH
    assert 468 < y < 612
