"""Ingredient lots: every lot in stock, soonest expiry first, with warnings; receiving a lot and
printing its label for the weighing station."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from compounder.calc.errors import InputError
from compounder.records.policy import Actor
from compounder.ui.common.date_field import DateField
from compounder.ui.common.entry_order import reading_order
from compounder.ui.common.inline_error import message_label
from compounder.ui.common.print_on_menu import print_on_menu

if TYPE_CHECKING:  # printing (ReportLab) is imported when first used
    from compounder.ui.common.batch_printing import PrintPdf
from compounder.ui.common.look import ERROR_TEXT, WARNING_TEXT
from compounder.ui.common.records_context import Failed, RecordsContext
from compounder.ui.common.table_model import RowsModel, rows_table

# The records' modules behind the dialog are imported when it opens: they load the records' model
# (~30 ms), which the window does not need to show.
if TYPE_CHECKING:
    from compounder.calc.catalog import Catalog
    from compounder.records import lots


LOT_HEADERS = ("Lot", "Stock form", "Ingredient", "Manufacturer", "Expires", "Left (g)", "Received (g)", "Potency", "Status")


def lot_status(lot: lots.Lot, on: dt.date) -> tuple[str, QColor | None]:
    if lot.expires < on:
        return f"expired {lot.expires.isoformat()} — do not use", ERROR_TEXT
    if lot.remaining <= 0:
        return "exhausted", ERROR_TEXT
    if lot.near_expiry(on):
        days = (lot.expires - on).days
        return ("expires today" if days == 0 else f"expires in {days} day{'s' if days != 1 else ''}"), WARNING_TEXT
    return "usable", None


class LotsDialog(QDialog):
    """Every lot in stock, soonest expiry first, with warnings; and the form to receive one."""

    def __init__(
        self, context: RecordsContext, parent: QWidget | None = None, *, print_pdf: PrintPdf | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        super().__init__(parent)
        self._catalog = catalog  # for the DEA schedule on a controlled substance's lot label
        self.setWindowTitle("Ingredient lots")
        self._print_pdf = print_pdf  # the pharmacy's lot label (weighing station), printed at receipt
        self.resize(1000, 560)
        self._context = context
        self.model = RowsModel(LOT_HEADERS, self)
        self.view = rows_table(self.model)
        self.ingredient, self.stock_form, self.manufacturer, self.lot_number = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        self.quantity, self.potency = QLineEdit(), QLineEdit()
        self.quantity.setPlaceholderText("grams, e.g. 500")
        self.potency.setPlaceholderText("% from the certificate of analysis, e.g. 99.6")
        # Typed from the container, never proposed: a lot's expiry sets the beyond-use date.
        self.expires = DateField("expiry date", required=True)
        self.receive_button = QPushButton("&Receive lot")
        self.receive_button.clicked.connect(self.receive)
        self.label_button = QPushButton("Print lot &label…")
        self.label_button.setToolTip("The label with the Code 128 the weighing station scans, for the selected lot")
        self.label_button.clicked.connect(lambda: self.print_label(self._selected_lot()))
        self.label_button.setVisible(print_pdf is not None)
        self.label_on_button, _ = print_on_menu(lambda _kind, choose: self.print_label(self._selected_lot(), choose=choose), ("lot_label",))
        self.label_on_button.setVisible(print_pdf is not None)
        self._found: list = []
        self.message = message_label()
        self.received = QLabel()
        form = QFormLayout()
        form.addRow("&Ingredient", self.ingredient)
        form.addRow("&Stock form", self.stock_form)
        form.addRow("&Manufacturer", self.manufacturer)
        form.addRow("&Lot number", self.lot_number)
        expires_label = QLabel("&Expires")
        expires_label.setBuddy(self.expires)
        expires_column = QVBoxLayout()
        expires_column.setSpacing(2)
        expires_column.addWidget(self.expires)
        expires_column.addWidget(self.expires.message)
        form.addRow(expires_label, expires_column)
        form.addRow("&Quantity received (g)", self.quantity)
        form.addRow("&Potency (CoA)", self.potency)
        form.addRow("", self.receive_button)
        box = QGroupBox("Receive a lot")
        box.setLayout(form)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        printing = QHBoxLayout()
        printing.addWidget(self.label_button)
        printing.addWidget(self.label_on_button)
        printing.addStretch(1)
        layout.addLayout(printing)
        layout.addWidget(box)
        layout.addWidget(self.message)
        layout.addWidget(self.received)
        layout.addWidget(close)
        context.signed_in.connect(self._signed_in)
        self._signed_in(context.actor)
        reading_order(
            self, self.ingredient, self.stock_form, self.manufacturer, self.lot_number, self.expires, self.quantity, self.potency,
            self.receive_button,
        )
        self.refresh()

    def _signed_in(self, actor: Actor | None) -> None:
        self.receive_button.setEnabled(actor is not None)
        self.receive_button.setToolTip("" if actor else "Sign in to receive a lot")

    def refresh(self) -> None:
        from compounder.records import lots

        on = self._context.today()
        found = self._context.run(lots.lots, write=False)
        if isinstance(found, Failed):
            self.message.setText(found.text)
            return
        self._found = found
        rows, hues, tips = [], [], []
        for lot in found:
            status, hue = lot_status(lot, on)
            rows.append((
                lot.lot_number, lot.stock_form, lot.ingredient, lot.manufacturer, lot.expires.isoformat(), f"{lot.remaining:f}",
                f"{lot.received:f}", "" if lot.potency_percent is None else f"{lot.potency_percent:f} %", status,
            ))
            hues.append(hue)
            tips.append(lot.label)
        self.model.set_rows(rows, hues, tips)

    def receive(self) -> None:
        from compounder.records import lots

        actor = self._context.actor
        if actor is None:
            self.message.setText("sign in to receive a lot")
            return
        try:
            expires = self.expires.date()  # as typed, or refused under the field
        except InputError:
            self.received.setText("")
            self.message.setText("")
            self.expires.setFocus()
            return
        assert expires is not None  # a required date
        lot = self._context.run(lambda session: lots.receive_lot(
            session, actor, ingredient=self.ingredient.text(), stock_form=self.stock_form.text(), manufacturer=self.manufacturer.text(),
            lot_number=self.lot_number.text(), expires=expires,
            quantity=self.quantity.text(), potency_percent=self.potency.text() or None, now=self._context.now(session),
        ))
        if isinstance(lot, Failed):
            self.received.setText("")
            self.message.setText(lot.text)
            return
        for field in (self.lot_number, self.quantity, self.potency):
            field.clear()
        self.expires.clear_entry()  # the next lot's expiry is read from its own container
        self.refresh()
        self.message.setText("")
        self.received.setText(f"Received lot {lot.lot_number} of {lot.stock_form}: {lot.received:f} g.")
        self.print_label(lot)

    def _selected_lot(self):
        rows = self.view.selectionModel().selectedRows()
        return self._found[rows[0].row()] if rows else None

    def print_label(self, lot, choose: bool = False) -> None:
        """The pharmacy's lot label for the weighing station's scanner, on the lot-label printer (or
        ``choose``: one picked in the print dialog, this once)."""
        if self._print_pdf is None:
            return
        if lot is None:
            self.message.setText("choose the lot whose label to print")
            return
        from compounder.calc.controlled import schedule_mark
        from compounder.documents.lot_label import LotLabel, lot_label_pdf

        schedule = schedule_mark(self._catalog, lot.stock_form) if self._catalog is not None else None
        pdf = lot_label_pdf(LotLabel(lot.id, lot.stock_form, lot.lot_number, lot.manufacturer, lot.expires, schedule))
        label = LotLabel(lot.id, lot.stock_form, lot.lot_number, lot.manufacturer, lot.expires, schedule)

        def zpl(dpi: int) -> bytes:  # made only for a Zebra chosen for lot labels, at its printhead's dpi
            from compounder.documents.zpl import lot_label_zpl

            return lot_label_zpl(label, dpi)

        self._print_pdf(f"Lot label {lot.lot_number}", pdf, "lot_label", zpl, choose=choose)
