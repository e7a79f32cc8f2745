"""Issue 28, the keys road: composing a formula in the workbench, Enter does the next thing.

One Enter in the ingredient's open completion list takes the name (as typed, or the completion
the pharmacist highlighted) and commits the cell, the cursor on its strength; Enter on that
strength goes on to the empty "+" row's ingredient; Enter on the empty row goes to Base (no row
is made from nothing); Base → Batch → Density → Amount → Times a day by Enter, each committed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from compounder.ui.common.combo import line_edit_of
from tests.ui.conftest import column, shown


def _keys():
    return QApplication.activePopupWidget() or QApplication.focusWidget()


def _start(window, qtbot):
    window.new_formula()
    window.activateWindow()
    window.table.setFocus()
    window.table.setCurrentIndex(window.table_model.index(window.table_model.new_row, column("ingredient")))
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.table)


def _type_at_cell(window, qtbot, text: str) -> None:
    """Typed at the cell, as a pharmacist does: the first key opens its editor, the rest go into it."""
    QTest.keyClicks(window.table, text[0])
    qtbot.waitUntil(lambda: window.table.state() == window.table.State.EditingState)
    QTest.keyClicks(QApplication.focusWidget(), text[1:])


def _back(window, qtbot) -> None:
    """Offscreen, the completion list that closed can take the activation with it."""
    if QApplication.activePopupWidget() is None and QApplication.activeWindow() is not window:
        window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def test_one_enter_in_the_completion_list_commits_the_ingredient_as_typed_and_goes_to_its_strength(window, qtbot):
    _start(window, qtbot)
    row = window.table_model.new_row
    _type_at_cell(window, qtbot, "lidocaine")
    popup = QApplication.activePopupWidget()
    assert popup is not None and popup.isVisible()  # "lidocaine", "lidocaine HCl"…: the list is open
    QTest.keyClick(popup, Qt.Key.Key_Return)  # one Enter (it took two: the first only closed the list)
    strength = window.table_model.index(row, column("strength"))
    qtbot.waitUntil(lambda: window.table.currentIndex() == strength)
    assert window.document.row_count() == row + 1
    assert window.document.cell(row, "ingredient") == "lidocaine"  # as typed: never the list's first guess
    assert window.table.state() != window.table.State.EditingState


def test_one_enter_takes_the_completion_the_pharmacist_highlighted(window, qtbot):
    _start(window, qtbot)
    row = window.table_model.new_row
    _type_at_cell(window, qtbot, "cyclobenzap")
    popup = QApplication.activePopupWidget()
    assert popup is not None
    QTest.keyClick(popup, Qt.Key.Key_Down)  # the first name listed, highlighted
    highlighted = popup.currentIndex().data()
    assert highlighted and "cyclobenzaprine" in highlighted.lower()
    QTest.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.document.row_count() == row + 1)
    assert window.document.cell(row, "ingredient") == highlighted


def test_enter_on_a_strength_goes_to_the_next_ingredient_and_enter_on_the_empty_row_to_base(window, qtbot):
    _start(window, qtbot)
    row = window.table_model.new_row
    _type_at_cell(window, qtbot, "lidocaine")
    QTest.keyClick(_keys(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.table.currentIndex() == window.table_model.index(row, column("strength")))
    _back(window, qtbot)
    _type_at_cell(window, qtbot, "5 %")
    QTest.keyClick(_keys(), Qt.Key.Key_Return)
    plus = window.table_model.index(row + 1, column("ingredient"))
    qtbot.waitUntil(lambda: window.table.currentIndex() == plus and window.table.state() != window.table.State.EditingState)
    assert shown(window, row, "strength") == "5 %" and window.document.row_count() == row + 1  # no row of its own for "5 %"
    assert QApplication.focusWidget() is window.table
    QTest.keyClick(window.table, Qt.Key.Key_Return)  # the empty "+" row: the ingredients are done
    assert QApplication.focusWidget() is line_edit_of(window.base_combo) or QApplication.focusWidget() is window.base_combo
    assert window.document.row_count() == row + 1  # Enter on an empty row makes no row


def test_a_strength_refused_keeps_the_cursor_to_be_corrected(window, qtbot):
    _start(window, qtbot)
    row = window.table_model.new_row
    _type_at_cell(window, qtbot, "lidocaine")
    QTest.keyClick(_keys(), Qt.Key.Key_Return)
    strength = window.table_model.index(row, column("strength"))
    qtbot.waitUntil(lambda: window.table.currentIndex() == strength)
    _back(window, qtbot)
    _type_at_cell(window, qtbot, "five")
    QTest.keyClick(_keys(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.table.state() != window.table.State.EditingState)
    QApplication.processEvents()
    assert window.table.currentIndex() == strength


def test_enter_goes_base_batch_density_amount_times_a_day_each_committed(window, qtbot):
    window.new_formula()
    window.activateWindow()
    window.base_combo.setFocus()
    qtbot.waitUntil(lambda: window.base_combo.hasFocus())
    for text, following in (
        ("Lipoderm", window.batch_amount_edit), ("120", window.density_edit), ("1.02 g/mL", window.amount_edit),
        ("1 g", window.times_edit),
    ):
        line_edit_of(window.base_combo).selectAll() if following is window.batch_amount_edit else None
        QTest.keyClicks(_keys(), text)
        QTest.keyClick(_keys(), Qt.Key.Key_Return)
        _back(window, qtbot)
        qtbot.waitUntil(lambda following=following: QApplication.focusWidget() is following)
    QTest.keyClicks(_keys(), "2")
    QTest.keyClick(_keys(), Qt.Key.Key_Return)  # the last: committed, the keys stay
    assert QApplication.focusWidget() is window.times_edit
    assert (window.document.header("base"), window.document.header("batch"), window.document.header("density")) == ("Lipoderm", "120 g", "1.02 g/mL")
    assert (window.document.header("directions.amount"), window.document.header("directions.times_per_day")) == ("1 g", "2")
    # Tab keeps the reading order: from Density to Excess, not to Amount
    window.density_edit.setFocus()
    QTest.keyClick(window.density_edit, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.excess_edit


def test_the_prescription_dialog_closes_on_enter_in_the_container_every_field_kept(window, qtbot):
    """The fields in reading order, the optional "written on" after the container; Enter in the
    container closes the dialog (it took Enter, then Escape)."""
    dialog = window.edit_prescription()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.fields["prescription.patient"])
    typed = ("Jane Q. Doe", "1948-03-02", "RX-3003", "Dr. A. Smith", "Apply 1 g to the knee twice a day", "120 g", "0", "Topi-CLICK 120 mL")
    for text in typed[:-1]:
        QTest.keyClicks(QApplication.focusWidget(), text)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # no Tab for the optional date in the middle
    assert QApplication.focusWidget() in (dialog.fields["container"], line_edit_of(dialog.fields["container"]))
    QTest.keyClicks(QApplication.focusWidget(), typed[-1])
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    keys = ("prescription.patient", "prescription.date_of_birth", "prescription.rx_number", "prescription.prescriber",
            "prescription.directions", "prescription.quantity", "prescription.refills", "container")
    assert tuple(window.document.header(key) for key in keys) == typed
    assert window.document.header("prescription.written_on") == ""  # optional, never defaulted


def test_a_refused_written_on_date_keeps_the_prescription_dialog_open(window, qtbot):
    dialog = window.edit_prescription()
    qtbot.waitExposed(dialog)
    field = dialog.fields["prescription.written_on"]
    field.setFocus()
    QTest.keyClicks(field, "2026-13-40")
    QTest.keyClick(field, Qt.Key.Key_Return)
    QApplication.processEvents()
    QApplication.processEvents()
    assert dialog.isVisible() and field.refusal
