"""One delivery's lots, added one by one in Ingredient lots and received together under one
signature, as a paper receiving log is signed once per delivery: the list of lots not yet
received (each checked by the records as it was added), taking a lot out (Delete), the signature
of them all (``sign_delivery``), and the question asked when the dialog closes with lots still in
the list (``ask_unreceived``). Nothing typed is lost: the list stays until it is signed or the
pharmacist discards it."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QListWidget, QPushButton, QVBoxLayout, QWidget

from compounder.ui.common.signing_dialog import sign, stored

if TYPE_CHECKING:
    from compounder.records.lots import Lot
    from compounder.records.stock import LotReceipt
    from compounder.ui.common.records_context import RecordsContext

TITLE = "This delivery (not yet received: sign to receive)"
#: Rows the list shows before it scrolls: a delivery of four containers without a scroll bar.
ROWS_SHOWN = 4


def describe(receipt: LotReceipt) -> str:
    """One lot of the delivery as the list and the signature show it: lot number, stock form,
    quantity, potency, expiry, and whether the signer releases it or it waits in quarantine."""
    potency = receipt.potency_percent.strip() if receipt.potency_percent else ""
    text = (f"Lot {receipt.lot_number.strip()} of {receipt.stock_form.strip()} ({receipt.ingredient.strip()}) from {receipt.manufacturer.strip()}: "
            f"{receipt.quantity.strip()} g, potency {potency + ' %' if potency and not potency.endswith('%') else potency or 'not given'}, "
            f"expires {receipt.expires.isoformat()}")
    if receipt.schedule is not None and receipt.controlled is not None:
        text += f"; {receipt.schedule}, invoice {receipt.controlled.invoice_number.strip()} from {receipt.controlled.supplier.strip()}"
    return text + ("; released on review of its certificate of analysis" if receipt.release else "; in quarantine until a pharmacist releases it")


def subject(receipts: Sequence[LotReceipt]) -> str:
    """What the one signature of a delivery covers: every lot, each on its own line."""
    if len(receipts) == 1:
        return describe(receipts[0])
    return f"The receipt of {len(receipts)} lots, one delivery:\n" + "\n".join(f"{n}. {describe(r)}" for n, r in enumerate(receipts, 1))


class DeliveryList(QGroupBox):
    """The lots added and not yet received, with Take out (Delete) and Sign receipt of N lots.
    ``changed`` when a lot is added or taken out, or the list is emptied."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(TITLE, parent)
        self.setObjectName("delivery")
        self.receipts: list[LotReceipt] = []
        self.list = QListWidget(self)
        self.list.setObjectName("deliveryLots")
        self.list.setWordWrap(True)
        self.list.setMinimumHeight(self.list.fontMetrics().lineSpacing() * ROWS_SHOWN + 2 * self.list.frameWidth() + 8)
        self.list.installEventFilter(self)
        self.remove_button = QPushButton("Ta&ke out of the delivery", self)
        self.remove_button.setToolTip("The selected lot leaves the delivery, not received (Delete in the list)")
        self.remove_button.clicked.connect(self.remove_selected)
        self.sign_button = QPushButton(self)
        self.sign_button.setToolTip("One signature receives every lot of the list (your password); their labels print in one job")
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self._show()

    def add(self, receipt: LotReceipt) -> None:
        self.receipts.append(receipt)
        self._show()
        self.changed.emit()

    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.receipts) or not self.list.currentItem().isSelected():
            return
        del self.receipts[row]
        self._show()
        if self.receipts:
            self.list.setCurrentRow(min(row, len(self.receipts) - 1))
        self.changed.emit()

    def clear(self) -> None:
        self.receipts.clear()
        self._show()
        self.changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (watched is self.list and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.list.currentItem() is not None):
            self.remove_selected()
            return True
        return super().eventFilter(watched, event)

    def _show(self) -> None:
        self.list.clear()
        self.list.addItems([f"{n}. {describe(receipt)}" for n, receipt in enumerate(self.receipts, 1)])
        count = len(self.receipts)
        self.sign_button.setText(f"Sig&n receipt of {count} lot{'s' if count != 1 else ''}" if count else "Sig&n receipt (add a lot first)")
        self.remove_button.setEnabled(bool(count))


def sign_delivery(parent: QWidget, context: RecordsContext, receipts: Sequence[LotReceipt]) -> list[Lot] | str | None:
    """Every lot of ``receipts`` received under one signature (``stock.receive_delivery``, one
    transaction): the lots received; or the records' refusal of a lot, said in the signing dialog
    and returned here once it was cancelled (nothing was received); or None when cancelled."""
    from compounder.records import stock

    refused: list[str] = []

    def write(session, signature):
        try:
            return stock.receive_delivery(session, signature.credentials, list(receipts), context.now(session))
        except stock.DeliveryRefused as error:
            refused.append(str(error))
            raise

    count = len(receipts)
    title = None if count == 1 else f"Sign the receipt of {count} lots"
    received = sign(parent, context, "lot receipt", subject(receipts), stored(context, write), title=title)
    if received is None and refused:
        return refused[-1]
    return received


def received_text(received: Sequence[Lot]) -> str:
    """What was received, said under the form: each lot, released or in quarantine."""
    if len(received) == 1:
        lot = received[0]
        where = "released" if lot.status == "released" else "in quarantine until a pharmacist releases it"
        return f"Received lot {lot.lot_number} of {lot.stock_form}: {lot.received:f} g, {where}."
    return f"Received {len(received)} lots: " + "; ".join(
        f"{lot.lot_number} of {lot.stock_form}, {lot.received:f} g, {'released' if lot.status == 'released' else 'in quarantine'}"
        for lot in received) + "."


class Unreceived(enum.Enum):
    SIGN = "sign"
    DISCARD = "discard"
    KEEP_EDITING = "keep editing"


def ask_unreceived(parent: QWidget, count: int) -> Unreceived:
    """The dialog is closing with ``count`` lots not received: sign their receipt, discard them,
    or keep editing (the default, and Escape)."""
    from PySide6.QtWidgets import QMessageBox

    lots = f"{count} lot{'s are' if count != 1 else ' is'}"
    box = QMessageBox(QMessageBox.Icon.Question, "Lots not received", f"{lots} not received yet.", parent=parent)
    box.setObjectName("unreceived")
    box.setInformativeText("Sign their receipt now, discard them (nothing is stored), or keep editing the delivery.")
    sign_button = box.addButton("&Sign receipt", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    if clicked is sign_button:
        return Unreceived.SIGN
    if clicked is discard:
        return Unreceived.DISCARD
    return Unreceived.KEEP_EDITING
