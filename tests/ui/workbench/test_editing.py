"""Undo and redo of every kind of edit, the keyboard's way through the table, find."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import add_ingredient, shown, type_into_cell, type_into_field


def press(window, key, modifiers=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(window, key, modifiers)


def test_undo_and_redo_cells_rows_and_header_fields(window):
    window.new_formula()
    row = add_ingredient(window, "ketoprofen", "10 %")
    type_into_cell(window, row, "strength", "5 %")
    type_into_field(window.batch_amount_edit, "60")
    # 60 g × 5 % = 3 g
    assert shown(window, row, "grams") == "3.000"
    assert window.isWindowModified()

    window.document.undo_stack.undo()  # batch back to 120 g: 120 × 5 % = 6 g
    assert window.batch_amount_edit.text() == "120" and shown(window, row, "grams") == "6.000"
    window.undo_action.trigger()  # strength back to 10 %: 12 g
    assert shown(window, row, "strength") == "10 %" and shown(window, row, "grams") == "12.000"
    window.undo_action.trigger()  # strength typed into the new row
    window.undo_action.trigger()  # the row itself
    assert window.document.row_count() == 0
    assert not window.isWindowModified()

    for _ in range(4):
        window.redo_action.trigger()
    assert window.batch_amount_edit.text() == "60" and shown(window, row, "grams") == "3.000"


def test_standard_shortcuts_undo_and_redo(window):
    window.new_formula()
    row = add_ingredient(window, "baclofen", "2 %")
    type_into_cell(window, row, "strength", "4 %")
    window.table.setFocus()
    press(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert shown(window, row, "strength") == "2 %"
    press(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert shown(window, row, "strength") == "4 %"


def test_add_and_remove_rows_from_the_keyboard(window):
    window.new_formula()
    first = add_ingredient(window, "ibuprofen", "10 %")
    second = add_ingredient(window, "lidocaine", "5 %")
    window.table.setCurrentIndex(window.table_model.index(first, 0))
    window.remove_row_action.trigger()
    assert [window.document.cell(r, "ingredient") for r in range(window.document.row_count())] == ["lidocaine"]
    window.undo_action.trigger()
    assert [window.document.cell(r, "ingredient") for r in range(window.document.row_count())] == ["ibuprofen", "lidocaine"]
    assert shown(window, second, "grams") == "6.000"
    window.table.setCurrentIndex(window.table_model.index(second, 0))
    window.add_row_action.trigger()  # a blank row above lidocaine, editor open on its ingredient
    assert window.document.row_count() == 3 and window.document.cell(1, "ingredient") == ""
    assert shown(window, 2, "grams") == "6.000", "a blank row is not part of the formula"


def test_typing_starts_editing_and_tab_moves_on(window):
    window.new_formula()
    row = add_ingredient(window, "ketoprofen", "10 %")
    view = window.table
    view.setFocus()
    view.setCurrentIndex(window.table_model.index(row, 1))
    QTest.keyClicks(view, "8")  # typing on a cell opens its editor with what was typed
    QTest.qWait(0)
    editor = next(w for w in view.viewport().children() if w.isWidgetType() and w.isVisible())
    QTest.keyClicks(editor, " %")
    QTest.keyClick(editor, Qt.Key.Key_Tab)  # Tab commits and moves to the next cell
    QTest.qWait(0)
    assert window.document.cell(row, "strength") == "8 %"
    assert view.currentIndex().column() == 2


def test_find_selects_the_matching_row(window):
    window.new_formula()
    add_ingredient(window, "ketoprofen", "10 %")
    add_ingredient(window, "lidocaine", "5 %", lot="LX-7")
    window.find_action.trigger()
    QTest.keyClicks(window.find_edit, "lx-7")
    assert window.table.currentIndex().row() == 1
    window.find_edit.clear()
    QTest.keyClicks(window.find_edit, "zzz")
    assert "No ingredient row" in window.statusBar().currentMessage()


def test_calculation_trail_dialog(window, qtbot):
    window.new_formula()
    row = add_ingredient(window, "lidocaine", "5 %", stock="lidocaine hydrochloride monohydrate", potency="99.5 %")
    window.table.setCurrentIndex(window.table_model.index(row, 6))
    dialog = window.show_trail()
    qtbot.addWidget(dialog)
    steps = [dialog.steps.item(r, 0).text() for r in range(dialog.steps.rowCount())]
    assert steps[0] == "120.000 g × 5 % = 6.000 g lidocaine"
    assert "× 288.81/234.34" in steps[1] and "÷ 99.5 % potency = 7.432 g" in steps[2]
    dialog.close()
