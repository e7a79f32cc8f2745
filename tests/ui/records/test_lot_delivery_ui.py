"""Issue 28 (the road through the records), one delivery of several lots received with one
signature and one print of their labels: in Ingredient lots, Enter checks the lot typed and adds it
to "This delivery"; Sign receipt of N lots opens one signing dialog for them all; the labels print
in one job. Nothing typed is lost: a cancelled signature keeps the delivery, a lot can be taken out
with Delete, and closing with lots not received asks first."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pypdfium2
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from compounder.records import lots
from compounder.ui.records.lots_dialog import LotsDialog
from tests.records.helpers import PASSWORD
from tests.ui.conftest import Printed, answer_signing

TAB, ENTER, SPACE, DELETE = Qt.Key.Key_Tab, Qt.Key.Key_Return, Qt.Key.Key_Space, Qt.Key.Key_Delete
ALT = Qt.KeyboardModifier.AltModifier


def _shown(qtbot, context, catalog, printed=None) -> LotsDialog:
    dialog = LotsDialog(context, catalog=catalog, print_pdf=printed)
    qtbot.add_widget(dialog, before_close_func=lambda shown: shown.delivery.clear())  # closed at teardown without the question
    dialog.show()
    qtbot.waitExposed(dialog)
    _active(qtbot, dialog)
    return dialog


def _active(qtbot, dialog) -> None:
    dialog.activateWindow()  # offscreen, a closed dialog does not give the activation back (a desktop does)
    qtbot.waitUntil(dialog.isActiveWindow)


def _type(text: str, then=TAB) -> None:
    QTest.keyClicks(QApplication.focusWidget(), text)
    QTest.keyClick(QApplication.focusWidget(), then)


def _add_by_keys(dialog: LotsDialog, ingredient: str, manufacturer: str, lot_number: str, quantity: str, potency: str, *, release: bool) -> None:
    """One container typed as a pharmacist types it, from the ingredient to Enter on the release tick."""
    assert QApplication.focusWidget() is dialog.ingredient
    _type(ingredient)
    if QApplication.focusWidget() is dialog.stock_form:  # a base is itself, a salt named fills it in; otherwise typed
        _type(ingredient)
    for text in (manufacturer, lot_number, "2027-11-23", quantity, potency):
        _type(text)
    assert QApplication.focusWidget() is dialog.release and not dialog.release.isChecked()  # never carried over
    if release:
        QTest.keyClick(dialog.release, SPACE)
    QTest.keyClick(dialog.release, ENTER)


def _stored(context, lot_number: str):
    with context.sessions() as s:
        found = lots.lots(s, lot_number=lot_number)
    return found[0] if found else None


def _answer_later(act) -> None:
    """``act(widget)`` on the next modal dialog once it is open (inside its own event loop)."""

    def answer() -> None:
        shown = QApplication.activeModalWidget()
        if shown is None or isinstance(shown, LotsDialog):
            QTimer.singleShot(0, answer)
            return
        act(shown)

    QTimer.singleShot(0, answer)


def _two_lots(qtbot, records, catalog, printed=None) -> LotsDialog:
    context = records[0]
    context.sign_in("paula", PASSWORD)
    dialog = _shown(qtbot, context, catalog, printed)
    _add_by_keys(dialog, "cyclobenzaprine HCl", "PCCA", "DL-1", "100", "99.8", release=True)
    _add_by_keys(dialog, "Lipoderm", "PCCA", "DL-2", "1000", "", release=False)
    return dialog


def test_two_lots_added_with_enter_are_received_under_one_signature_and_their_labels_print_once(qtbot, records, catalog):
    printed = Printed()
    dialog = _two_lots(qtbot, records, catalog, printed)
    context = records[0]
    assert _stored(context, "DL-1") is None and _stored(context, "DL-2") is None  # added, not received
    assert dialog.delivery.list.count() == 2 and dialog.delivery.title() == "This delivery (not yet received: sign to receive)"
    assert dialog.delivery.list.item(0).text().startswith("1. Lot DL-1 of cyclobenzaprine hydrochloride (cyclobenzaprine HCl) from PCCA: 100 g")
    assert dialog.delivery.list.item(1).text().endswith("in quarantine until a pharmacist releases it")
    assert dialog.delivery.sign_button.text() == "Sig&n receipt of 2 lots"
    assert QApplication.focusWidget() is dialog.ingredient and dialog.ingredient.selectedText() == "Lipoderm"
    assert (dialog.lot_number.text(), dialog.quantity.text(), dialog.potency.text()) == ("", "", "")
    seen = answer_signing(PASSWORD)
    QTest.keyClick(dialog.ingredient, Qt.Key.Key_N, ALT)  # Sign receipt of 2 lots (a mnemonic clicks once its animation ends)
    qtbot.waitUntil(lambda: bool(seen) and dialog.delivery.list.count() == 0, timeout=20_000)
    assert len(seen) == 1 and seen[0]["meaning"] == "lot receipt" and "said" not in seen[0]  # one signature, one password
    assert "The receipt of 2 lots" in seen[0]["subject"]
    assert "1. Lot DL-1 of cyclobenzaprine hydrochloride (cyclobenzaprine HCl) from PCCA: 100 g, potency 99.8 %, expires 2027-11-23; released" in seen[0]["subject"]
    assert "2. Lot DL-2 of Lipoderm (Lipoderm) from PCCA: 1000 g, potency not given, expires 2027-11-23; in quarantine" in seen[0]["subject"]
    first, second = _stored(context, "DL-1"), _stored(context, "DL-2")
    assert (first.received, first.potency_percent, first.status) == (Decimal(100), Decimal("99.8"), "released")
    assert (second.received, second.potency_percent, second.status) == (Decimal(1000), None, "quarantined")
    assert dialog.delivery.list.count() == 0 and dialog.delivery.receipts == []
    assert dialog.received.text() == ("Received 2 lots: DL-1 of cyclobenzaprine hydrochloride, 100 g, released; "
                                      "DL-2 of Lipoderm, 1000 g, in quarantine.")
    listed = {dialog.model.item(r).lot_number for r in range(dialog.model.rowCount())}
    assert {"DL-1", "DL-2"} <= listed  # the list read again
    assert len(printed) == 1  # one print job, not one per lot
    title, pdf = printed[0]
    assert title == "Lot labels (2 lots): DL-1, DL-2"
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    try:
        pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    assert len(pages) == 2 and "Lot DL-1 · PCCA" in pages[0] and "Lot DL-2 · PCCA" in pages[1]


def test_a_cancelled_signature_keeps_the_delivery(qtbot, records, catalog):
    dialog = _two_lots(qtbot, records, catalog)
    _answer_later(lambda shown: QTest.keyClick(shown, Qt.Key.Key_Escape))
    dialog.delivery.sign_button.click()
    assert len(dialog.delivery.receipts) == 2 and dialog.delivery.list.count() == 2
    assert _stored(records[0], "DL-1") is None and _stored(records[0], "DL-2") is None
    seen = answer_signing("not the password")  # refused, then Escape: nothing stored, the delivery kept
    dialog.delivery.sign_button.click()
    assert seen[0]["said"] == "Password: wrong user name or password"
    assert len(dialog.delivery.receipts) == 2 and _stored(records[0], "DL-1") is None


def test_a_lot_refused_at_the_signature_stores_nothing_and_the_delivery_is_kept(qtbot, records, catalog):
    from compounder.records import stock
    from tests.records.signing_helpers import credentials_of

    dialog = _two_lots(qtbot, records, catalog)
    context, pharmacy, _record = records
    with context.sessions.begin() as s:  # another workstation received DL-2 meanwhile
        stock.receive(s, credentials_of(pharmacy.pharmacist), schedule=None, controlled=None, ingredient="Lipoderm", stock_form="Lipoderm",
                      manufacturer="PCCA", lot_number="DL-2", expires=dt.date(2027, 11, 23), quantity="1000", potency_percent=None,
                      now=context.clock())
    seen = answer_signing(PASSWORD)
    dialog.delivery.sign_button.click()
    assert "lot 2 of the delivery (DL-2 of Lipoderm): lot DL-2 of Lipoderm from PCCA is already in stock" in seen[0]["said"]
    assert _stored(context, "DL-1") is None  # all or nothing
    assert len(dialog.delivery.receipts) == 2
    assert dialog.message.text().startswith("lot 2 of the delivery (DL-2 of Lipoderm)")


def test_closing_with_lots_not_received_asks_and_keep_editing_keeps_them(qtbot, records, catalog):
    dialog = _two_lots(qtbot, records, catalog)
    asked: list[str] = []

    def answer(box) -> None:
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        asked.append(box.defaultButton().text())
        QTest.keyClick(box, ENTER)  # the default: Keep editing

    _answer_later(answer)
    QTest.keyClick(dialog.ingredient, Qt.Key.Key_Escape)
    assert asked == ["2 lots are not received yet.", "&Keep editing"]
    assert dialog.isVisible() and len(dialog.delivery.receipts) == 2
    _active(qtbot, dialog)
    _answer_later(lambda box: next(b for b in box.buttons() if b.text() == "&Discard").click())
    dialog.close()  # the window's close asks the same
    assert not dialog.isVisible() and _stored(records[0], "DL-1") is None  # discarded: nothing stored


def test_sign_receipt_from_the_closing_question_receives_the_delivery(qtbot, records, catalog):
    dialog = _two_lots(qtbot, records, catalog)
    seen = answer_signing(PASSWORD)
    _answer_later(lambda box: next(b for b in box.buttons() if b.text() == "&Sign receipt").click())
    dialog.reject()
    assert seen and "said" not in seen[0]
    assert not dialog.isVisible() and _stored(records[0], "DL-1") is not None and _stored(records[0], "DL-2") is not None


def test_delete_takes_a_lot_out_of_the_delivery(qtbot, records, catalog):
    dialog = _two_lots(qtbot, records, catalog)
    dialog.delivery.list.setFocus()
    dialog.delivery.list.setCurrentRow(0)
    QTest.keyClick(dialog.delivery.list, DELETE)
    assert [r.lot_number for r in dialog.delivery.receipts] == ["DL-2"] and dialog.delivery.list.count() == 1
    assert dialog.delivery.sign_button.text() == "Sig&n receipt of 1 lot"
    seen = answer_signing(PASSWORD)
    dialog.delivery.sign_button.click()
    assert seen and "The receipt of" not in seen[0]["subject"] and "DL-1" not in seen[0]["subject"]
    assert _stored(records[0], "DL-1") is None and _stored(records[0], "DL-2") is not None


def test_a_refused_lot_is_named_inline_and_the_form_kept_as_typed(qtbot, records, catalog):
    context = records[0]
    context.sign_in("paula", PASSWORD)
    dialog = _shown(qtbot, context, catalog)
    for text in ("Lipoderm", "PCCA", "LD-BAD", "2027-11-23", "-5"):
        _type(text)
    _type("", ENTER)
    assert dialog.message.text() == "quantity received: a weight cannot be negative ('-5')"
    assert QApplication.focusWidget() is dialog.quantity and dialog.quantity.text() == "-5" and dialog.lot_number.text() == "LD-BAD"
    assert dialog.delivery.receipts == []


def test_enter_on_the_empty_ingredient_signs_a_single_lot(qtbot, records, catalog):
    context = records[0]
    context.sign_in("paula", PASSWORD)
    dialog = _shown(qtbot, context, catalog)
    _add_by_keys(dialog, "Lipoderm", "PCCA", "LD-ONE", "500", "", release=False)
    assert not dialog.delivery.sign_button.isDefault()  # the ingredient still holds the last one (typed over)
    QTest.keyClick(dialog.ingredient, Qt.Key.Key_Delete)
    assert dialog.delivery.sign_button.isDefault()
    seen = answer_signing(PASSWORD)
    QTest.keyClick(dialog.ingredient, ENTER)
    assert len(seen) == 1 and seen[0]["subject"].startswith("Lot LD-ONE of Lipoderm (Lipoderm) from PCCA: 500 g")
    assert _stored(context, "LD-ONE").status == "quarantined"
    assert dialog.received.text() == "Received lot LD-ONE of Lipoderm: 500 g, in quarantine until a pharmacist releases it."


def test_signing_with_a_lot_typed_but_not_added_asks_to_add_it_first(qtbot, records, catalog, monkeypatch):
    import compounder.ui.records.lots_dialog as lots_dialog

    dialog = _two_lots(qtbot, records, catalog)
    for text in ("Lipoderm", "PCCA", "DL-3"):  # the ingredient (typed over), the manufacturer (selected by Tab), the lot number
        _type(text)
    asked: list = []
    monkeypatch.setattr(lots_dialog, "sign_delivery", lambda *args: asked.append(args))  # no signing dialog may open
    dialog.delivery.sign_button.click()
    assert dialog.message.text() == "the lot in the form (DL-3) is not in the delivery: press Enter to add it, or clear it, then sign"
    assert asked == [] and _stored(records[0], "DL-1") is None


def test_no_two_controls_on_show_share_an_alt_letter(qtbot, records, catalog):
    """Alt+L went to the lot number or to Print lot label by turns (Qt moves the keys between
    controls sharing a letter instead of pressing the button): Print lot label is Alt+B now, with
    the DEA number on Alt+A and Release (CoA) on Alt+C. Checked with the lots the dialog lists."""
    from tests.ui.records.test_batch_keys import shared_mnemonics

    context, *_ = records
    context.sign_in("paula", PASSWORD)
    dialog = _shown(qtbot, context, catalog, Printed())
    assert shared_mnemonics(dialog) == {}
    # A controlled stock form shows the receipt record: its Order form field was Alt+F, as Find is;
    # it is Alt+2 (DEA Form 222) now.
    dialog.stock_form.setText("ketamine hydrochloride")
    assert dialog.controlled.isVisible()
    assert shared_mnemonics(dialog) == {}
