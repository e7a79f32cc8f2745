"""Issue 24: the one signing dialog, driven as a pharmacist would with the keyboard, on the real
batch dialog, lots dialog and workbench prompts. Before: verify, reject and dispense signed as
whoever was signed in, with no password; approving a master formula said "sign in first"."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from compounder.records import batches, people
from compounder.records.model import AuditEntry
from compounder.ui.common.signing_dialog import SigningDialog, stored
from tests.records.helpers import PASSWORD
from tests.ui.conftest import answer_signing, sign_click


def _keep(widget, name: str) -> None:
    """Save what the pharmacist sees, when COMPOUNDER_KEEP_PNG names a folder (to look at it)."""
    if os.environ.get("COMPOUNDER_KEEP_PNG"):
        widget.layout().activate()
        widget.grab().save(os.path.join(os.environ["COMPOUNDER_KEEP_PNG"], name))


def _status(context, number: str) -> str:
    with context.sessions() as s:
        return batches.batch_record(s, number).status.value


def _trail_length(context) -> int:
    with context.sessions() as s:
        return s.scalar(select(AuditEntry.sequence).order_by(AuditEntry.sequence.desc()).limit(1))


def test_a_solo_pharmacist_signs_with_the_password_and_enter(qtbot, batch_dialog, records):
    dialog, context, _pharmacy = batch_dialog
    _context, _pharmacy, record = records
    context.sign_in("paula", PASSWORD)
    dialog.open_batch(record.batch_number)
    seen = answer_signing()
    dialog.verify_button.click()
    # Opened on the password, the user name of the continuous session filled in: one field, one Enter.
    assert seen[0]["focus"] and seen[0]["meaning"] == "verified" and record.batch_number in seen[0]["subject"]
    assert "said" not in seen[0]
    # 11.50: the printed name, the date and time, the meaning, on screen.
    assert "verified by Paula Pharmacist, RPh (on 2026-11-23 09:00 UTC)" in dialog.heading.text()


def test_without_the_right_password_nothing_is_signed_for_any_batch_meaning(qtbot, batch_dialog, records):
    dialog, context, _pharmacy = batch_dialog
    _context, _pharmacy, record = records
    context.sign_in("paula", PASSWORD)
    dialog.open_batch(record.batch_number)
    dialog.reason.setText("jar cracked")
    before = _trail_length(context)
    for button in (dialog.verify_button, dialog.check_button, dialog.reject_button):
        said = sign_click(button, "not her password")
        assert said == "Password: wrong user name or password", said
        assert _status(context, record.batch_number) == "prepared"
    # Each refused signature is counted on the account (three audited failures), nothing else written.
    with context.sessions() as s:
        entries = s.scalars(select(AuditEntry.action).where(AuditEntry.sequence > before)).all()
    assert entries == ["failed sign-in"] * 3
    # Escape: nothing signed either.
    seen: list = []

    def escape() -> None:
        open_dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, SigningDialog) and w.isVisible()), None)
        if open_dialog is None:  # not open yet
            QTimer.singleShot(0, escape)
            return
        seen.append(open_dialog.meaning)
        QTest.keyClick(open_dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, escape)
    dialog.verify_button.click()
    assert seen == ["verified"] and _status(context, record.batch_number) == "prepared"


def test_another_person_signs_at_a_workstation_signed_in_as_the_technician(qtbot, batch_dialog, records):
    dialog, context, _pharmacy = batch_dialog
    _context, _pharmacy, record = records
    context.sign_in("tess", PASSWORD)
    dialog.open_batch(record.batch_number)
    assert sign_click(dialog.verify_button, username="paula") == ""
    assert "verified by Paula Pharmacist, RPh" in dialog.heading.text()
    assert context.actor.username == "tess"  # the workstation stays signed in as it was


def test_the_dialog_names_the_field_and_says_a_switched_off_account_only_with_its_password(qtbot, records):
    context, pharmacy, record = records
    context.sign_in("peter", PASSWORD)
    with context.sessions.begin() as s:
        people.set_active(s, pharmacy.admin, "paula", False, context.clock())
    store = stored(context, lambda s, signature: batches.verify(s, signature.credentials, record.batch_number, context.clock()))
    dialog = SigningDialog(context, "verified", f"Batch {record.batch_number}", store)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.focusWidget() is dialog.password and dialog.username.text() == "peter"
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.password_message.text() == "Password: type your password to sign."
    dialog.username.clear()
    dialog.password.setText("x")
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.username_message.text() == "User name: give the user name of whoever signs."
    dialog.username.setText("paula")
    dialog.password.setText("a guess")
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.password_message.text() == "Password: wrong user name or password"
    dialog.password.setText(PASSWORD)
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.password_message.text() == (
        "Password: the account paula is switched off, so it can neither sign in nor sign; an administrator switches it back on (Records ▸ Users…)"
    )
    assert dialog.isVisible() and _status(context, record.batch_number) == "prepared"
    _keep(dialog, "signing-dialog-switched-off.png")


def test_the_signing_dialog_as_shown(qtbot, batch_dialog, records):
    """Rendered for docs and the report: the meaning, what is signed, the fields."""
    dialog, context, _pharmacy = batch_dialog
    _context, _pharmacy, record = records
    context.sign_in("paula", PASSWORD)
    dialog.open_batch(record.batch_number)
    shown: list = []

    def look() -> None:
        open_dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, SigningDialog) and w.isVisible()), None)
        if open_dialog is None:
            QTimer.singleShot(0, look)
            return
        shown.append(open_dialog.subject.text())
        _keep(open_dialog, "signing-dialog.png")
        QTest.keyClick(open_dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, look)
    dialog.verify_button.click()
    assert shown and shown[0].startswith(f"Batch {record.batch_number} — ")


def test_a_lot_is_received_only_with_the_receivers_password(qtbot, records):
    from compounder.ui.records.lots_dialog import LotsDialog

    context, _pharmacy, _record = records
    context.sign_in("tess", PASSWORD)
    dialog = LotsDialog(context)
    qtbot.addWidget(dialog)
    dialog.ingredient.setText("lidocaine")
    dialog.stock_form.setText("lidocaine")
    dialog.manufacturer.setText("Spectrum")
    dialog.lot_number.setText("SP-77")
    dialog.expires.setText("2027-12-31")
    dialog.quantity.setText("100")
    assert dialog.add_lot()
    assert sign_click(dialog.delivery.sign_button, "wrong") == "Password: wrong user name or password"
    assert "SP-77" not in dialog.received.text() and len(dialog.delivery.receipts) == 1  # the delivery kept
    assert sign_click(dialog.delivery.sign_button) == ""
    assert dialog.received.text().startswith("Received lot SP-77 of lidocaine")


def test_a_master_formula_is_approved_in_the_signing_dialog(qtbot, records):
    from compounder.records.library import FormulaLibrary
    from compounder.ui.workbench.prompts import Prompts

    context, pharmacy, _record = records
    library = FormulaLibrary(context.sessions, context.clock)
    entry = library.add("Mine", {"base": "Lipoderm"}, pharmacy.pharmacist)
    prompts = Prompts()
    prompts.records = context
    context.sign_in("paula", PASSWORD)
    seen = answer_signing("wrong")
    assert prompts.sign("approve", "Mine, version 1", lambda signature: library.approve(entry.id, signature.credentials)) is None
    assert seen[0]["said"] == "Password: wrong user name or password" and library.approved_version(entry.id) is None
    answer_signing()
    approved = prompts.sign("approve", "Mine, version 1", lambda signature: library.approve(entry.id, signature.credentials))
    assert approved is not None and library.approved_version(entry.id) is not None


def test_the_lockout_message_fits_its_label(qtbot, records):
    from compounder.ui.records.sign_in_dialog import SignInDialog

    context, _pharmacy, _record = records
    dialog = SignInDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    for _ in range(people.LOCK_AFTER):
        dialog.username.setText("paula")
        dialog.password.setText("not it")
        QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    text = dialog.message.text()
    assert text.startswith("the account paula is locked after 5 failed sign-ins")
    dialog.layout().activate()
    # The whole message is shown: the label is as tall as its text needs at its width, inside the dialog.
    assert dialog.message.height() >= dialog.message.heightForWidth(dialog.message.width())
    assert dialog.message.geometry().bottom() <= dialog.rect().bottom()
    _keep(dialog, "sign-in-locked.png")
