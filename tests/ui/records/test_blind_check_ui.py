"""Issue 24 in the window: before the preparer's figures are shown, the verifying pharmacist types
their own; a mismatch shows both figures and the calculation, is recorded and blocks the
verification; a match shows the verify view and lets the verification through (recorded too).

The fixture's prepared batch: diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 % in
120 g of Lipoderm, lots without an assay, on the 0.001 g balance. By hand:
  diclofenac sodium 120 g × 3 % = 3.600 g; cyclobenzaprine HCl 120 g × 2 % = 2.400 g;
  lidocaine 120 g × 5 % = 6.000 g.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import QApplication

from compounder.records.blind_check import checks_of, set_blind_check_rule
from tests.records.helpers import PASSWORD
from tests.ui.conftest import sign_click

SHOTS = os.environ.get("COMPOUNDER_SHOTS")


def shot(dialog, name: str) -> None:
    if SHOTS:
        dialog.resize(1300, 900)
        QApplication.processEvents()  # the layout as the window would show it
        dialog.grab().save(os.path.join(SHOTS, name))


def switch_on(context, pharmacy) -> None:
    with context.sessions.begin() as s:
        set_blind_check_rule(s, pharmacy.admin, True, "actives", context.clock())


def test_a_mismatch_blocks_verification_and_a_match_lets_it_through_both_recorded(batch_dialog, records):
    dialog, context, pharmacy = batch_dialog
    _context, _pharmacy, record = records
    switch_on(context, pharmacy)
    context.sign_in("paula", PASSWORD)
    dialog.open_batch(record.batch_number)
    dialog.show()
    panel = dialog.blind_check
    assert panel.isVisible() and not dialog.verify_view.isVisible()  # the preparer's figures hidden
    assert [panel.form.itemAt(row, panel.form.ItemRole.LabelRole).widget().text() for row in range(panel.form.rowCount())] == [
        "Line 1 (diclofenac sodium): grams to weigh", "Line 2 (cyclobenzaprine hydrochloride): grams to weigh", "Line 3 (lidocaine): grams to weigh",
    ]
    fields = list(panel.fields.values())
    fields[0].setText("3.600 g")
    fields[1].setText("2.400 g")
    shot(dialog, "blind-check-entry.png")
    panel.compare_button.click()  # lidocaine missing: said, nothing recorded
    assert "give line 3 (lidocaine): grams to weigh" in panel.result.text()
    fields[2].setText("5.000 g")  # 120 g × 5 % worked as 120 × 0.0417: wrong
    panel.compare_button.click()
    assert "Your figures do not match the plan: the batch is not verified" in panel.result.text()
    assert "line 3 (lidocaine): grams to weigh: you 5.000 g, the plan 6.000 g — DIFFERS" in panel.result.text()
    assert "120.000 g × 5 % = 6.000 g lidocaine" in panel.result.text()  # the plan's calculation
    assert "line 1 (diclofenac sodium): grams to weigh: you 3.600 g, the plan 3.600 g — matches" in panel.result.text()
    assert panel.isVisible() and not dialog.verify_view.isVisible()
    shot(dialog, "blind-check-mismatch.png")
    said = sign_click(dialog.verify_button)
    assert "your blind check did not match" in said and dialog.record.status.value == "prepared"

    fields[2].setText("6.000 g")
    panel.compare_button.click()
    assert not panel.isVisible() and dialog.verify_view.isVisible()  # now the preparer's record
    assert "Blind check by paula, 2026-11-23 09:00 UTC: DID NOT MATCH (" in dialog.verify_view.notes.text()
    assert "Blind check by paula, 2026-11-23 09:00 UTC: matched (line 1 diclofenac sodium 3.600 g, " in dialog.verify_view.notes.text()
    shot(dialog, "blind-check-match.png")
    assert sign_click(dialog.verify_button) == "" and dialog.record.status.value == "verified"
    with context.sessions() as s:
        assert [(c["by"], c["matched"]) for c in checks_of(s, record.batch_number)] == [("paula", False), ("paula", True)]


def test_a_technician_sees_the_record_and_no_blind_check(batch_dialog, records):
    dialog, context, pharmacy = batch_dialog
    _context, _pharmacy, record = records
    switch_on(context, pharmacy)
    context.sign_in("tess", PASSWORD)
    dialog.open_batch(record.batch_number)
    dialog.show()
    assert not dialog.blind_check.isVisible() and dialog.verify_view.isVisible()


def test_with_the_check_switched_off_the_verify_view_shows_at_once(batch_dialog, records):
    dialog, context, _pharmacy = batch_dialog
    _context, _pharmacy, record = records  # the shared pharmacy has it off (tests/records/helpers.py)
    context.sign_in("paula", PASSWORD)
    dialog.open_batch(record.batch_number)
    dialog.show()
    assert not dialog.blind_check.isVisible() and dialog.verify_view.isVisible()
    assert sign_click(dialog.verify_button) == ""
    assert dialog.record.status.value == "verified"


def test_an_administrator_switches_the_check_off_in_the_window_and_it_is_audited(qtbot, records):
    from sqlalchemy import select

    from compounder.records.blind_check import blind_check_rule
    from compounder.records.model import AuditEntry
    from compounder.ui.records.blind_check_setting_dialog import BlindCheckSettingDialog

    context, pharmacy, _record = records
    switch_on(context, pharmacy)
    context.sign_in("paula", PASSWORD)
    dialog = BlindCheckSettingDialog(context)
    qtbot.add_widget(dialog)
    assert dialog.choices[0].isChecked() and "set by admin" in dialog.current.text()
    dialog.choices[2].setChecked(True)
    dialog.accept()  # a pharmacist: refused, said, nothing saved
    assert dialog.message.text() == "only an administrator switches the blind check on or off; paula is a pharmacist"
    context.sign_in("admin", PASSWORD)
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    with context.sessions() as s:
        assert not blind_check_rule(s).on
        actions = s.execute(select(AuditEntry.username, AuditEntry.action).where(AuditEntry.table_name == "pharmacy_rule")).all()
    assert [tuple(a) for a in actions][-1] == ("admin", "blind check switched off")
