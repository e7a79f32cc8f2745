"""The quality logs' screens (issue 25), driven in the real dialogs offscreen: the balance log
registers a balance, shows the check due, records a failed then a passing check and prints its
report; each other log adds an entry; a signature not given adds nothing; the recall dialog
shows the patient's contact details."""

from __future__ import annotations

import datetime as dt

from compounder.records import contacts
from compounder.ui.records.balance_log_dialog import BalanceLogDialog
from compounder.ui.records.competency_log_dialog import CompetencyLogDialog
from compounder.ui.records.complaints_log_dialog import ComplaintsLogDialog
from compounder.ui.records.equipment_log_dialog import EquipmentLogDialog
from compounder.ui.records.recall_dialog import RecallDialog
from compounder.ui.records.sop_register_dialog import SopRegisterDialog
from tests.pdf_text import pdf_text
from tests.records.helpers import PASSWORD


def _signed(context):
    return lambda _parent, ctx, _meaning: ctx.actor


def test_balance_log_screen_from_registration_to_a_passing_check_and_its_report(qtbot, records, tmp_path):
    context, pharmacy, _record = records
    context.actor = pharmacy.pharmacist
    report = tmp_path / "balance.pdf"
    dialog = BalanceLogDialog(context, sign=_signed(context), ask_path=lambda _p, _s: report, pharmacy_name="Main Street Compounding")
    qtbot.add_widget(dialog)
    assert "no balance is registered" in dialog.notices.text()
    dialog.code.setText("BAL-1")
    dialog.name.setText("Ohaus PX224, bench 2")
    dialog.tolerance.setText("0.1")
    dialog.calibration_due.setText((context.today() + dt.timedelta(days=12)).isoformat())
    dialog.certificate_due.setText("2099-01-01")
    dialog.register()
    assert dialog.message.text().startswith("Registered balance BAL-1")
    assert "WEIGHING BLOCKED — balance BAL-1: today's check with test weights is due" in dialog.notices.text()
    assert "calibration due" in dialog.notices.text() and "(in 12 days)" in dialog.notices.text()
    assert dialog.balance.currentText() == "BAL-1"
    name, value, read = dialog.weights[0]
    name.setText("100 g class F1, cert. 4411")
    value.setText("100")
    read.setText("100.15")  # +0.15 % > 0.1 %
    dialog.add_button.click()
    assert "FAILED today's check (100 g class F1, cert. 4411 +0.1500 %" in dialog.message.text()
    assert "failed today's check" in dialog.notices.text()
    value.setText("100")
    read.setText("100.0003")
    dialog.add_button.click()
    assert dialog.message.text() == "Balance BAL-1 passed today's check: it may weigh today."
    assert "WEIGHING BLOCKED" not in dialog.notices.text()
    assert [dialog.model.row(i)[7] for i in range(dialog.model.rowCount())] == ["FAIL", "pass"]
    dialog.print_button.click()
    text = pdf_text(report.read_bytes())
    assert "Balance log" in text and "Main Street Compounding" in text and "100.15 g" in text


def test_a_signature_not_given_adds_nothing_and_keeps_the_fields(qtbot, records):
    context, pharmacy, _record = records
    context.actor = pharmacy.technician
    dialog = EquipmentLogDialog(context, sign=lambda *_: None)
    qtbot.add_widget(dialog)
    dialog.equipment.setText("Unguator")
    dialog.note.setText("washed")
    dialog.add_button.click()
    assert dialog.message.text() == "Not signed: nothing was added" and dialog.model.rowCount() == 0
    assert dialog.equipment.text() == "Unguator"


def test_each_other_log_adds_an_entry_with_its_effect_shown(qtbot, records):
    context, pharmacy, record = records
    context.actor = pharmacy.pharmacist
    today = context.today()
    equipment = EquipmentLogDialog(context, sign=_signed(context))
    qtbot.add_widget(equipment)
    equipment.equipment.setText("Mortar #2")
    equipment.note.setText("washed and dried")
    equipment.add_button.click()
    assert equipment.model.row(0)[1:3] == ("Mortar #2", "cleaning")
    competency = CompetencyLogDialog(context, sign=_signed(context))
    qtbot.add_widget(competency)
    assert "competency rule is off" in competency.notices.text()
    competency.person.setText("tess")
    competency.form_name.setText("cream")
    competency.until.setText("not a date")
    competency.add_button.click()
    assert competency.message.text() == "valid until: 'not a date'; give a date YYYY-MM-DD — nothing was added"
    competency.until.setText((today + dt.timedelta(days=365)).isoformat())
    competency.add_button.click()
    assert competency.model.row(0)[1:3] == ("tess", "cream") and competency.model.row(0)[5] == "current"
    complaints = ComplaintsLogDialog(context, sign=_signed(context))
    qtbot.add_widget(complaints)
    complaints.kind.setCurrentText("adverse event")
    complaints.reported_by.setText("Dr. A. Smith")
    complaints.description.setText("hospitalised with a rash")
    complaints.batch.setText(record.batch_number)
    complaints.serious.setChecked(True)
    complaints.add_button.click()
    assert "MedWatch" in complaints.notices.text() and complaints.model.row(0)[6] == "DUE"
    complaints.close_number.setText("1")
    complaints.medwatch.setText(today.isoformat())
    complaints.add_button.click()
    assert not complaints.notices.text() and complaints.model.row(0)[6] == today.isoformat()
    sops = SopRegisterDialog(context, sign=_signed(context))
    qtbot.add_widget(sops)
    sops.code.setText("SOP-01")
    sops.title.setText("Balance daily check")
    sops.version.setText("3")
    sops.effective.setText((today - dt.timedelta(days=400)).isoformat())
    sops.review_due.setText((today - dt.timedelta(days=1)).isoformat())
    sops.add_button.click()
    assert "review overdue" in sops.notices.text() and sops.model.row(0)[5] == "overdue"


def test_the_recall_dialog_shows_the_patients_contact_details(qtbot, records):
    context, pharmacy, record = records
    with context.transaction() as s:
        contacts.set_contact(s, pharmacy.technician, pharmacy.patient.id, "12 Elm St\nSpringfield, IL 62701", "(217) 555-0142", context.clock())
    context.sign_in("paula", PASSWORD)  # a patient's details are for who the pharmacy shows them to (issue 24)
    dialog = RecallDialog(context)
    qtbot.add_widget(dialog)
    dialog.lot_number.setText("L000A")
    dialog.find()
    assert dialog.model.row(0)[3:7] == ("Jane Q. Doe", "1948-03-02", "12 Elm St, Springfield, IL 62701", "(217) 555-0142")


def test_the_patient_profile_records_address_and_phone_and_refuses_a_bad_phone(qtbot, records, catalog):
    from PySide6.QtWidgets import QDialogButtonBox

    from compounder.records import contacts as stored
    from compounder.ui.records.patient_profile_dialog import PatientProfileDialog

    context, pharmacy, _record = records
    context.actor = pharmacy.technician
    dialog = PatientProfileDialog(context, catalog, pharmacy.patient.id)
    qtbot.add_widget(dialog)
    dialog.show()
    assert dialog.address.toPlainText() == "" and dialog.phone.text() == ""
    dialog.address.setPlainText("12 Elm St\nSpringfield, IL 62701")
    dialog.phone.setText("call me")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert dialog.isVisible() and dialog.message.text().startswith("phone: 'call me'")
    dialog.phone.setText("(217) 555-0142")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert not dialog.isVisible(), dialog.message.text()
    with context.sessions() as session:
        assert stored.contact(session, pharmacy.patient.id) == stored.Contact("12 Elm St\nSpringfield, IL 62701", "(217) 555-0142", 1)


def test_the_batch_dialog_records_the_prescribers_npi_dea_and_date_written(batch_dialog):

    dialog, context, pharmacy = batch_dialog
    context.sign_in("tess", PASSWORD)
    dialog.formula.setCurrentIndex(dialog.formula.findData(pharmacy.version_id))
    dialog.patient.setText("Jane Q. Doe")
    dialog.born.setText("1948-03-02")
    dialog.rx.setText("RX-2002")
    dialog.prescriber.setText("Dr. A. Smith")
    dialog.npi.setText("1234567894")  # check digit should be 3
    dialog.create()
    assert "prescriber NPI" in dialog.message.text() and "check digit" in dialog.message.text() and dialog.record is None
    dialog.npi.setText("1234567893")
    dialog.dea.setText("AP5836727")
    dialog.written.setText("2026-11-20")
    dialog.create()
    assert dialog.message.text() == "" and dialog.record is not None
    with context.sessions() as session:
        assert contacts.prescription(session, dialog.record.batch_number) == contacts.Prescription("1234567893", "AP5836727", dt.date(2026, 11, 20))


def test_a_log_entry_is_signed_in_the_one_signing_dialog(qtbot, records):
    """Issue 24, one signing dialog everywhere: a quality log's entry is signed in the signing
    dialog (the signer's name filled in, the password typed there); a wrong password is refused
    there and nothing is added, the right one adds the entry signed by its signer."""
    from tests.ui.conftest import answer_signing

    context, _pharmacy, _record = records
    context.sign_in("tess", PASSWORD)
    dialog = EquipmentLogDialog(context)
    qtbot.add_widget(dialog)
    dialog.equipment.setText("Unguator")
    dialog.note.setText("washed and dried")
    seen = answer_signing("not her password")
    dialog.add_button.click()
    assert seen[0]["meaning"] == "quality log entry" and seen[0]["focus"]  # opened on the password
    assert "wrong user name or password" in seen[0]["said"] and dialog.model.rowCount() == 0
    assert dialog.equipment.text() == "Unguator"  # kept for the next try
    seen = answer_signing(PASSWORD)
    dialog.add_button.click()
    assert seen and "said" not in seen[0]
    assert dialog.model.row(0)[1] == "Unguator"
