"""Observation 12, every dialog: it opens with the keys in its first field (not on a button a
space would press, not on the field left last time), and Tab goes from field to field in the
order they are read — top to bottom, and left to right along a row."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from compounder.records.library import FormulaLibrary
from tests.records.helpers import PASSWORD

INPUTS = (QLineEdit, QComboBox, QAbstractSpinBox, QTextEdit, QPlainTextEdit, QCheckBox)


def _is_input(widget: QWidget, dialog: QDialog) -> bool:
    return (
        isinstance(widget, INPUTS) and not isinstance(widget.parentWidget(), (QComboBox, QAbstractSpinBox))
        and widget.isVisibleTo(dialog) and widget.isEnabled() and bool(widget.focusPolicy().value & 0x1)  # Qt.TabFocus
        and not (isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)) and widget.isReadOnly())
    )


def tab_chain(dialog: QDialog) -> list[QWidget]:
    """The dialog's inputs in the order Tab visits them, from its first widget."""
    found: list[QWidget] = []
    widget = dialog.nextInFocusChain()
    while widget is not dialog and len(found) < 500:
        if _is_input(widget, dialog) and widget not in found:
            found.append(widget)
        widget = widget.nextInFocusChain()
    return found


def reading_key(widget: QWidget, dialog: QDialog) -> tuple[int, int]:
    at = widget.mapTo(dialog, QPoint())
    return at.y(), at.x()


def read_before(a: QWidget, b: QWidget, dialog: QDialog) -> bool:
    """``a`` comes before ``b`` in reading order: above it, or on the same row and to its left."""
    (ay, ax), (by, bx) = reading_key(a, dialog), reading_key(b, dialog)
    same_row = abs(ay - by) < min(a.height(), b.height()) / 2
    return bx > ax if same_row else by > ay


def check_entry_order(qtbot, dialog: QDialog) -> None:
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    chain = tab_chain(dialog)
    assert chain, "no input in the dialog"
    first = min(chain, key=lambda w: reading_key(w, dialog))
    focus = QApplication.focusWidget()
    assert not isinstance(focus, QAbstractButton), f"{dialog.windowTitle()}: opens on the button {focus.text()!r}"
    owner = focus.parentWidget() if isinstance(focus.parentWidget(), (QComboBox, QAbstractSpinBox)) else focus
    assert owner is first, f"{dialog.windowTitle()}: opens on {owner.objectName() or owner}, not on its first field {first.objectName() or first}"
    start = chain.index(first)
    ordered = chain[start:] + chain[:start]
    out_of_order = [(a, b) for a, b in zip(ordered, ordered[1:], strict=False) if not read_before(a, b, dialog)]
    assert not out_of_order, f"{dialog.windowTitle()}: Tab goes " + "; ".join(
        f"{a.objectName() or type(a).__name__}{reading_key(a, dialog)} → {b.objectName() or type(b).__name__}{reading_key(b, dialog)}"
        for a, b in out_of_order
    )


# ------------------------------------------------------------------ the dialogs, as the window opens them


def _lots(records, catalog, qtbot):
    from compounder.ui.records.lots_dialog import LotsDialog

    context = records[0]
    context.sign_in("tess", PASSWORD)
    return LotsDialog(context)


def _sign_in(records, catalog, qtbot):
    from compounder.ui.records.sign_in_dialog import SignInDialog

    return SignInDialog(records[0])


def _history(records, catalog, qtbot):
    from compounder.ui.records.history_dialog import HistoryDialog

    return HistoryDialog(records[0])


def _recall(records, catalog, qtbot):
    from compounder.ui.records.recall_dialog import RecallDialog

    return RecallDialog(records[0])


def _users(records, catalog, qtbot):
    from compounder.ui.records.users_dialog import UsersDialog

    context = records[0]
    context.sign_in("admin", PASSWORD)
    return UsersDialog(context)


def _first_accounts(records, catalog, qtbot):
    from compounder.ui.records.first_accounts_dialog import FirstAccountsDialog

    return FirstAccountsDialog(records[0])


def _profile(records, catalog, qtbot):
    from compounder.ui.records.patient_profile_dialog import PatientProfileDialog

    context, _pharmacy, record = records
    with context.reading() as session:
        from compounder.records import batches

        patient_id = batches.batch_record(session, record.batch_number).patient.id
    context.sign_in("paula", PASSWORD)
    return PatientProfileDialog(context, catalog, patient_id)


def _batch(records, catalog, qtbot):
    from compounder.ui.records.batch_dialog import BatchDialog

    context = records[0]
    context.sign_in("tess", PASSWORD)
    return BatchDialog(context, FormulaLibrary(context.sessions, context.clock), catalog)


def _pharmacy(records, catalog, qtbot):
    from compounder.ui.records.pharmacy_dialog import PharmacySettingsDialog

    return PharmacySettingsDialog(None, Path("pharmacy.json"))  # only opened: nothing is saved


def _acknowledge(records, catalog, qtbot):
    from compounder.calc import Finding, Severity
    from compounder.ui.common.finding_decisions import findings_dialog

    context = records[0]
    findings = (
        Finding(Severity.ERROR, "NSAID_HYPERSENSITIVITY", "diclofenac sodium with patient allergy: NSAID or aspirin hypersensitivity", patient=True),
        Finding(Severity.WARNING, "MUSCLE_RELAXANT_OLDER_ADULT", "cyclobenzaprine hydrochloride for a patient aged 78"),
    )
    return findings_dialog(None, context, findings, "print")


def _hand_confirm(records, catalog, qtbot):
    from compounder.ui.common.signed_reason import BY_HAND, reason_dialog

    return reason_dialog(None, records[0], "Line 1 (diclofenac sodium)", BY_HAND, lambda signature: None)


def _library(records, catalog, qtbot):
    from compounder.ui.workbench.library_dialog import LibraryDialog

    context = records[0]
    return LibraryDialog(FormulaLibrary(context.sessions, context.clock).entries())


DIALOGS = {
    "acknowledge": _acknowledge, "hand confirmation": _hand_confirm, "formula library": _library,
    "ingredient lots": _lots, "sign in": _sign_in, "batch history": _history, "recall": _recall, "users": _users,
    "first accounts": _first_accounts, "patient profile": _profile, "make a batch": _batch, "pharmacy settings": _pharmacy,
}


@pytest.mark.parametrize("name", DIALOGS)
def test_a_records_dialog_opens_on_its_first_field_and_tabs_in_reading_order(name, qtbot, records, catalog):
    dialog = DIALOGS[name](records, catalog, qtbot)
    qtbot.add_widget(dialog)
    check_entry_order(qtbot, dialog)


def test_the_prescription_dialog_opens_on_its_first_field_and_tabs_in_reading_order(window, qtbot):
    dialog = window.edit_prescription()
    check_entry_order(qtbot, dialog)
    dialog.fields["container"].setFocus()
    dialog.close()
    check_entry_order(qtbot, window.edit_prescription())  # and again, reopened
