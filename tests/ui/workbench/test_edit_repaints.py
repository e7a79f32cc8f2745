"""An edit repaints and measures only what it changed (issue #16), and what is shown stays right.

The formula (``tests/ui/workbench/test_models.py``'s SEED): 120 g + 5 % excess = 126 g prepared, 1 g three
times a day; rows 0 ibuprofen 10 %, 1 lidocaine 5 % (as the HCl), 2 capsaicin 0.025 %,
3 ethoxydiglycol 5 %; then the new row (4), the base (5) and the total (6).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from compounder.ui.common import look
from compounder.ui.workbench.daily_dose_model import DailyDoseModel
from compounder.ui.workbench.findings_model import FindingsModel
from compounder.ui.workbench.ingredient_table_model import IngredientTableModel
from tests.ui.conftest import add_ingredient, type_into_cell
from tests.ui.workbench.test_models import _all_answers


def _recorder(model):
    changed: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(lambda first, last, _roles: changed.append((first.row(), first.column(), last.row(), last.column())))
    return changed


def test_a_strength_edit_signals_only_the_cells_it_changed(document):
    model = IngredientTableModel(document)
    changed = _recorder(model)
    document.set_cell(0, "strength", "8 %")
    # Row 0: strength 10 % → 8 %, grams 126 × 10 % = 12.600 → 126 × 8 % = 10.080, mg/g 100.00 → 80.00,
    # mg/day 1 g × 3 × 100 mg/g = 300.0 → 240.0; mg/click stays "–" (no density), the name and its
    # icon stay (8 % is inside ibuprofen's 5–10 %). The base (row 5) takes up the 2.520 g; the total
    # (126 g) does not move, and rows 1–3 show the same numbers.
    assert changed == [(0, 1, 0, 9), (5, 6, 5, 6)]
    assert model.index(0, 6).data() == "10.080" and model.index(0, 9).data() == "240.0"


def test_the_daily_panel_signals_only_the_cells_it_changed(document):
    model = DailyDoseModel(document)
    changed = _recorder(model)
    document.set_cell(0, "strength", "8 %")
    # ibuprofen's row: 300.0 → 240.0 mg a day, and of its labeled 500 mg: 60 % → 48 %; the
    # maximum's text and the other rows do not change.
    assert changed == [(0, 1, 0, 1), (0, 3, 0, 3)]
    assert (model.index(0, 1).data(), model.index(0, 3).data()) == ("240.0", "48 %")


def test_cells_kept_from_one_edit_to_the_next_are_the_cells_worked_out_anew(document):
    model = IngredientTableModel(document)
    edits = [
        lambda: document.set_cell(0, "strength", "8 %"),
        lambda: document.set_header("batch", "60 g"),  # every row's grams move
        lambda: document.insert_row(1, {"ingredient": "baclofen", "strength": "2 %"}),
        lambda: document.set_cell(2, "lot", "L2"),
        lambda: document.set_cell(2, "stock", ""),  # the stock form falls back to the written form
        lambda: document.set_cell(0, "strength", "abc"),  # an input error: no numbers anywhere
        lambda: document.remove_row(1),
        lambda: document.set_cell(0, "strength", "10 %"),
        document.undo_stack.undo,
        document.undo_stack.undo,
    ]
    for edit in edits:
        edit()
        assert _all_answers(model, slow=False) == _all_answers(model, slow=True)


def test_the_findings_panel_shows_a_finding_without_its_citation_which_its_tooltip_gives(document, catalog):
    model = FindingsModel(document)
    document.set_cell(0, "strength", "12 %")  # ibuprofen's typical range is 5–10 %
    row = next(r for r in range(model.rowCount()) if model.notice(r).code == "STRENGTH_OUTSIDE_TYPICAL_RANGE" and model.notice(r).target == 0)
    source = catalog.substance("ibuprofen").typical_strength.source.cite()
    assert model.notice(row).message.endswith(f" ({source})")  # the worksheet prints it whole
    assert model.index(row, 1).data() == "ibuprofen 12 % is above the typical range 5 %–10 %"
    tip = model.index(row, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == f"STRENGTH_OUTSIDE_TYPICAL_RANGE: ibuprofen 12 % is above the typical range 5 %–10 %\nSource: {source}"


def _rows_fit(view) -> bool:
    return all(view.rowHeight(r) == view.sizeHintForRow(r) for r in range(view.model().rowCount()))


def test_findings_rows_stay_as_tall_as_their_text(window, qtbot):
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.new_formula()
    add_ingredient(window, "lidocaine", "1 %")  # below its 2–5 %: a warning with a long source
    add_ingredient(window, "baclofen", "1 %")
    add_ingredient(window, "camphor", "1 %")
    view = window.findings_view
    assert view.model().rowCount() >= 3 and _rows_fit(view)
    type_into_cell(window, 0, "strength", "1.5 %")  # a message changes its words
    assert _rows_fit(view)
    tall = [view.rowHeight(r) for r in range(view.model().rowCount())]
    window.bottom_splitter.setSizes([250, 1150])  # a narrower panel wraps the messages on more lines
    qtbot.waitUntil(lambda: view.rowHeight(0) != tall[0] or any(view.rowHeight(r) > h for r, h in enumerate(tall)))
    # the taller rows may bring the scroll bar, which narrows the rows once more: measured again
    qtbot.waitUntil(lambda: _rows_fit(view))


@pytest.mark.parametrize("strength", ["5 %", "50 %"])
def test_the_daily_panels_numbers_fit_their_columns(window, qtbot, strength):
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.new_formula()
    add_ingredient(window, "ibuprofen", strength)
    window.amount_edit.setText("30 g")  # 30 g × 3 × 50 % = 45,000 mg a day, 9000 % of the 500 mg maximum
    window.amount_edit.editingFinished.emit()
    window.times_edit.setText("3")
    window.times_edit.editingFinished.emit()
    view, metrics = window.daily_view, QFontMetrics(look.number_font())
    model = view.model()
    assert model.rowCount() == 1
    for column in (1, 3):
        text = model.index(0, column).data()
        assert metrics.horizontalAdvance(text) < view.columnWidth(column), (column, text)


def test_findings_that_come_and_go_are_inserted_and_removed_not_reset(document):
    model = FindingsModel(document)
    events: list[tuple] = []
    model.modelReset.connect(lambda: events.append(("reset",)))
    model.rowsInserted.connect(lambda _parent, first, last: events.append(("inserted", first, last)))
    model.rowsRemoved.connect(lambda _parent, first, last: events.append(("removed", first, last)))
    before = [model.notice(r) for r in range(model.rowCount())]
    document.set_cell(0, "strength", "12 %")  # above ibuprofen's 5–10 %: one warning more
    assert [e[0] for e in events] == ["inserted"]
    assert [model.notice(r) for r in range(model.rowCount())] == list(document.evaluation.notices)
    assert len(document.evaluation.notices) == len(before) + 1
    events.clear()
    document.set_cell(0, "strength", "10 %")  # back inside: that warning goes
    assert [e[0] for e in events] == ["removed"]
    assert [model.notice(r) for r in range(model.rowCount())] == before


def test_the_selected_finding_stays_selected_when_another_comes(window, qtbot):
    window.new_formula()
    add_ingredient(window, "lidocaine", "1 %")
    add_ingredient(window, "camphor", "1 %")
    view, model = window.findings_view, window.findings_model
    camphor = next(r for r in range(model.rowCount()) if model.notice(r).target == 1)
    view.selectRow(camphor)
    chosen = model.notice(camphor)
    window.document.insert_row(2, {"ingredient": "menthol", "strength": "1 %"})  # below its 1.25–16 %: a new warning
    assert any(model.notice(r).target == 2 for r in range(model.rowCount()))
    selected = view.selectionModel().selectedRows()
    assert len(selected) == 1 and model.notice(selected[0].row()) == chosen
