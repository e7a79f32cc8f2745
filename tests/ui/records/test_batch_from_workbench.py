"""Issue 28, observation 5 (and the one road of observation 2): "Make batch in records…" opens Make
a batch on the formula on screen with the prescription, the dose check and the lots already typed
in the workbench — nothing typed twice — and makes the batch, numbered by the records. A formula
with no approved version is saved as a draft version for a pharmacist to approve. On SQLite and
PostgreSQL (the records' ``sessions`` fixture), driving the real window and dialog."""

from __future__ import annotations

import copy

import pytest

from compounder.records import batches
from compounder.records.library import FormulaLibrary
from compounder.settings import settings_from_data
from compounder.ui.common.records_context import RecordsContext
from compounder.ui.records.batch_dialog import BatchDialog
from tests.records.conftest import backend, engine, pharmacy, sessions  # noqa: F401 - the records' fixtures, both databases
from tests.records.helpers import PASSWORD
from tests.records.signing_helpers import credentials_of
from tests.ui.conftest import SETTINGS, signed_by_paula

PRESCRIPTION = {
    "prescription.patient": "Jane Q. Doe", "prescription.date_of_birth": "1948-03-02", "prescription.rx_number": "RX-3003",
    "prescription.prescriber": "Dr. A. Smith", "prescription.directions": "Apply 1 g to the knee three times a day",
    "prescription.quantity": "120 g", "prescription.refills": "2", "container": "120 g ointment jar",
}


@pytest.fixture
def made(qtbot, window, sessions, clock, catalog, pharmacy):  # noqa: F811
    """The window showing the approved diclofenac cream (the library's first approved formula)
    with the prescription typed, and a records context signed in as the technician."""
    library = FormulaLibrary(sessions, clock)
    version = library.version(pharmacy.version_id)
    window.document.load(copy.deepcopy(version.data))
    window.document.set_cell(0, "lot", "L000A")  # the lot received for line 1 (tests/records/helpers.make_pharmacy)
    for key, text in PRESCRIPTION.items():
        window.document.set_header(key, text)
    context = RecordsContext(sessions, clock)
    context.sign_in("tess", PASSWORD)
    dialog = BatchDialog(context, library, catalog, pharmacy=lambda: settings_from_data(SETTINGS))
    qtbot.add_widget(dialog)
    dialog.decide = signed_by_paula(context, asked=[])
    window.batch_maker = dialog.prefill_from_workbench
    return window, dialog, library, context


def test_make_batch_opens_on_the_formula_on_screen_not_the_first_approved(made, pharmacy):  # noqa: F811
    """Observation 5: Make a batch opened on the first approved formula whatever was on screen."""
    window, dialog, library, _context = made
    ketoprofen = next(e for e in library.entries() if e.name.startswith("Ketoprofen 10 % / cyclobenzaprine"))
    library.approve(ketoprofen.id, credentials_of(pharmacy.pharmacist))
    approved = library.approved_version(ketoprofen.id)
    window.document.load(copy.deepcopy(approved.data))
    for key, text in PRESCRIPTION.items():
        window.document.set_header(key, text)
    assert dialog.formula.currentData() == pharmacy.version_id  # opened alone: the first approved formula
    window.make_batch_action.trigger()
    assert dialog.formula.currentData() == approved.id, dialog.message.text()


def test_make_batch_has_everything_typed_and_the_lot_then_reopens_the_draft(made, pharmacy):  # noqa: F811
    window, dialog, _library, context = made
    window.make_batch_action.trigger()
    assert dialog.formula.currentData() == pharmacy.version_id
    typed = {
        dialog.patient: "Jane Q. Doe", dialog.born: "1948-03-02", dialog.rx: "RX-3003", dialog.prescriber: "Dr. A. Smith",
        dialog.directions: "Apply 1 g to the knee three times a day", dialog.quantity: "120 g", dialog.refills: "2",
        dialog.container: "120 g ointment jar",
    }
    assert {field.text() for field in typed} == set(typed.values()) and all(field.text() == text for field, text in typed.items())
    dialog.create()
    assert dialog.record is not None, dialog.message.text()
    record = dialog.record
    assert record.formula_version_id == pharmacy.version_id and record.rx_number == "RX-3003"
    assert record.lines[0].lot_id is not None  # the lot typed on the workbench's first line
    with context.reading() as session:
        assert batches.batch_record(session, record.batch_number).patient.name == "Jane Q. Doe"
    # Asked again for the same prescription: its draft is opened, not a second batch made.
    window.make_batch_action.trigger()
    assert dialog.record.batch_number == record.batch_number and "draft" in dialog.message.text()


def test_a_formula_with_no_approved_version_is_saved_as_a_draft_for_a_pharmacist(made):
    window, dialog, library, _context = made
    window.document.set_cell(1, "strength", "1 %")  # cyclobenzaprine 2 % → 1 %: not the approved content
    window.document.set_header("name", "Pain cream, lower strength (test)")  # a name that states 2 % would now contradict it
    before = {entry.id for entry in library.entries()}
    window.make_batch_action.trigger()
    assert "draft version" in dialog.message.text() and "pharmacist to approve" in dialog.message.text()
    added = [entry for entry in library.entries() if entry.id not in before]
    assert len(added) == 1 and added[0].approved_at is None
    assert dialog.record is None


def test_a_changed_prescription_updates_the_draft_and_weights_entered_stop_it(made, pharmacy, clock):  # noqa: F811
    """One road: "Make batch in records…" makes or UPDATES the draft. Before, a draft on the
    prescription was only opened: the quantity changed on the workbench never reached it."""
    from decimal import Decimal

    window, dialog, _library, context = made
    window.make_batch_action.trigger()
    dialog.create()
    record = dialog.record
    assert record is not None and record.surplus is None, dialog.message.text()  # 120 g made for 120 g
    window.document.set_header("prescription.quantity", "42 g")
    window.make_batch_action.trigger()
    updated = dialog.record
    assert updated.batch_number == record.batch_number, dialog.message.text()
    assert f"Batch {record.batch_number} is this prescription's draft: updated" in dialog.message.text()
    assert updated.surplus is not None and updated.surplus.beyond == Decimal("78")  # 120 g − 42 g
    assert updated.plan["documents"]["label"]["quantity"] == "42 g"
    # A weight entered: the plan stays as weighed; the pharmacist is told to reject and make again.
    line = next(line for line in updated.lines if not line.steps)
    with context.transaction() as session:
        if line.lot_id is None:
            batches.assign_lot(session, pharmacy.technician, record.batch_number, line.position, pharmacy.lots[line.name].id, clock())
        batches.enter_weight(session, pharmacy.technician, record.batch_number, line.position, str(line.target), clock())
    window.document.set_header("prescription.quantity", "60 g")
    window.make_batch_action.trigger()
    assert dialog.record.batch_number == record.batch_number
    assert dialog.record.plan["documents"]["label"]["quantity"] == "42 g"
    assert "not updated" in dialog.message.text() and "has weights entered" in dialog.message.text()
    assert "reject it and make it again from the workbench" in dialog.message.text()


def test_another_formula_on_screen_for_the_drafts_prescription_says_reject_and_make_again(made, pharmacy):  # noqa: F811
    window, dialog, library, _context = made
    window.make_batch_action.trigger()
    dialog.create()
    record = dialog.record
    assert record is not None, dialog.message.text()
    ketoprofen = next(e for e in library.entries() if e.name.startswith("Ketoprofen 10 % / cyclobenzaprine"))
    library.approve(ketoprofen.id, credentials_of(pharmacy.pharmacist))
    approved = library.approved_version(ketoprofen.id)
    window.document.load(copy.deepcopy(approved.data))
    for key, text in PRESCRIPTION.items():  # the same patient and Rx number
        window.document.set_header(key, text)
    window.make_batch_action.trigger()
    said = dialog.message.text()
    assert dialog.record.batch_number == record.batch_number and dialog.record.formula_version_id == pharmacy.version_id, said
    assert f"Batch {record.batch_number} is this prescription's draft: opened, not updated: batch {record.batch_number} was made on “" in said
    assert f"the workbench's formula is “{approved.name}” version {approved.version}: reject draft {record.batch_number} and make the batch again" in said


def test_the_base_lot_typed_on_the_workbench_is_the_base_lines_lot(made, pharmacy):  # noqa: F811
    """Issue 25: the base's lot (and so its expiry) came through to the batch only for the active lines."""
    window, dialog, _library, _context = made
    window.document.set_header("base_lot", "L003A")  # the Lipoderm lot received in make_pharmacy
    window.make_batch_action.trigger()
    dialog.create()
    assert dialog.record is not None, dialog.message.text()
    base = dialog.record.lines[-1]
    assert (base.role, base.lot_id, base.lot_number) == ("base", pharmacy.lots["Lipoderm"].id, "L003A")
