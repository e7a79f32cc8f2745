"""Issue 28, the keys from a created batch to its printed label (the records' road is the quick
one): Sign as preparer saves the lines typed and not yet saved (one press; a refused line is
named and nothing is signed); Enter after a line's weight goes on to the next line's lot (never
to the Create batch button a workbench order made the default); once prepared, the keys go to the
first QC result the master formula asks, Enter enters it (a tick the person entering must set is
never set for them: Enter goes to it first), then to the blind check's first figure (Enter goes
on to the next figure, then compares), a match puts the keys on Sign as verifier, and a verified
batch on Print label. The QC fields have mnemonics; the verify view's table gives Tab back.

The fixture's batch: diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 % in 120 g of
Lipoderm, lots without an assay (the master formula's 100 %), on the 0.001 g balance. By hand:
  diclofenac 120 g × 3 % = 3.600 g; cyclobenzaprine 120 g × 2 % = 2.400 g; lidocaine 120 g × 5 % = 6.000 g;
  Lipoderm 120 − 3.6 − 2.4 − 6.0 = 108.000 g.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from compounder.calc.units import Q_
from compounder.records import batches, pharmacy_rules
from compounder.records.blind_check import set_blind_check_rule
from compounder.records.model import Batch
from compounder.ui.records import batch_dialog as batch_dialog_module
from tests.records.helpers import PASSWORD
from tests.ui.conftest import answer_signing, sign_click
from tests.ui.records.test_batch_records import order

GRAMS = {"diclofenac sodium": "3.600", "cyclobenzaprine hydrochloride": "2.400", "lidocaine": "6.000", "Lipoderm": "108.000"}


@pytest.fixture
def draft(batch_dialog, pharmacy_settings, qtbot):
    """Paula at the batch dialog, shown and active, a new draft made from an order as the
    workbench fills it in (Create batch the default); the pharmacy's final-weight tolerance 5 %
    and self-verification allowed."""
    dialog, context, pharmacy = batch_dialog
    pharmacy_settings["current"] = dataclasses.replace(
        pharmacy_settings["current"], final_weight_tolerance=Q_(5, "percent"), allow_self_verification=True)
    context.sign_in("paula", PASSWORD)
    order(dialog, pharmacy.version_id)
    dialog.create_button.setDefault(True)  # as the workbench's order leaves it
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.create()
    assert dialog.message.text() == "" and dialog.record is not None
    return dialog, context, pharmacy


def focus_is(qtbot, widget) -> None:
    """Until ``widget`` has the keys. Offscreen, a closed signing dialog can leave no window active
    (a desktop gives the activation back to the dialog under it): given back, without a key."""
    dialog = widget.window()
    if not dialog.isActiveWindow():
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def choose_lots(dialog, pharmacy) -> None:
    for box, line in zip(dialog.lot_boxes, dialog.record.lines, strict=True):
        box.setCurrentIndex(box.findData(pharmacy.lots[line.name].id))


def type_weights(dialog) -> None:
    for weight, line in zip(dialog.weights, dialog.record.lines, strict=True):
        weight.setFocus()
        QTest.keyClicks(weight, GRAMS[line.name])


def saved(context, number):
    with context.sessions() as s:
        return batches.batch_record(s, number)


def test_sign_as_preparer_saves_the_lines_typed_then_signs(draft):
    dialog, context, pharmacy = draft
    number = dialog.record.batch_number
    choose_lots(dialog, pharmacy)
    type_weights(dialog)
    assert sign_click(dialog.prepare_button) == ""  # one press: saved, then signed
    record = saved(context, number)
    assert record.status.value == "prepared"
    assert [(line.lot_id, line.actual) for line in record.lines] == [
        (pharmacy.lots[line.name].id, Decimal(GRAMS[line.name])) for line in record.lines]


def test_a_refused_line_is_named_and_nothing_is_saved_or_signed(draft, monkeypatch):
    dialog, context, pharmacy = draft
    number = dialog.record.batch_number
    choose_lots(dialog, pharmacy)
    type_weights(dialog)
    dialog.weights[1].setText("2,4x")
    asked = []
    monkeypatch.setattr(batch_dialog_module, "sign", lambda *args, **kwargs: asked.append(args))
    dialog.prepare_button.click()
    assert asked == []  # no signing dialog: the save was refused first
    assert dialog.message.text().startswith("line 2 (cyclobenzaprine hydrochloride): ") and "nothing was saved" in dialog.message.text()
    assert dialog.weights[1].text() == "2,4x"  # kept to correct
    record = saved(context, number)
    assert record.status.value == "draft" and all(line.actual is None and line.lot_id is None for line in record.lines)


def test_enter_after_a_weight_goes_to_the_next_lines_lot_and_never_makes_another_batch(draft, qtbot):
    dialog, context, pharmacy = draft
    number = dialog.record.batch_number
    dialog.lot_boxes[1].setCurrentIndex(0)  # "— choose a lot —": this line's lot is still to choose
    dialog.weights[0].setFocus()
    focus_is(qtbot, dialog.weights[0])
    QTest.keyClicks(dialog.weights[0], GRAMS["diclofenac sodium"])
    QTest.keyClick(dialog.weights[0], Qt.Key.Key_Return)
    focus_is(qtbot, dialog.lot_boxes[1])
    assert dialog.record.batch_number == number and dialog.message.text() == ""  # Create batch not pressed
    last = dialog.weights[-1]
    last.setFocus()
    QTest.keyClicks(last, GRAMS["Lipoderm"])
    QTest.keyClick(last, Qt.Key.Key_Return)
    focus_is(qtbot, dialog.prepare_button)  # the lines done: Sign as preparer next
    assert dialog.record.batch_number == number and dialog.record.status.value == "draft"
    with context.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == 2  # the fixture's prepared batch and this draft: no third


def test_the_only_usable_lot_is_chosen_and_the_keys_go_from_weight_to_weight(draft, qtbot):
    """Each line's stock form has one released, unexpired lot on hand (the fixture received one
    each): it is the line's lot, chosen when the lines are shown, and the keys start on the first
    weight; Enter goes to the next line's weight, after the last to Sign as preparer, which saves
    the lots with the weights."""
    dialog, context, pharmacy = draft
    number = dialog.record.batch_number
    lines = dialog.record.lines
    assert [box.currentData() for box in dialog.lot_boxes] == [pharmacy.lots[line.name].id for line in lines]
    assert all("only usable lot" in box.toolTip() for box in dialog.lot_boxes)
    focus_is(qtbot, dialog.weights[0])
    for index, line in enumerate(lines):
        QTest.keyClicks(dialog.weights[index], GRAMS[line.name])
        QTest.keyClick(dialog.weights[index], Qt.Key.Key_Return)
        focus_is(qtbot, dialog.weights[index + 1] if index + 1 < len(lines) else dialog.prepare_button)
    assert sign_click(dialog.prepare_button) == ""
    record = saved(context, number)
    assert record.status.value == "prepared"
    assert [(line.lot_id, line.actual) for line in record.lines] == [
        (pharmacy.lots[line.name].id, Decimal(GRAMS[line.name])) for line in record.lines]


def test_where_the_pharmacy_requires_the_scan_no_lot_is_chosen_for_anyone(batch_dialog, pharmacy_settings, qtbot):
    """Under the scan policy the container's scan says which lot is used: a lot chosen from the
    list needs a pharmacist's signed reason, so none is chosen for them."""
    dialog, context, pharmacy = batch_dialog
    with context.sessions.begin() as s:
        pharmacy_rules.set_rules(s, pharmacy.admin, dataclasses.replace(
            pharmacy_settings["current"], weighing_tolerance=Q_(5, "percent"), scan_required=True), context.clock())
    context.sign_in("paula", PASSWORD)
    order(dialog, pharmacy.version_id)
    dialog.create()
    assert dialog.record is not None, dialog.message.text()
    assert [box.currentData() for box in dialog.lot_boxes] == [None] * len(dialog.record.lines)


def prepared(dialog, pharmacy, qtbot):
    choose_lots(dialog, pharmacy)
    type_weights(dialog)
    dialog.save_lines()  # saved first here: these tests are of what comes after
    assert sign_click(dialog.prepare_button) == "", dialog.message.text()
    assert dialog.record.status.value == "prepared"
    dialog.activateWindow()  # offscreen, the signing dialog closed leaves no window active (see focus_is)
    qtbot.waitUntil(dialog.isActiveWindow)


def test_once_prepared_the_keys_enter_the_qc_the_blind_check_and_verify_then_print(draft, qtbot, printed):
    dialog, context, pharmacy = draft
    with context.sessions.begin() as s:
        set_blind_check_rule(s, pharmacy.admin, True, "actives", context.clock())
    panel = dialog.qc_panel
    prepared(dialog, pharmacy, qtbot)
    focus_is(qtbot, panel.final_weight)  # the first QC result the master formula asks
    QTest.keyClicks(panel.final_weight, "119.4")
    QTest.keyClick(panel.final_weight, Qt.Key.Key_Return)
    # 119.4 / 120 = 0.995 → yield 99.5 %, inside 120 g ± 5 % = 114 to 126 g
    assert "119.4 g of 120 g theoretical" in panel.results.text() and "yield 99.5 %" in panel.results.text()
    focus_is(qtbot, panel.appearance)
    QTest.keyClicks(panel.appearance, "smooth, uniform cream")
    QTest.keyClick(panel.appearance, Qt.Key.Key_Return)
    focus_is(qtbot, panel.appearance_conforms)  # the finding is the person's: Enter goes to the tick, enters nothing
    assert "appearance" not in panel.results.text() and not panel.appearance_conforms.isChecked()
    QTest.keyClick(panel.appearance_conforms, Qt.Key.Key_Space)
    QTest.keyClick(panel.appearance_conforms, Qt.Key.Key_Return)
    assert "<b>appearance</b>: smooth, uniform cream" in panel.results.text() and panel.missing.text() == ""
    assert "fails" not in panel.results.text()

    fields = list(dialog.blind_check.fields.values())
    assert len(fields) == 3  # the grams of each active
    focus_is(qtbot, fields[0])  # the blind check opens on its first figure
    for field, grams in zip(fields, ("3.600 g", "2.400 g", "6.000 g"), strict=True):
        assert QApplication.focusWidget() is field
        QTest.keyClicks(field, grams)
        QTest.keyClick(field, Qt.Key.Key_Return)  # on to the next figure; the last compares
    assert dialog.blind_check.result.text().startswith("Your 3 figure(s) match the plan (recorded)")
    focus_is(qtbot, dialog.verify_button)

    seen = answer_signing()
    QTest.keyClick(dialog.verify_button, Qt.Key.Key_Space)
    assert seen and seen[-1].get("said", "") == ""
    assert dialog.record.status.value == "verified" and dialog.record.verified_by == dialog.record.prepared_by
    focus_is(qtbot, dialog.print_label_button)
    QTest.keyClick(dialog.print_label_button, Qt.Key.Key_Space)
    assert dialog.message.text() == "" and [title for title, _pdf in printed] == [f"Label {dialog.record.batch_number}"]


def test_a_tick_left_clear_on_enter_is_entered_as_not_conforming(draft, qtbot):
    """Enter on the tick enters the result as the tick stands: left clear, it fails (said in red),
    never passed for the person."""
    dialog, _context, pharmacy = draft
    panel = dialog.qc_panel
    prepared(dialog, pharmacy, qtbot)
    panel.appearance.setFocus()
    QTest.keyClicks(panel.appearance, "lumps, separated")
    QTest.keyClick(panel.appearance, Qt.Key.Key_Return)
    focus_is(qtbot, panel.appearance_conforms)
    QTest.keyClick(panel.appearance_conforms, Qt.Key.Key_Return)
    assert "<b>appearance</b>: lumps, separated" in panel.results.text() and "fails" in panel.results.text()


def test_the_qc_fields_have_mnemonics(draft, qtbot):
    dialog, _context, pharmacy = draft
    panel = dialog.qc_panel
    prepared(dialog, pharmacy, qtbot)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    focus_is(qtbot, panel.final_weight)
    panel.results.setFocus()  # somewhere else
    QTest.keyClick(dialog, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    focus_is(qtbot, panel.appearance)
    QTest.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    focus_is(qtbot, panel.final_weight)


def test_tab_leaves_the_verify_views_table(draft, qtbot):
    dialog, _context, pharmacy = draft
    prepared(dialog, pharmacy, qtbot)
    table = dialog.verify_view.table
    dialog.verify_view.setVisible(True)
    table.setFocus()
    focus_is(qtbot, table)
    QTest.keyClick(table, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not table)



def test_enter_on_a_lot_never_presses_create_batch_again(draft, qtbot):
    """The Create batch the workbench's order made the default comes back as the default whenever
    the keys leave a button; with a batch on show, Enter presses only the button that has the keys."""
    dialog, context, _pharmacy = draft
    number = dialog.record.batch_number
    dialog.prepare_button.setFocus()
    focus_is(qtbot, dialog.prepare_button)
    dialog.lot_boxes[1].setFocus()  # the keys leave a button: Qt makes the dialog's default button the default again
    focus_is(qtbot, dialog.lot_boxes[1])
    QTest.keyClick(dialog.lot_boxes[1], Qt.Key.Key_Return)
    assert dialog.record.batch_number == number and dialog.message.text() == ""
    with context.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == 2  # the fixture's prepared batch and this draft: no third



def test_enter_in_or_open_batch_opens_that_batch_and_makes_none(draft, qtbot):
    """A batch number typed in "or open batch" and Enter opens that batch: before, Enter pressed
    the dialog's default, Create batch, and made another batch from the form."""
    dialog, context, _pharmacy = draft
    with context.sessions() as s:
        other = s.scalar(select(Batch.batch_number).where(Batch.batch_number != dialog.record.batch_number))
    dialog.open_number.setFocus()
    focus_is(qtbot, dialog.open_number)
    QTest.keyClicks(dialog.open_number, other)
    QTest.keyClick(dialog.open_number, Qt.Key.Key_Return)
    assert dialog.record.batch_number == other, dialog.message.text()
    with context.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == 2  # the fixture's prepared batch and the draft: no third

def shared_mnemonics(dialog) -> dict[str, list[str]]:
    """The Alt letters two or more visible, enabled controls of ``dialog`` answer to. Qt moves the
    keys between controls that share one instead of pressing the button, so Alt+P would only
    focus Sign as preparer when another control shows the same letter."""
    import re

    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel

    letters: dict[str, list[str]] = {}
    for widget in dialog.findChildren(QAbstractButton) + dialog.findChildren(QLabel) + dialog.findChildren(QGroupBox):
        if not widget.isVisibleTo(dialog) or not widget.isEnabled():
            continue
        if isinstance(widget, QLabel) and widget.buddy() is None:
            continue
        text = widget.title() if isinstance(widget, QGroupBox) else widget.text()
        found = re.search(r"(?<!&)&([^&\s])", text.replace("&&", ""))
        if found:
            letters.setdefault(found.group(1).lower(), []).append(text)
    return {letter: texts for letter, texts in letters.items() if len(texts) > 1}


def test_no_two_visible_controls_share_an_alt_letter_at_any_step(draft, qtbot, printed):
    """Alt+letter presses a button only when no other control on show has that letter; at every
    step of the batch (the draft, prepared with its QC and blind check, verified) each letter is
    one control's. Before: Create batch and Prescriber (C), Master formula and refills (F), Rx
    number and directions (R), the dose amount and Link remake or Compare my figures (M), Record
    deviation and Sign as verifier (V), and on a verified batch Print label and the QC's final
    weight (L), Amend and Appearance (A): Alt+L on a verified batch moved the keys to a field that
    could no longer be typed in instead of printing the label."""
    dialog, context, pharmacy = draft
    with context.sessions.begin() as s:
        set_blind_check_rule(s, pharmacy.admin, True, "actives", context.clock())
    assert shared_mnemonics(dialog) == {}, "the draft"
    prepared(dialog, pharmacy, qtbot)
    assert shared_mnemonics(dialog) == {}, "prepared: the QC results and the blind check"
    panel = dialog.qc_panel
    for field, text in ((panel.final_weight, "119.4"), (panel.appearance, "smooth, uniform cream")):
        focus_is(qtbot, field) if field is panel.final_weight else field.setFocus()
        QTest.keyClicks(field, text)
        QTest.keyClick(field, Qt.Key.Key_Return)
    QTest.keyClick(panel.appearance_conforms, Qt.Key.Key_Space)
    QTest.keyClick(panel.appearance_conforms, Qt.Key.Key_Return)
    for field, grams in zip(dialog.blind_check.fields.values(), ("3.600 g", "2.400 g", "6.000 g"), strict=True):
        field.setFocus()
        QTest.keyClicks(field, grams)
        QTest.keyClick(field, Qt.Key.Key_Return)
    answer_signing()
    QTest.keyClick(dialog.verify_button, Qt.Key.Key_Space)
    assert dialog.record.status.value == "verified", dialog.message.text()
    assert shared_mnemonics(dialog) == {}, "verified"
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    QTest.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # Print label, pressed
    qtbot.waitUntil(lambda: [title for title, _pdf in printed] == [f"Label {dialog.record.batch_number}"])
