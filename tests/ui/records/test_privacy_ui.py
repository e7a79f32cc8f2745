"""Issue 24, privacy in the window: "With nobody signed in, history and recall show patients'
names and dates of birth." Now nobody signed in (or an administrator, by the default rule) sees
no patient name, date of birth or Rx number in the history, the recall list or its CSV, or a
patient profile; the buttons that would show or print them wait. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from compounder.ui.common.records_context import RecordsContext
from compounder.ui.records.history_dialog import HistoryDialog
from compounder.ui.records.patient_profile_dialog import PatientProfileDialog
from compounder.ui.records.recall_dialog import RecallDialog
from tests.records.conftest import backend, engine, pharmacy, sessions  # noqa: F401 - the records' fixtures, both databases
from tests.records.helpers import PASSWORD, new_batch, weigh_all


@pytest.fixture
def shop(sessions, clock, pharmacy):  # noqa: F811
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx="RX-2024"))
    return RecordsContext(sessions, clock), pharmacy, record


def _history(qtbot, context):
    dialog = HistoryDialog(context, make_batch=lambda: QDialog(), print_document=lambda kind, number: "printed", edit_profile=lambda patient_id: QDialog())
    qtbot.add_widget(dialog)
    return dialog


def test_history_with_nobody_signed_in_shows_no_patient(qtbot, shop):
    context, _pharmacy, record = shop
    dialog = _history(qtbot, context)
    dialog.formula.setText("diclofenac")
    dialog.search()
    assert dialog.model.rowCount() == 1
    row = dialog.model.row(0)
    assert row[0] == record.batch_number and row[3:6] == ("(hidden)", "", "(hidden)")
    assert not any("Jane" in cell or "1948" in cell or "RX-2024" in cell for cell in row)
    assert dialog.privacy_note.text() == "Patients' names, dates of birth and Rx numbers are hidden: nobody is signed in (Records ▸ Sign in…)."
    dialog.select(record.batch_number)
    buttons = (dialog.reopen_button, dialog.refill_button, dialog.reprint_worksheet_button, dialog.reprint_label_button, dialog.profile_button)
    assert not any(button.isEnabled() for button in buttons)
    dialog.reprint("label")  # even called directly: nothing printed
    assert dialog.message.text() == ""

    dialog.patient.setText("jane")  # a search by patient would say whether Jane is on file
    dialog.search()
    assert dialog.model.rowCount() == 0
    assert dialog.message.text() == "sign in as a user who sees patients' details to search by patient or Rx number"

    context.sign_in("tess", PASSWORD)  # the rows are read again for her: the names come back
    assert dialog.model.row(0)[3:6] == ("Jane Q. Doe", "1948-03-02", "RX-2024") and not dialog.privacy_note.isVisible()
    dialog.select(record.batch_number)
    assert all(button.isEnabled() for button in buttons)


def test_an_administrator_sees_no_patient_by_default(qtbot, shop):
    context, _pharmacy, _record = shop
    context.sign_in("admin", PASSWORD)
    dialog = _history(qtbot, context)
    dialog.formula.setText("diclofenac")
    dialog.search()
    assert dialog.model.row(0)[3:6] == ("(hidden)", "", "(hidden)")
    assert "admin is an administrator, and the pharmacy shows them to technicians and pharmacists" in dialog.privacy_note.text()


def test_recall_and_its_csv_with_nobody_signed_in_hold_no_patient(qtbot, shop, tmp_path):
    context, _pharmacy, record = shop
    target = tmp_path / "recall.csv"
    dialog = RecallDialog(context, ask_path=lambda _parent, _suggested: target)
    qtbot.add_widget(dialog)
    dialog.lot_number.setText("L000A")
    dialog.find()
    # Patient, born, address, phone and Rx (RECALL_HEADERS) hidden.
    assert dialog.model.row(0)[0] == record.batch_number and dialog.model.row(0)[3:8] == ("(hidden)", "", "(hidden)", "(hidden)", "(hidden)")
    assert dialog.summary.text().endswith(": 1 batch.")  # no count of patients either
    dialog.export()
    text = target.read_text(encoding="utf-8")
    assert "Jane" not in text and "1948" not in text and "RX-2024" not in text
    row = next(csv.DictReader(io.StringIO(text)))
    assert (row["batch number"], row["patient"], row["date of birth"], row["Rx number"]) == (record.batch_number, "(hidden)", "", "(hidden)")

    context.sign_in("paula", PASSWORD)  # read again for the pharmacist
    row = dialog.model.row(0)
    assert (row[3], row[4], row[7]) == ("Jane Q. Doe", "1948-03-02", "RX-2024") and dialog.summary.text().endswith("1 batch, 1 patient.")


def test_a_patient_profile_with_nobody_signed_in_shows_nothing(qtbot, shop, catalog):
    context, shop_pharmacy, _record = shop
    dialog = PatientProfileDialog(context, catalog, shop_pharmacy.patient.id)
    qtbot.add_widget(dialog)
    assert dialog.windowTitle() == "Patient profile — (hidden)"
    assert dialog.born.text() == "" and not dialog.born.isEnabled()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    context.sign_in("tess", PASSWORD)
    shown = PatientProfileDialog(context, catalog, shop_pharmacy.patient.id)
    qtbot.add_widget(shown)
    assert shown.windowTitle() == "Patient profile — Jane Q. Doe" and shown.born.text() == "1948-03-02"


def test_a_stored_batch_does_not_open_for_nobody(qtbot, shop, catalog):
    """The batch dialog's "Open" shows a stored batch with its patient: not with nobody signed in."""
    from compounder.records.library import FormulaLibrary
    from compounder.settings import settings_from_data
    from compounder.ui.records.batch_dialog import BatchDialog
    from tests.ui.conftest import SETTINGS

    context, _pharmacy, record = shop
    dialog = BatchDialog(context, FormulaLibrary(context.sessions, context.clock), catalog, pharmacy=lambda: settings_from_data(SETTINGS))
    qtbot.add_widget(dialog)
    dialog.open_batch(record.batch_number)
    assert "Jane" not in dialog.heading.text() and "RX-2024" not in dialog.heading.text()
    assert dialog.message.text() == (
        "Patients' names, dates of birth and Rx numbers are hidden: nobody is signed in (Records ▸ Sign in…). "
        f"Sign in as a user who sees them to open batch {record.batch_number}."
    )
    context.sign_in("tess", PASSWORD)
    dialog.open_batch(record.batch_number)
    assert f"<b>Batch {record.batch_number}</b>" in dialog.heading.text() and "for Jane Q. Doe, Rx RX-2024" in dialog.heading.text()
