"""Issue 28, the keys of a lot's receipt (Records ▸ Ingredient lots…): the dialog opens on the
ingredient; a salt the ingredient names fills the stock form in and Tab goes past it (Shift+Tab
reaches it); the optional supplier is out of a receipt's Tab chain; Enter on the release tick
adds the lot to the delivery (checked, as the button does; not yet signed) and the keys go back
to the ingredient for the next lot; Alt+N signs the delivery's receipt. Releasing from quarantine
stays an explicit Space, never carried to the next lot, and a controlled substance's receipt
record is still checked before any password is asked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from compounder.ui.records.lots_dialog import LotsDialog
from tests.records.helpers import PASSWORD
from tests.ui.conftest import answer_signing

TAB, BACKTAB, ENTER, SPACE = Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Return, Qt.Key.Key_Space


def _shown(qtbot, context, catalog) -> LotsDialog:
    dialog = LotsDialog(context, catalog=catalog)
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def _type(text: str, then=TAB) -> None:
    QTest.keyClicks(QApplication.focusWidget(), text)
    QTest.keyClick(QApplication.focusWidget(), then)


def _lot(dialog: LotsDialog, lot_number: str):
    return next(dialog.model.item(r) for r in range(dialog.model.rowCount()) if dialog.model.item(r).lot_number == lot_number)


def test_the_lots_dialog_opens_on_the_ingredient(qtbot, records, catalog):
    context = records[0]
    context.sign_in("paula", PASSWORD)
    dialog = _shown(qtbot, context, catalog)
    assert QApplication.focusWidget() is dialog.ingredient  # not on Find: no Alt+I before the first lot


def test_a_lot_is_received_by_keys_and_the_keys_go_back_to_the_ingredient(qtbot, records, catalog):
    context = records[0]
    context.sign_in("paula", PASSWORD)
    dialog = _shown(qtbot, context, catalog)
    _type("cyclobenzaprine HCl")  # the salt named: one stock form on file
    assert dialog.stock_form.text() == "cyclobenzaprine hydrochloride"
    assert QApplication.focusWidget() is dialog.manufacturer  # Tab went past the stock form filled in
    QTest.keyClick(dialog.manufacturer, BACKTAB)
    assert QApplication.focusWidget() is dialog.stock_form  # still reached by Shift+Tab, and editable
    QTest.keyClick(dialog.stock_form, TAB)
    _type("PCCA")
    assert QApplication.focusWidget() is dialog.lot_number  # the optional supplier is not in the way
    for text in ("CB-KEYS-1", "2027-11-23", "100", "99.8"):
        _type(text)
    assert QApplication.focusWidget() is dialog.release and not dialog.release.isChecked()
    QTest.keyClick(dialog.release, SPACE)  # the release stays the pharmacist's explicit choice
    QTest.keyClick(dialog.release, ENTER)  # adds the lot to the delivery, as Add to delivery does: checked, not signed
    assert len(dialog.delivery.receipts) == 1 and not any(r.lot_number == "CB-KEYS-1" for r in (dialog.model.item(i) for i in range(dialog.model.rowCount())))
    assert QApplication.focusWidget() is dialog.ingredient  # the next lot's ingredient, typed over
    assert dialog.ingredient.selectedText() == "cyclobenzaprine HCl" and not dialog.release.isChecked()
    seen = answer_signing(PASSWORD)
    QTest.keyClick(dialog.ingredient, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # Sign receipt of 1 lot (clicked once its animation ends)
    qtbot.waitUntil(lambda: bool(seen) and not dialog.delivery.receipts, timeout=20_000)
    assert seen[0]["meaning"] == "lot receipt" and "said" not in seen[0]
    assert "of cyclobenzaprine hydrochloride (cyclobenzaprine HCl) from PCCA: 100 g, potency 99.8" in seen[0]["subject"]
    lot = _lot(dialog, "CB-KEYS-1")
    assert (lot.ingredient, lot.stock_form, lot.manufacturer, lot.supplier) == ("cyclobenzaprine HCl", "cyclobenzaprine hydrochloride", "PCCA", None)
    assert (lot.expires, lot.received, lot.potency_percent, lot.status) == (dt.date(2027, 11, 23), Decimal(100), Decimal("99.8"), "released")
    dialog.activateWindow()  # offscreen, the closed signing dialog does not give the activation back (a desktop does)
    qtbot.waitUntil(dialog.isActiveWindow)
    assert QApplication.focusWidget() is dialog.ingredient  # the next lot's ingredient, typed over
    assert dialog.ingredient.selectedText() == "cyclobenzaprine HCl" and not dialog.release.isChecked()
    _type("lidocaine")  # a parent moiety: the base or one of its salts, the pharmacist says which
    assert dialog.stock_form.text() == "" and QApplication.focusWidget() is dialog.stock_form


def test_a_lot_left_unticked_is_received_into_quarantine_by_enter_in_the_potency(qtbot, records, catalog):
    context = records[0]
    context.sign_in("paula", PASSWORD)
    dialog = _shown(qtbot, context, catalog)
    for text in ("Lipoderm", "PCCA", "LD-KEYS-1", "2027-11-23", "1000"):
        _type(text)
    assert dialog.stock_form.text() == "Lipoderm"  # a base is itself
    _type("", ENTER)  # no potency on a base's certificate; Enter in the last field adds it to the delivery
    assert [r.lot_number for r in dialog.delivery.receipts] == ["LD-KEYS-1"] and QApplication.focusWidget() is dialog.ingredient
    QTest.keyClick(dialog.ingredient, Qt.Key.Key_Delete)  # the ingredient emptied: Enter signs
    seen = answer_signing(PASSWORD)
    QTest.keyClick(dialog.ingredient, ENTER)
    assert seen and seen[0]["meaning"] == "lot receipt"
    assert _lot(dialog, "LD-KEYS-1").status == "quarantined"  # not ticked: not released


def test_a_typed_stock_form_is_kept_when_the_ingredient_changes(qtbot, records, catalog):
    context = records[0]
    context.sign_in("paula", PASSWORD)
    dialog = _shown(qtbot, context, catalog)
    _type("lidocaine")
    _type("lidocaine hydrochloride, anhydrous")  # typed: the jar's own form
    QTest.keyClick(dialog.manufacturer, BACKTAB)
    QTest.keyClick(dialog.stock_form, BACKTAB)
    assert QApplication.focusWidget() is dialog.ingredient
    QTest.keyClicks(dialog.ingredient, " base")
    assert dialog.stock_form.text() == "lidocaine hydrochloride, anhydrous"  # never overwritten


def test_enter_on_a_controlled_receipt_checks_its_record_before_any_password(qtbot, records, catalog, monkeypatch):
    import compounder.ui.records.lots_dialog as lots_dialog

    context = records[0]
    context.sign_in("paula", PASSWORD)
    dialog = _shown(qtbot, context, catalog)
    asked: list = []
    monkeypatch.setattr(lots_dialog, "sign_delivery", lambda *args, **kwargs: asked.append(args))
    _type("ketamine HCl")
    assert dialog.stock_form.text() == "ketamine hydrochloride" and not dialog.controlled.isHidden()
    for text in ("Medisca", "K-KEYS-1", "2027-11-23", "25"):
        _type(text)
    _type("99.9", ENTER)
    assert dialog.message.text().startswith("give the supplier: the receipt of a C-III substance records it")
    assert asked == [] and dialog.delivery.receipts == []  # refused before the signing dialog, not added
    assert QApplication.focusWidget() is dialog.controlled_supplier  # the keys on the field refused
