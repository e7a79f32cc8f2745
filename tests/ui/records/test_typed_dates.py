"""Observation 11: a date typed into Ingredient lots ▸ Expires is stored exactly as typed or
refused with a message — select-all then ``2026-12-20`` stored 2027-12-20, and Tab-in then the
same keys stored 2026-12-12, when the field was a date-edit with sections."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from compounder.records import lots
from compounder.ui.records.lots_dialog import LotsDialog
from tests.records.helpers import PASSWORD
from tests.ui.conftest import answer_signing


@pytest.fixture
def lots_dialog(qtbot, records):
    context, _pharmacy, _record = records
    context.sign_in("tess", PASSWORD)
    dialog = LotsDialog(context)
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    for field, text in ((dialog.ingredient, "lidocaine"), (dialog.stock_form, "lidocaine hydrochloride monohydrate"),
                        (dialog.manufacturer, "Spectrum"), (dialog.quantity, "250")):
        field.setText(text)
    return dialog, context


def stored_expiry(context, lot_number: str) -> dt.date | None:
    with context.reading() as session:
        found = lots.lots(session, lot_number=lot_number)
    return found[0].expires if found else None


def test_select_all_then_typing_a_date_stores_that_date(lots_dialog):
    dialog, context = lots_dialog
    dialog.lot_number.setText("SEL-1")
    dialog.expires.setFocus()
    QTest.keyClick(dialog.expires, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(dialog.expires, "2026-12-20")
    assert dialog.add_lot()
    answer_signing()  # the delivery's receipt is signed with the password
    dialog.sign_receipt()
    assert stored_expiry(context, "SEL-1") == dt.date(2026, 12, 20)  # was 2027-12-20


def test_tab_into_the_field_then_typing_a_date_stores_that_date(lots_dialog):
    dialog, context = lots_dialog
    QTest.keyClicks(dialog.lot_number, "TAB-1")
    dialog.lot_number.setFocus()
    QTest.keyClick(dialog.lot_number, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.expires  # the next field read is the expiry
    QTest.keyClicks(QApplication.focusWidget(), "2026-12-20")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert dialog.add_lot()
    answer_signing()  # the delivery's receipt is signed with the password
    dialog.sign_receipt()
    assert stored_expiry(context, "TAB-1") == dt.date(2026, 12, 20)  # was 2026-12-12


def test_a_day_the_month_does_not_have_is_refused_with_a_message(lots_dialog):
    dialog, context = lots_dialog
    dialog.lot_number.setText("FEB-30")
    dialog.expires.setFocus()
    QTest.keyClick(dialog.expires, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(dialog.expires, "2026-02-30")
    QTest.keyClick(dialog.expires, Qt.Key.Key_Tab)
    assert not dialog.add_lot()
    assert stored_expiry(context, "FEB-30") is None  # nothing received
    assert dialog.expires.text() == "2026-02-30"  # kept as typed, not rolled to 2026-03-02
    message = dialog.expires.message
    assert message.isVisible()
    assert message.text() == "expiry date: '2026-02-30' is not a date: February 2026 has 28 days; type it as YYYY-MM-DD, e.g. 2027-06-30"


def test_an_empty_expiry_is_refused_not_proposed(lots_dialog):
    dialog, context = lots_dialog
    assert dialog.expires.text() == ""  # no guessed expiry a year ahead
    dialog.lot_number.setText("NONE-1")
    assert not dialog.add_lot()
    assert stored_expiry(context, "NONE-1") is None
    assert dialog.expires.message.text() == "expiry date: give the date as YYYY-MM-DD, e.g. 2027-06-30"
