"""The batch dialog and the history on a real migrated database: the weighing tolerance from the
pharmacy settings, printing and reprinting from the stored batch, the checker's signature, the
self-verification setting, amendments, and a refill from the history that shows what changed."""

from __future__ import annotations

import copy
import dataclasses

from compounder.calc.units import Q_
from compounder.records import batches
from compounder.records.library import FormulaLibrary
from compounder.ui.records.history_dialog import HistoryDialog
from tests.pdf_text import pdf_text
from tests.records.helpers import PASSWORD, weigh_all
from tests.records.signing_helpers import credentials_of
from tests.ui.conftest import answer_signing, sign_click
from tests.ui.records.qc_entry import enter_qc

LABEL = {"directions": "Apply 1 g to the knee three times a day", "quantity": "120 g", "refills": "2"}


def order(dialog, version_id, *, rx="RX-2002", label=LABEL):
    dialog.formula.setCurrentIndex(dialog.formula.findData(version_id))
    dialog.patient.setText("Jane Q. Doe")
    dialog.born.setText("1948-03-02")
    dialog.rx.setText(rx)
    dialog.prescriber.setText("Dr. A. Smith")
    for field, value in zip((dialog.directions, dialog.quantity, dialog.refills), (label["directions"], label["quantity"], label["refills"]), strict=True):
        field.setText(value)


def weigh(dialog, pharmacy, *, qc=True):
    for index, line in enumerate(dialog.record.lines):
        dialog.lot_boxes[index].setCurrentIndex(dialog.lot_boxes[index].findData(pharmacy.lots[line.name].id))
        dialog.weights[index].setText(f"{line.target:f}")
    dialog.save_lines()
    assert dialog.message.text() == ""
    if qc:
        enter_qc(dialog)


def test_the_weighing_tolerance_is_the_pharmacys_and_an_administrator_sets_it_when_unset(batch_dialog, pharmacy_settings):
    dialog, context, pharmacy = batch_dialog
    assert dialog.tolerance.text() == "5" and dialog.tolerance.isReadOnly()
    pharmacy_settings["current"] = dataclasses.replace(pharmacy_settings["current"], weighing_tolerance=Q_(2.5, "percent"))
    dialog.fill_tolerance()
    assert dialog.tolerance.text() == "2.5"
    pharmacy_settings["current"] = dataclasses.replace(pharmacy_settings["current"], weighing_tolerance=None)
    dialog.fill_tolerance()
    assert dialog.tolerance.text() == "" and "an administrator sets" in dialog.tolerance.placeholderText()
    context.sign_in("tess", PASSWORD)
    order(dialog, pharmacy.version_id)
    dialog.create()
    assert dialog.record is None and dialog.message.text().startswith("weighing tolerance: the pharmacy has none; an administrator sets")
    pharmacy_settings["current"] = dataclasses.replace(pharmacy_settings["current"], weighing_tolerance=Q_(3, "percent"))
    dialog.create()  # the settings as they are at Create batch
    assert dialog.message.text() == "" and dialog.record.tolerance_percent == 3


def test_label_fields_are_checked_and_named(batch_dialog):
    dialog, context, pharmacy = batch_dialog
    context.sign_in("tess", PASSWORD)
    order(dialog, pharmacy.version_id, label={**LABEL, "refills": "two"})
    dialog.create()
    assert dialog.record is None and dialog.message.text().startswith("label refills: 'two' is not a number of refills")
    order(dialog, pharmacy.version_id, label={**LABEL, "quantity": "500 g"})
    dialog.create()
    assert dialog.record is None and dialog.message.text().startswith("label quantity: 500 g is more than this batch makes")


def test_print_before_weighing_then_a_reprint_shows_the_weights_and_says_reprint(batch_dialog, printed, clock):
    dialog, context, pharmacy = batch_dialog
    context.sign_in("tess", PASSWORD)
    order(dialog, pharmacy.version_id)
    dialog.create()
    number = dialog.record.batch_number
    dialog.print_worksheet_button.click()
    assert dialog.message.text() == "" and printed[-1][0] == f"Worksheet {number}"
    first = pdf_text(printed[-1][1])
    # 120 g × 3 % = 3.600 g diclofenac sodium; Lipoderm q.s. 120 − (3.6 + 2.4 + 6) = 108.000 g
    assert "REPRINT" not in first and "3.600 g" in first and "108.000 g" in first and "Record status: draft" in first

    printed.answer = False  # the preview closed without printing: not a print, so not counted
    dialog.print_worksheet_button.click()
    assert dialog.message.text() == "the worksheet was not printed"
    printed.answer = True

    weigh(dialog, pharmacy)
    assert sign_click(dialog.prepare_button) == ""
    clock.advance(minutes=30)
    dialog.print_worksheet_button.click()
    again = pdf_text(printed[-1][1])
    assert "REPRINT 2026-11-23 09:30 UTC by tess" in again
    assert "Medisca / L000A" in again and "3.600 g +0.00 %" in again and "Tess Technician" in again

    assert not dialog.print_label_button.isEnabled()  # a label only for a verified batch (issue 28, observation 7)
    context.sign_in("paula", PASSWORD)
    assert sign_click(dialog.verify_button) == ""
    dialog.print_label_button.click()
    label = pdf_text(printed[-1][1])
    assert "Apply 1 g to the knee three times a day" in label and f"Lot {number}" in label and "REPRINT" not in label


def test_a_stored_batchs_label_on_a_sheet_asks_which_label(qtbot, records, catalog, pharmacy_settings, printed):
    """The batch dialog passes the question on; cancelling it prints nothing."""
    from compounder.records.library import FormulaLibrary
    from compounder.settings import settings_from_data
    from compounder.ui.records.batch_dialog import BatchDialog
    from tests.ui.conftest import SETTINGS, signed_by_paula

    context, pharmacy, _record = records
    answers, asked = [3, None], []

    def label_position(stock):
        asked.append(stock.key)
        return answers.pop(0)

    sheet = {"current": settings_from_data({**SETTINGS, "label_stock": "avery-5163"})}
    dialog = BatchDialog(
        context, FormulaLibrary(context.sessions, context.clock), catalog, pharmacy=lambda: sheet["current"], print_pdf=printed,
        label_position=label_position,
    )
    qtbot.add_widget(dialog)
    dialog.decide = signed_by_paula(context, asked=[])
    context.sign_in("tess", PASSWORD)
    order(dialog, pharmacy.version_id)
    dialog.create()
    weigh(dialog, pharmacy)
    assert sign_click(dialog.prepare_button) == ""
    context.sign_in("paula", PASSWORD)
    assert sign_click(dialog.verify_button) == ""
    dialog.print_label_button.click()
    assert asked == ["avery-5163"] and dialog.message.text() == "" and len(printed) == 1
    dialog.print_label_button.click()
    assert dialog.message.text() == "the label was not printed" and len(printed) == 1


def test_the_checker_and_the_self_verification_setting(batch_dialog, pharmacy_settings):
    dialog, context, pharmacy = batch_dialog
    context.sign_in("paula", PASSWORD)
    order(dialog, pharmacy.version_id)
    dialog.create()
    weigh(dialog, pharmacy)
    assert sign_click(dialog.prepare_button) == ""
    said = sign_click(dialog.check_button)
    assert said == "paula prepared this batch; someone else checks the weighings — nothing was signed"
    said = sign_click(dialog.verify_button)
    assert said == "paula prepared this batch; another pharmacist must verify it — nothing was signed"
    context.sign_in("tess", PASSWORD)
    assert sign_click(dialog.check_button) == ""
    assert dialog.message.text() == "" and "checked by Tess Technician" in dialog.heading.text()
    assert not dialog.check_button.isEnabled()
    context.sign_in("paula", PASSWORD)
    pharmacy_settings["current"] = dataclasses.replace(pharmacy_settings["current"], allow_self_verification=True)
    assert sign_click(dialog.verify_button) == ""
    assert dialog.message.text() == "" and dialog.record.status.value == "verified"


def test_an_amendment_from_the_dialog_is_linked_both_ways_in_the_history(qtbot, batch_dialog):
    dialog, context, pharmacy = batch_dialog
    context.sign_in("tess", PASSWORD)
    order(dialog, pharmacy.version_id)
    dialog.create()
    original = dialog.record.batch_number
    weigh(dialog, pharmacy)
    assert sign_click(dialog.prepare_button) == ""
    assert not dialog.amend_button.isEnabled()
    context.sign_in("paula", PASSWORD)
    assert sign_click(dialog.verify_button) == ""
    assert dialog.amend_button.isEnabled()
    context.sign_in("tess", PASSWORD)
    dialog.amend_reason.setText("lot of line 2 recorded wrongly")
    dialog.amend_button.click()
    assert dialog.message.text() == "only a pharmacist may amend a batch; tess is a technician"
    context.sign_in("peter", PASSWORD)
    dialog.amend_button.click()
    amendment = dialog.record.batch_number
    assert amendment != original and dialog.record.status.value == "draft"
    assert f"amends batch {original}: lot of line 2 recorded wrongly" in dialog.heading.text()

    history = HistoryDialog(context)
    qtbot.add_widget(history)
    history.patient.setText("jane")
    history.search()
    links = {history.model.row(r)[0]: history.model.row(r)[-1] for r in range(history.model.rowCount())}
    assert links[original] == f"amended by {amendment}" and links[amendment] == f"amends {original}"


def test_history_reopens_reprints_and_refuses_a_batch_without_stored_documents(qtbot, batch_dialog, printed, records):
    dialog, context, pharmacy = batch_dialog
    _context, _pharmacy, old = records  # made without frozen documents
    context.sign_in("tess", PASSWORD)
    order(dialog, pharmacy.version_id)
    dialog.create()
    number = dialog.record.batch_number
    dialog.print_worksheet_button.click()
    made = []

    def make_batch():
        made.append(type(dialog)(context, dialog._library, dialog._catalog, pharmacy=dialog._pharmacy, print_pdf=printed))
        qtbot.add_widget(made[-1])
        return made[-1]

    history = HistoryDialog(context, make_batch=make_batch, print_document=dialog._printer.print)
    qtbot.add_widget(history)
    history.search()
    assert not history.reprint_worksheet_button.isEnabled()
    history.select(number)
    assert history.reprint_worksheet_button.isEnabled()
    history.reprint_worksheet_button.click()
    assert history.message.text() == "" and "REPRINT 2026-11-23 09:00 UTC by tess" in pdf_text(printed[-1][1])
    history.reopen_button.click()
    assert history.opened is made[-1] and made[-1].record.batch_number == number
    history.select(old.batch_number)
    history.reprint_worksheet_button.click()
    assert history.message.text().startswith(f"documents: batch {old.batch_number} was recorded without its worksheet and label")
    history.reprint_label_button.click()  # the records refuse a label for a batch not verified (issue 28, observation 7)
    assert history.message.text() == f"batch {old.batch_number} is prepared; a patient label is printed only once a pharmacist has verified the batch"


def test_a_refill_from_the_history_shows_the_changes_and_needs_a_pharmacists_signature(qtbot, batch_dialog, catalog, records):
    dialog, context, pharmacy = batch_dialog
    library = FormulaLibrary(context.sessions, context.clock)
    formula = {
        "name": "Mine", "batch": "120 g", "base": "Lipoderm",
        "actives": [{"ingredient": "diclofenac sodium", "strength": "3 %"}, {"ingredient": "lidocaine", "strength": "5 %"}],
    }
    entry = library.add("Mine", formula)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    first_version = library.approved_version(entry.id)
    dialog.formula.addItem(first_version.label, first_version.id)
    context.sign_in("tess", PASSWORD)
    order(dialog, first_version.id, rx="RX-3003")
    dialog.create()
    previous = dialog.record.batch_number
    weigh_all(context.sessions, context.clock, pharmacy, dialog.record)  # made: a draft is not what a refill follows
    with context.sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), previous, context.clock())
    changed = copy.deepcopy(formula)
    changed["actives"][1]["strength"] = "4 %"
    library.update(entry.id, changed)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))

    made = []

    def make_batch():
        made.append(type(dialog)(context, library, catalog, pharmacy=dialog._pharmacy))
        qtbot.add_widget(made[-1])
        return made[-1]

    history = HistoryDialog(context, make_batch=make_batch)
    qtbot.add_widget(history)
    history.rx.setText("RX-3003")
    history.search()
    history.select(previous)
    history.refill_button.click()
    refill = made[-1]
    assert refill.rx.text() == "RX-3003" and refill.patient.text() == "Jane Q. Doe"
    assert refill.formula.currentData() == library.approved_version(entry.id).id
    assert f"the formula changed since batch {previous}" in refill.refill.text()
    assert "lidocaine strength: 5 % → 4 %" in refill.refill.text()
    assert (refill.directions.text(), refill.quantity.text(), refill.refills.text()) == (LABEL["directions"], "120 g", "")
    refill.refills.setText("1")
    # Issue 24: a technician's tick is no signature. The changes are signed by a pharmacist, with
    # the password, in the signing dialog; tess (signed in) cannot sign them.
    refill.ask_signature = lambda title, what, sign: None  # nobody signs: no batch
    refill.create()
    assert refill.record is None and refill.message.text() == f"No batch made: the formula changed since batch {previous}; a pharmacist signs the changes"
    del refill.ask_signature  # the one signing dialog, answered as at the keyboard: tess is refused, then paula signs
    refused = answer_signing(PASSWORD, username="tess", cancel_if_refused=False)
    signed_by = answer_signing(PASSWORD, username="paula")
    refill.create()
    assert refused[0]["meaning"] == "refill change" and "tess is a technician: only a pharmacist signs a refill's formula changes" in refused[0]["said"]
    asked = [signed_by[0]["subject"]]
    assert "lidocaine strength: 5 % → 4 %" in asked[0]
    assert refill.message.text() == "" and refill.record.formula_version == 2
    with context.sessions() as s:
        from compounder.records.refill_signoff import signed_change

        signed = signed_change(s, refill.record.batch_number)
    assert (signed.username, signed.changes) == ("paula", ("lidocaine strength: 5 % → 4 %",))
    notes = refill.verify_view.notes.text()  # the verify view says it (shown once the batch is prepared)
    assert f"Refill: the formula changed since batch {previous}" in notes and "signed by Paula Pharmacist, RPh (paula)" in notes
    with context.sessions() as s:
        assert batches.batch_record(s, refill.record.batch_number).rx_number == "RX-3003"


# --------------------------------------------------------------------------- user accounts


def test_user_accounts_for_an_administrator_only(qtbot, records):
    from compounder.records import people
    from compounder.ui.records.users_dialog import UsersDialog

    context, _pharmacy, _record = records
    context.sign_in("paula", PASSWORD)
    dialog = UsersDialog(context)
    qtbot.add_widget(dialog)
    assert dialog.model.rowCount() == 0 and not dialog.add_button.isEnabled()
    assert dialog.message.text() == "only an administrator may manage user accounts; paula is a pharmacist"

    context.sign_in("admin", PASSWORD)
    assert [dialog.model.row(r)[0] for r in range(dialog.model.rowCount())] == ["admin", "paula", "peter", "tess"]
    dialog.username.setText("nina")
    dialog.full_name.setText("Nina Technician")
    dialog.new_role.setCurrentIndex(dialog.new_role.findData("technician"))
    dialog.password.setText("a long password")
    dialog.repeat.setText("a long passwort")
    dialog.add()
    assert dialog.message.text() == "password: the two passwords differ; type the same password twice"
    assert dialog.username.text() == "nina"  # nothing typed is lost
    dialog.repeat.setText("a long password")
    dialog.add()
    assert dialog.message.text() == "" and dialog.done_label.text() == "Added nina (technician)."
    assert dialog.selected() == "nina"

    dialog.select("admin")
    dialog.active_button.click()
    assert dialog.message.text() == "you cannot deactivate your own account; another administrator can"
    dialog.role.setCurrentIndex(dialog.role.findData("pharmacist"))
    dialog.change_role_button.click()
    assert dialog.message.text() == "admin is the last active administrator; make another administrator first"

    dialog.select("tess")
    dialog.active_button.click()
    status = lambda name: next(dialog.model.row(r)[3] for r in range(dialog.model.rowCount()) if dialog.model.row(r)[0] == name)  # noqa: E731
    assert status("tess") == "deactivated" and dialog.active_button.text() == "&Reactivate"
    dialog.reset_password.setText("short")
    dialog.reset_repeat.setText("short")
    dialog.reset_button.click()
    assert dialog.message.text() == "new password: a password needs at least 8 characters"
    dialog.reset_password.setText("brand new password")
    dialog.reset_repeat.setText("brand new password")
    dialog.reset_button.click()
    dialog.active_button.click()
    assert status("tess") == "active"
    with context.sessions() as s:
        assert people.authenticate(s, "tess", "brand new password").username == "tess"
        assert people.authenticate(s, "nina", "a long password").role.value == "technician"


def test_the_users_menu_entry_is_for_an_administrator(qtbot, records):
    from PySide6.QtWidgets import QMainWindow

    from compounder.ui.records.records_window import install_records_menu

    context, _pharmacy, _record = records
    window = QMainWindow()
    qtbot.add_widget(window)
    actions = install_records_menu(window, context)
    assert not actions["users"].isEnabled()
    context.sign_in("paula", PASSWORD)
    assert not actions["users"].isEnabled()
    context.sign_in("admin", PASSWORD)
    assert actions["users"].isEnabled()
    context.sign_out()
    assert not actions["users"].isEnabled()


def test_a_new_certified_minimum_applies_to_the_next_weighing_without_a_restart(batch_dialog, pharmacy_settings):
    """Issue 28, observation 10. The batch was planned on a balance whose minimum was 820 × 0.001 g
    = 0.82 g; cyclobenzaprine HCl's target is 120 g × 2 % = 2.400 g. The pharmacy then certifies the
    balance from 3 g (File ▸ Pharmacy settings… changes the settings the dialog reads): 2.400 g is
    now under it, so the weighing is refused at once, not after a restart."""
    dialog, context, pharmacy = batch_dialog
    context.sign_in("tess", PASSWORD)
    order(dialog, pharmacy.version_id)
    dialog.create()
    balance = dialog.record.plan["balance"]["name"]
    assert dialog.record.plan["balance"]["minimum_weighable_grams"] == 0.82
    pharmacy_settings["current"] = dataclasses.replace(pharmacy_settings["current"], balances=((balance, Q_(3, "g")),))
    for index, line in enumerate(dialog.record.lines):
        dialog.lot_boxes[index].setCurrentIndex(dialog.lot_boxes[index].findData(pharmacy.lots[line.name].id))
        dialog.weights[index].setText(f"{line.target:f}")
    dialog.save_lines()
    assert "now certified from 3 g and the target 2.4 g is under it" in dialog.message.text()
    assert "nothing was saved" in dialog.message.text()


def test_qc_results_and_a_deviation_in_the_dialog_hold_verification_until_decided(batch_dialog, tmp_path):
    """Issue 25: a failed final weight and an undecided deviation each hold the verification back,
    named; only a pharmacist decides the deviation."""
    dialog, context, pharmacy = batch_dialog
    context.sign_in("tess", PASSWORD)
    order(dialog, pharmacy.version_id)
    dialog.create()
    weigh(dialog, pharmacy, qc=False)
    panel = dialog.qc_panel
    assert panel.isVisibleTo(dialog) and panel.missing.text() == "Verification waits for: final weight, appearance"
    panel.final_weight.setText("heavy")
    panel.weight_button.click()
    assert panel.message.text() == "'heavy' is not a weight; type the grams shown by the balance, e.g. 7.432"
    assert panel.final_weight.text() == "heavy"  # kept to correct
    # No final-weight tolerance in these settings: the person weighing judges against the SOP (here: not within).
    assert not panel.weight_conforms.isHidden()
    panel.final_weight.setText("110.2")  # 110.2 / 120 = 0.91833… → yield 91.8 %
    panel.weight_conforms.setChecked(False)
    panel.weight_button.click()
    panel.appearance.setText("smooth, white")
    panel.appearance_conforms.setChecked(True)
    panel.appearance_button.click()
    assert "yield 91.8 %; OUTSIDE the SOP's range" in panel.results.text() and panel.missing.text() == ""
    panel.deviation.setText("mixed by hand, the mill was out of order")
    panel.deviation_reason.setText("mill broken")
    panel.deviation_button.click()
    panel.accept_button.click()
    assert panel.message.text() == "only a pharmacist decides on a deviation; tess is a technician"
    assert sign_click(dialog.prepare_button) == ""
    context.sign_in("paula", PASSWORD)
    assert "deviation 1 without a pharmacist's decision" in sign_click(dialog.verify_button)
    panel.decision_note.setText("hand mixing gave a uniform cream")
    panel.accept_button.click()
    assert "accepted by Paula Pharmacist, RPh" in panel.deviations.text()
    dialog.resize(1150, 1000)
    dialog.grab().save(str(tmp_path / "qc-panel.png"))
    said = sign_click(dialog.verify_button)
    assert dialog.record.status.value == "prepared" and "QC failed: final weight (110.2 g of 120 g theoretical" in said
