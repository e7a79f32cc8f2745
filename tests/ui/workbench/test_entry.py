"""Observation 12 and the workbench's dates: keys land in the field in front of the pharmacist —
the prescription dialog opens (and reopens) on its first field, Tab follows the reading order,
a compounding date typed is taken as typed or refused, never into the past, and the error banner
moves nothing under the pointer when it appears."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit

from tests.ui.conftest import column, shown, type_into_cell, type_into_field


def test_the_prescription_dialog_reopens_on_its_first_field(window, qtbot):
    dialog = window.edit_prescription()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.fields["prescription.patient"])
    dialog.fields["container"].setFocus()  # the last field had the keys when it was closed
    dialog.close()
    dialog = window.edit_prescription()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    assert QApplication.focusWidget() is dialog.fields["prescription.patient"]
    # typed as read: patient, Tab, date of birth, Tab, Rx number; a space is typed, not Close pressed
    for text in ("Ann Lee", "1950-01-02", "RX 77"):
        QTest.keyClicks(QApplication.focusWidget(), text)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert dialog.isVisible()
    assert [window.document.header(key) for key in ("prescription.patient", "prescription.date_of_birth", "prescription.rx_number")] == [
        "Ann Lee", "1950-01-02", "RX 77",
    ]
    assert window.document.header("batch_number") == "" and dialog.fields["container"].currentText() == ""


def test_a_compounding_date_is_taken_as_typed_and_never_into_the_past(window):
    field = window.date_edit
    assert field.text() == "2026-11-23"  # the window's today (tests.conftest.TODAY)
    field.setFocus()
    QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(field, "2026-12-20")
    QTest.keyClick(field, Qt.Key.Key_Tab)
    assert window.document.header("compounded_on") == "2026-12-20"
    type_into_field(field, "2026-11-01")
    assert window.document.header("compounded_on") == "2026-12-20"  # the past is refused; the formula keeps its date
    assert field.text() == "2026-11-01" and field.refusal == (
        "compounding date: 2026-11-01 is before today, 2026-11-23; it cannot be earlier than today"
    )
    assert window.banner.isVisible() and "2026-11-01 is before today" in window.banner_text.text()
    type_into_field(field, "2026-02-30")
    assert window.document.header("compounded_on") == "2026-12-20" and "February 2026 has 28 days" in window.banner_text.text()
    type_into_field(field, "2026-11-23")
    assert window.document.header("compounded_on") == "2026-11-23" and not field.refusal and not window.banner.isVisible()


def test_the_error_banner_moves_nothing_under_the_pointer(window, qtbot):
    assert not window.banner.isVisible()
    watched = (window.name_edit, window.table, window.findings_view, window.amount_edit)
    before = [widget.mapTo(window, QPoint()) for widget in watched]
    type_into_field(window.batch_amount_edit, "0")  # a batch of nothing: an error
    assert window.banner.isVisible()
    QApplication.processEvents()
    assert [widget.mapTo(window, QPoint()) for widget in watched] == before
    type_into_field(window.batch_amount_edit, "120")
    assert not window.banner.isVisible()
    QApplication.processEvents()
    assert [widget.mapTo(window, QPoint()) for widget in watched] == before


def test_after_an_ingredient_is_added_the_cursor_is_on_its_strength(window, qtbot):
    window.new_formula()
    rows = window.document.row_count()
    row = window.table_model.new_row
    type_into_cell(window, row, "ingredient", "lidocaine")
    strength = window.table_model.index(row, column("strength"))
    qtbot.waitUntil(lambda: window.table.currentIndex() == strength)
    window.activateWindow()  # the completion list that closed may have taken the activation with it
    QTest.keyClicks(window.table, "3")  # typed at the cell: its editor opens with the key
    (editor,) = [w for w in window.table.viewport().children() if isinstance(w, (QLineEdit, QComboBox)) and w.isVisible()]
    QTest.keyClicks(editor, " %")  # and the rest goes into the editor, where the keys now are
    QTest.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert window.document.row_count() == rows + 1  # no row of its own for "3 %"
    assert window.document.cell(row, "ingredient") == "lidocaine" and shown(window, row, "strength") == "3 %"
