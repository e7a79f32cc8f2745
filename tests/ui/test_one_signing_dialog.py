"""Issue 24, "one signing dialog, used everywhere, with the same keyboard flow": the weighing
station's confirmation by hand (F8), the reason for a weight typed where the pharmacy requires the
balance, and a pharmacist's acknowledgement of a batch's findings open the one ``SigningDialog``
(objectName "signingDialog"), driven by the keys: the reason(s) first, Enter on to the next empty
field, the user name of whoever is signed in filled in, Shift+Tab to replace it, Enter signs,
Escape cancels storing nothing. Before, the confirmation by hand and the typed weight's reason had
their own dialog opening on an empty user name, and the acknowledgement a third one."""

from __future__ import annotations

import dataclasses
import os

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFrame, QLabel
from sqlalchemy import select

from compounder.calc import Finding, Severity
from compounder.calc.units import Q_
from compounder.records import batches, pharmacy_rules
from compounder.records import station as station_records
from compounder.records.model import User
from compounder.ui.common.signing_dialog import SigningDialog
from compounder.ui.station.weighing_view import WeighingView
from tests.records.helpers import PASSWORD, PHARMACY
from tests.ui.records.test_batch_records import order

REASON = "label torn; name and lot read by eye"


def _keep(dialog, name: str) -> None:
    """Save what the pharmacist sees, when COMPOUNDER_KEEP_PNG names a folder (to look at it)."""
    folder = os.environ.get("COMPOUNDER_KEEP_PNG")
    if folder:
        dialog.layout().activate()
        dialog.grab().save(os.path.join(folder, name))


def _failed_sign_ins(context, username: str):
    with context.sessions() as s:
        return s.scalar(select(User.failed_sign_ins).where(User.username == username))


def _batches(context) -> int:
    from sqlalchemy import func

    from compounder.records.model import Batch

    with context.sessions() as s:
        return s.scalar(select(func.count()).select_from(Batch))


def _hand_events(context, number: str):
    with context.sessions() as s:
        return [e for e in station_records.events(s, number) if e.kind == "hand"]


def _type(widget, text: str, then=Qt.Key.Key_Return) -> None:
    QTest.keyClicks(widget, text)
    QTest.keyClick(widget, then)


def _when_signing(qtbot, act) -> list:
    """``act(dialog)`` once a signing dialog is open and has the keys (posted: it runs inside the
    dialog's own event loop, so nothing depends on timing); what ``act`` returned, in the list
    given back. An assertion failing in ``act`` is given back too, the dialog closed (a modal
    dialog left open would hang the test)."""
    done: list = []

    def answer() -> None:
        dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, SigningDialog) and w.isVisible()), None)
        if dialog is None:
            QTimer.singleShot(0, answer)  # not open yet
            return
        try:
            _activate(qtbot, dialog)
            done.append(act(dialog))
        except BaseException as error:  # noqa: BLE001 - handed back to the test, which raises it
            done.append(error)
            dialog.reject()

    QTimer.singleShot(0, answer)
    return done


def _activate(qtbot, dialog) -> None:
    """The dialog's window active, as on a desk: Shift+Tab selects the user name to type over."""
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)


def _raised(seen: list) -> list:
    for item in seen:
        if isinstance(item, BaseException):
            raise item
    return seen


def _station(qtbot, bench):
    context, pharmacy, record = bench  # the station signed in as the technician, tess
    first = record.lines[0]
    with context.sessions.begin() as s:
        batches.assign_lot(s, context.actor, record.batch_number, 1, pharmacy.lots[first.name].id, context.clock())
    view = WeighingView(context, record.batch_number)
    qtbot.add_widget(view)
    view.show()
    return view, context, record


# ------------------------------------------------------------------ the confirmation by hand (F8)


def test_the_confirmation_by_hand_is_the_signing_dialog_driven_by_its_keys(qtbot, bench):
    view, context, record = _station(qtbot, bench)
    dialog = view.confirm_by_hand()
    _activate(qtbot, dialog)
    assert type(dialog) is SigningDialog and dialog.objectName() == "signingDialog" and dialog.meaning == "hand confirmation"
    assert dialog.windowTitle() == "Confirm the container by hand — pharmacist signs"
    assert f"Line 1 ({record.lines[0].name}): the container is confirmed without a scan." in dialog.subject.text()
    # The reason first; the user name of whoever is signed in (the station's technician) filled in.
    assert dialog.focusWidget() is dialog.reasons[0] and dialog.username.text() == "tess"
    _type(dialog.reasons[0], REASON)  # Enter: on to the password, nothing refused
    assert dialog.focusWidget() is dialog.password and dialog.isVisible()
    assert not any(label.isVisible() for label in (*dialog.reason_messages, dialog.username_message, dialog.password_message, dialog.message))
    QTest.keyClick(dialog.password, Qt.Key.Key_Backtab)  # Shift+Tab: the user name, to replace it
    assert dialog.focusWidget() is dialog.username and dialog.username.selectedText() == "tess"
    _type(dialog.username, "paula", Qt.Key.Key_Tab)
    # A wrong password: refused beside the password, counted on her account, nothing stored.
    _type(dialog.password, "not her password")
    assert dialog.isVisible() and dialog.password_message.text() == "Password: wrong user name or password"
    assert dialog.focusWidget() is dialog.password and dialog.password.text() == ""
    assert _failed_sign_ins(context, "paula") == 1 and _hand_events(context, record.batch_number) == []
    _type(dialog.password, PASSWORD)  # her own: signed, and the dialog closes
    assert not dialog.isVisible()
    (hand,) = _hand_events(context, record.batch_number)
    assert (hand.reason, hand.message) == (REASON, "Line 1 confirmed by hand by paula, signed with their password at the station signed in as tess")
    assert view.message.text().startswith("Line 1 confirmed by hand by paula")
    assert context.actor.username == "tess"  # the station stays signed in as it was
    view.close()


def test_a_technician_cannot_sign_a_confirmation_by_hand(qtbot, bench):
    view, context, record = _station(qtbot, bench)
    dialog = view.confirm_by_hand()
    _type(dialog.reasons[0], REASON)
    _type(dialog.password, PASSWORD)  # tess, the technician signed in, with her own right password
    assert dialog.isVisible()
    assert dialog.message.text() == "tess is a technician: only a pharmacist confirms a container by hand — nothing was signed"
    assert _hand_events(context, record.batch_number) == [] and _failed_sign_ins(context, "tess") is None  # not a wrong password
    with context.sessions() as s:
        assert batches.batch_record(s, record.batch_number).lines[0].identity is None
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    view.close()


def test_escape_cancels_the_confirmation_by_hand_storing_nothing(qtbot, bench):
    view, context, record = _station(qtbot, bench)
    dialog = view.confirm_by_hand()
    QTest.keyClicks(dialog.reasons[0], REASON)
    dialog.username.setText("paula")
    QTest.keyClicks(dialog.password, PASSWORD)  # all typed, then Escape
    QTest.keyClick(dialog.password, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and _hand_events(context, record.batch_number) == []
    with context.sessions() as s:
        assert batches.batch_record(s, record.batch_number).lines[0].identity is None
    assert not view.message.text().startswith("Line 1 confirmed by hand")
    view.close()


def test_the_confirmation_by_hand_as_shown(qtbot, bench):
    """Rendered for the report: the meaning, what is signed, the reason above the user name."""
    view, _context, _record = _station(qtbot, bench)
    dialog = view.confirm_by_hand()
    qtbot.waitExposed(dialog)
    dialog.layout().activate()
    for widget in (dialog.meaning_label, dialog.subject, dialog.reasons[0], dialog.username, dialog.password, dialog.sign_button):
        assert dialog.rect().contains(widget.geometry().translated(widget.parentWidget().mapTo(dialog, widget.parentWidget().rect().topLeft())))
    _keep(dialog, "hand-confirmation.png")
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    view.close()


# ------------------------------------------------------------------ the typed weight's reason (Make a batch)


def test_the_typed_weights_reason_is_the_signing_dialog_driven_by_its_keys(qtbot, batch_dialog):
    dialog, context, pharmacy = batch_dialog
    with context.sessions.begin() as s:
        pharmacy_rules.set_rules(s, pharmacy.admin, dataclasses.replace(PHARMACY, weighing_tolerance=Q_(5, "percent"), balance_required=True), context.clock())
    context.sign_in("tess", PASSWORD)
    order(dialog, pharmacy.version_id)
    dialog.create()
    record = dialog.record
    for index, line in enumerate(record.lines):
        dialog.lot_boxes[index].setCurrentIndex(dialog.lot_boxes[index].findData(pharmacy.lots[line.name].id))
        dialog.weights[index].setText(f"{line.target:f}")

    def cancel(signing: SigningDialog) -> None:
        QTest.keyClick(signing.reasons[0], Qt.Key.Key_Escape)

    _when_signing(qtbot, cancel)
    dialog.save_lines()
    assert dialog.message.text().startswith("nothing was saved: the pharmacy requires the balance")
    assert all(line.actual is None for line in dialog.record.lines)

    def sign(signing: SigningDialog) -> dict:
        seen = {
            "class": type(signing), "name": signing.objectName(), "meaning": signing.meaning, "title": signing.windowTitle(),
            "first": signing.focusWidget() is signing.reasons[0], "username": signing.username.text(),
        }
        _type(signing.reasons[0], "balance out for calibration; weighed on the backup balance")
        seen["then"] = signing.focusWidget() is signing.password
        QTest.keyClick(signing.password, Qt.Key.Key_Backtab)
        _type(signing.username, "tess", Qt.Key.Key_Tab)  # the technician herself: refused, a pharmacist signs this
        _type(signing.password, PASSWORD)
        seen["technician"] = signing.message.text()
        QTest.keyClick(signing.password, Qt.Key.Key_Backtab)
        _type(signing.username, "paula", Qt.Key.Key_Tab)
        _type(signing.password, PASSWORD)
        seen["open"] = signing.isVisible()
        return seen

    seen = _when_signing(qtbot, sign)
    dialog.save_lines()
    assert _raised(seen) == [{
        "class": SigningDialog, "name": "signingDialog", "meaning": "typed weight", "title": "Typed weight — pharmacist signs",
        "first": True, "username": "tess", "then": True,
        "technician": "tess is a technician: only a pharmacist signs the reason for a typed weight — nothing was signed", "open": False,
    }]
    assert dialog.message.text() == ""
    assert dialog.record.lines[0].weight_reason_by == "Paula Pharmacist, RPh"
    assert dialog.record.lines[0].weight_reason == "balance out for calibration; weighed on the backup balance"


def test_a_lot_chosen_without_a_scan_is_confirmed_by_hand_in_the_signing_dialog(qtbot, batch_dialog):
    dialog, context, pharmacy = batch_dialog
    with context.sessions.begin() as s:
        pharmacy_rules.set_rules(s, pharmacy.admin, dataclasses.replace(PHARMACY, weighing_tolerance=Q_(5, "percent"), scan_required=True), context.clock())
    context.sign_in("tess", PASSWORD)
    order(dialog, pharmacy.version_id)
    dialog.create()
    for index, line in enumerate(dialog.record.lines):
        dialog.lot_boxes[index].setCurrentIndex(dialog.lot_boxes[index].findData(pharmacy.lots[line.name].id))

    def sign(signing: SigningDialog) -> dict:
        seen = {"meaning": signing.meaning, "title": signing.windowTitle(), "first": signing.focusWidget() is signing.reasons[0]}
        _type(signing.reasons[0], "scanner out of order; name and lot read on each container")
        QTest.keyClick(signing.password, Qt.Key.Key_Backtab)
        _type(signing.username, "paula", Qt.Key.Key_Tab)
        _type(signing.password, PASSWORD)
        return seen

    seen = _when_signing(qtbot, sign)
    dialog.save_lines()
    assert _raised(seen) == [{"meaning": "hand confirmation", "title": "Lot chosen without a scan — pharmacist signs", "first": True}]
    assert dialog.message.text() == ""
    assert {line.identity for line in dialog.record.lines} == {"by hand"}
    hands = _hand_events(context, dialog.record.batch_number)
    assert len(hands) == len(dialog.record.lines) and {e.reason for e in hands} == {"scanner out of order; name and lot read on each container"}


# ------------------------------------------------------------------ the acknowledgement of findings (Make a batch)


def _findings_seen(signing: SigningDialog) -> dict:
    boxes = [signing.findChild(QFrame, f"reasonBox_{field.objectName().removeprefix('reason.')}") for field in signing.reasons]
    return {
        "class": type(signing), "name": signing.objectName(), "meaning": signing.meaning, "title": signing.windowTitle(),
        "codes": [field.objectName().removeprefix("reason.") for field in signing.reasons],
        "labels": [" ".join(label.text() for label in box.findChildren(QLabel)) for box in boxes],
        "first": signing.focusWidget() is signing.reasons[0], "username": signing.username.text(),
    }


def test_the_acknowledgement_is_the_signing_dialog_driven_by_its_keys(qtbot, batch_dialog):
    dialog, context, pharmacy = batch_dialog
    del dialog.decide  # the batch dialog's own: the signing dialog, not the tests' stand-in
    context.sign_in("paula", PASSWORD)
    order(dialog, pharmacy.version_id)
    made = _batches(context)

    # Escape: no batch is made, nothing signed.
    seen = _when_signing(qtbot, lambda signing: (_findings_seen(signing), QTest.keyClick(signing.reasons[0], Qt.Key.Key_Escape))[0])
    dialog.create()
    assert dialog.record is None and dialog.message.text().startswith("No batch made: ")
    (first,) = _raised(seen)
    codes = first.pop("codes")
    assert first.pop("labels") and codes  # the seed's warnings for Jane Q. Doe, born 1948
    assert first == {
        "class": SigningDialog, "name": "signingDialog", "meaning": "acknowledge", "title": "Acknowledge warnings", "first": True,
        "username": "paula",
    }
    assert _batches(context) == made

    def sign(signing: SigningDialog) -> dict:
        shown = _findings_seen(signing)
        for field in signing.reasons:  # each reason, Enter: on to the next, then to the password
            assert signing.focusWidget() is field
            _type(field, "prescriber consulted; reviewed with the patient")
        shown["then"] = signing.focusWidget() is signing.password
        _type(signing.password, "not her password")
        shown["refused"] = signing.password_message.text()
        shown["counted"] = _failed_sign_ins(context, "paula")
        _keep(signing, "acknowledge-findings-refused.png")
        _type(signing.password, PASSWORD)
        shown["open"] = signing.isVisible()
        return shown

    seen = _when_signing(qtbot, sign)
    dialog.create()
    (shown,) = _raised(seen)
    assert shown["codes"] == codes and shown["then"] and not shown["open"]
    for code, text in zip(shown["codes"], shown["labels"], strict=True):
        assert f"Acknowledge warning</b></span> — {code}" in text and f"Reason ({code}):" in text  # each reason labelled with its finding
    assert (shown["refused"], shown["counted"]) == ("Password: wrong user name or password", 1)
    assert dialog.message.text() == "" and dialog.record is not None
    decided = {a.code: a for a in dialog.record.acknowledgements}
    assert sorted(decided) == sorted(codes)
    assert {(a.by, a.reason, a.override) for a in decided.values()} == {("Paula Pharmacist, RPh", "prescriber consulted; reviewed with the patient", False)}


def test_an_acknowledgement_of_three_findings_as_shown(qtbot, records):
    """Rendered for the report: three findings, an override among them, each reason labelled with
    its finding, none cut off."""
    from compounder.ui.common.finding_decisions import findings_dialog

    context, _pharmacy, _record = records
    context.sign_in("paula", PASSWORD)
    findings = (
        Finding(Severity.ERROR, "NSAID_HYPERSENSITIVITY", "diclofenac sodium with patient allergy: NSAID or aspirin hypersensitivity", patient=True),
        Finding(Severity.WARNING, "MUSCLE_RELAXANT_OLDER_ADULT", "cyclobenzaprine hydrochloride for a patient aged 78 (Beers criteria: avoid)"),
        Finding(Severity.WARNING, "SUPPLY_BEYOND_BUD", "120 g at 2 g a day lasts 60 days, beyond the 14-day beyond-use date"),
    )
    dialog = findings_dialog(None, context, findings, "make the batch")
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.layout().activate()
    assert dialog.objectName() == "signingDialog" and dialog.meaning == "override"
    assert dialog.focusWidget() is dialog.reasons[0] and dialog.username.text() == "paula"
    # Each box shown whole: its reason field and tick inside the dialog, none scrolled away.
    area = dialog.findChild(QFrame, "reasons")
    for field in dialog.reasons:
        top = field.mapTo(area.viewport(), field.rect().topLeft()).y()
        assert 0 <= top and top + field.height() <= area.viewport().height(), field.objectName()
    # Tab order: the reason, the error's tick, the next reasons, the user name, the password.
    QTest.keyClicks(dialog.reasons[0], "prescriber confirmed the reaction was GI upset only")
    QTest.keyClick(dialog.reasons[0], Qt.Key.Key_Return)
    assert dialog.focusWidget() is dialog.ticks[0]  # the override's own tick is next
    QTest.keyClick(dialog.ticks[0], Qt.Key.Key_Space)
    QTest.keyClick(dialog.ticks[0], Qt.Key.Key_Return)
    assert dialog.ticks[0].isChecked() and dialog.focusWidget() is dialog.reasons[1]
    _keep(dialog, "acknowledge-three-findings.png")
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result_value is None


def test_the_workbenchs_acknowledgement_is_the_signing_dialog_and_needs_the_records(qtbot, records):
    """Printing from the workbench asks the same dialog; with no records open nobody can sign."""
    from compounder.ui.workbench.prompts import Prompts

    context, _pharmacy, _record = records
    warning = Finding(Severity.WARNING, "MUSCLE_RELAXANT_OLDER_ADULT", "cyclobenzaprine hydrochloride for a patient aged 78")
    prompts = Prompts()
    errors: list = []
    prompts.error = lambda title, text: errors.append((title, text))  # type: ignore[method-assign]
    assert prompts.acknowledge([warning]) is None
    assert errors == [("Nobody can sign", "No user accounts are open in this window, so nobody can sign; open the pharmacy database and try again.")]

    prompts.records = context
    context.sign_in("paula", PASSWORD)

    def sign(signing: SigningDialog) -> dict:
        seen = {"meaning": signing.meaning, "title": signing.windowTitle(), "first": signing.focusWidget() is signing.reasons[0]}
        _type(signing.reasons[0], "prescriber consulted; dose confirmed")
        _type(signing.password, PASSWORD)
        return seen

    seen = _when_signing(qtbot, sign)
    answers = prompts.acknowledge([warning])
    assert _raised(seen) == [{"meaning": "acknowledge", "title": "Acknowledge warnings", "first": True}]
    assert answers == [{"code": "MUSCLE_RELAXANT_OLDER_ADULT", "by": "Paula Pharmacist, RPh", "reason": "prescriber consulted; dose confirmed",
                        "role": "pharmacist", "at": "2026-11-23T09:00:00+00:00"}]


def test_with_more_findings_than_fit_enter_scrolls_each_reason_into_view(qtbot, records):
    from compounder.ui.common.finding_decisions import findings_dialog

    context, _pharmacy, _record = records
    context.sign_in("paula", PASSWORD)
    findings = [Finding(Severity.WARNING, f"WARNING_{n}", "a long finding, " * 20) for n in range(8)]
    dialog = findings_dialog(None, context, findings, "make the batch")
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    area = dialog.findChild(QFrame, "reasons")
    assert area.widget().height() > area.viewport().height()  # they do not all fit: the area scrolls
    for field in dialog.reasons:
        assert dialog.focusWidget() is field
        top = field.mapTo(area.viewport(), field.rect().topLeft()).y()
        assert 0 <= top and top + field.height() <= area.viewport().height(), field.objectName()  # the reason typed is in view
        _type(field, "prescriber consulted; reviewed with the patient")
    assert dialog.focusWidget() is dialog.password
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
