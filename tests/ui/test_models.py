"""Every table model passes pytest-qt's model tester, and signals come in the documented order."""

from __future__ import annotations

import datetime as dt

import pytest

from compounder.records.library import LibraryEntry
from compounder.ui.daily_dose_model import DailyDoseModel
from compounder.ui.findings_model import FindingsModel
from compounder.ui.formula_document import FormulaDocument
from compounder.ui.ingredient_table_model import IngredientTableModel
from compounder.ui.library_dialog import LibraryModel
from tests.conftest import TODAY

SEED = {
    "batch": "120 g", "base": "Lipoderm", "excess": "5 %", "directions": {"amount": "1 g", "times_per_day": 3},
    "actives": [
        {"ingredient": "ibuprofen", "strength": "10 %"},
        {"ingredient": "lidocaine", "strength": "5 %", "stock": "lidocaine HCl anhydrous", "lot": "L1", "expires": "2020-01-01"},
        {"ingredient": "capsaicin", "strength": "0.025 %"},
    ],
    "excipients": [{"ingredient": "ethoxydiglycol", "strength": "5 %"}],
}


@pytest.fixture
def document(qapp, catalog):
    document = FormulaDocument(catalog, TODAY)
    document.load(SEED)
    return document


@pytest.mark.parametrize("model_class", [IngredientTableModel, FindingsModel, DailyDoseModel])
def test_document_models_pass_the_model_tester(qtmodeltester, document, model_class):
    model = model_class(document)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() > 0
    # and keep passing through edits, row changes, errors and a reset
    document.set_cell(0, "strength", "abc")
    document.insert_row(1, {"ingredient": "baclofen", "strength": "2 %"})
    document.remove_row(0)
    document.undo_stack.undo()
    document.load({"batch": "60 g", "base": "Lipoderm"})
    qtmodeltester.check(model, force_py=True)


def test_library_model_passes_the_model_tester(qtmodeltester):
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    entries = [
        LibraryEntry(1, "Ibuprofen 10 %", "reference", {}, now, now, None),
        LibraryEntry(2, "Mine", "pharmacy", {}, now, now, now),
    ]
    model = LibraryModel(entries)
    qtmodeltester.check(model, force_py=True)
    model.set_entries(entries[:1])
    qtmodeltester.check(model, force_py=True)


def test_an_edit_updates_the_table_in_order(qtbot, document):
    model = IngredientTableModel(document)
    with qtbot.wait_signals([model.dataChanged], order="strict", timeout=1000):
        document.set_cell(0, "strength", "8 %")
    assert model.index(0, 6).data() == "10.080"  # 126 g prepared × 8 %


def test_a_row_insert_is_announced_before_and_after(qtbot, document):
    model = IngredientTableModel(document)
    signals = [model.rowsAboutToBeInserted, model.rowsInserted, model.dataChanged]
    with qtbot.wait_signals(signals, order="strict", timeout=1000):
        document.insert_row(0, {"ingredient": "baclofen", "strength": "2 %"})
    assert model.index(0, 0).data() == "baclofen"


def test_a_row_removal_is_announced_before_and_after(qtbot, document):
    model = IngredientTableModel(document)
    signals = [model.rowsAboutToBeRemoved, model.rowsRemoved, model.dataChanged]
    with qtbot.wait_signals(signals, order="strict", timeout=1000):
        document.remove_row(0)


def test_opening_a_formula_resets_the_models(qtbot, document):
    table, findings = IngredientTableModel(document), FindingsModel(document)
    signals = [table.modelAboutToBeReset, table.modelReset, findings.modelAboutToBeReset, findings.modelReset]
    with qtbot.wait_signals(signals, order="none", timeout=1000):
        document.load({"batch": "60 g", "base": "Lipoderm", "actives": [{"ingredient": "ketoprofen", "strength": "10 %"}]})
    assert table.rowCount() == 1 + 3  # one ingredient, the new row, base, total


def _all_answers(model, slow: bool) -> list:
    from PySide6.QtGui import QIcon

    from compounder.ui.ingredient_table_model import _PAINT_ROLES

    answers = []
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            for role in sorted(_PAINT_ROLES):
                value = model._data(row, column, role) if slow else model.data(model.index(row, column), role)
                answers.append((row, column, role, value.cacheKey() if isinstance(value, QIcon) else value))
    return answers


@pytest.mark.parametrize("edit", [None, ("strength", "abc"), ("stock", ""), ("expires", "2030-01-01"), ("ingredient", "nonesuch")])
def test_the_cells_kept_for_painting_are_the_cells_worked_out_one_by_one(document, edit):
    model = IngredientTableModel(document)
    if edit is not None:
        document.set_cell(1, *edit)
    assert _all_answers(model, slow=False) == _all_answers(model, slow=True)


def test_an_edit_signals_only_the_rows_that_changed(qtbot, document):
    model = IngredientTableModel(document)
    changed = []
    model.dataChanged.connect(lambda first, last, roles: changed.append((first.row(), last.row())))
    document.set_cell(0, "lot", "L9")  # changes row 0 only: no number moves
    assert changed == [(0, 0)]
    changed.clear()
    document.set_cell(0, "lot", "L9")  # no change at all
    assert changed == []
