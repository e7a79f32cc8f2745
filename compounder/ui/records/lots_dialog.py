"""Ingredient lots: every lot in stock, soonest expiry first, with warnings and its quarantine
status; receiving a delivery of lots (each typed and checked, then all signed once,
``delivery_list``: into quarantine, or released by the pharmacist receiving it; a controlled
substance with its supplier, DEA number and invoice), printing their labels for the weighing
station in one job, and the signed changes to a lot (``lot_change_dialog``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
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
from compounder.records.errors import RecordsError
from compounder.records.policy import Actor, Role
from compounder.ui.common.date_field import DateField
from compounder.ui.common.entry_order import reading_order
from compounder.ui.common.inline_error import message_label
from compounder.ui.common.print_on_menu import print_on_menu

if TYPE_CHECKING:  # printing (ReportLab) is imported when first used
    from compounder.ui.common.batch_printing import PrintPdf
from compounder.ui.common.paged_model import PagedRow, PagedRowsModel, paged_table
from compounder.ui.common.records_context import Failed, RecordsContext, failure
from compounder.ui.common.view_sizing import ColumnWidthStore
from compounder.ui.records.delivery_list import DeliveryList, Unreceived, ask_unreceived, received_text, sign_delivery
from compounder.ui.records.lot_rows import LOT_HEADERS, LOT_ORDER, lot_row

# The records' modules behind the dialog are imported when it opens: they load the records' model
# (~30 ms), which the window does not need to show.
if TYPE_CHECKING:
    from compounder.calc.catalog import Catalog
    from compounder.records.stock import LotReceipt


class LotsDialog(QDialog):
    """Every lot in stock, soonest expiry first, with warnings; and the form to receive one. The
    list reads the lots a page at a time as it is scrolled, found and sorted in the query."""

    def __init__(
        self, context: RecordsContext, parent: QWidget | None = None, *, print_pdf: PrintPdf | None = None,
        catalog: Catalog | None = None, widths: ColumnWidthStore | None = None,
    ) -> None:
        super().__init__(parent)
        self._catalog = catalog  # for the DEA schedule on a controlled substance's lot label
        self.setWindowTitle("Ingredient lots")
        self._print_pdf = print_pdf  # the pharmacy's lot label (weighing station), printed at receipt
        self.resize(1100, 660)  # the receipt form and the delivery beside it, and rows of the lots below
        self._context = context
        self.message = message_label()
        self.model = PagedRowsModel(LOT_HEADERS, self, sortable=range(len(LOT_ORDER)), sort_column=4)
        self.model.failed.connect(self.message.setText)
        self.view = paged_table(self.model, widths, "lots")
        self.matching = QLineEdit()
        self.matching.setPlaceholderText("the start of a lot number, stock form, ingredient or manufacturer")
        self.matching.textChanged.connect(lambda _text: self.refresh())
        self.shown = QLabel()
        self.ingredient, self.stock_form, self.manufacturer, self.lot_number = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        self.quantity, self.potency = QLineEdit(), QLineEdit()
        self.supplier = QLineEdit()
        self.supplier.setPlaceholderText("the wholesaler it was bought from (leave empty when bought from the manufacturer)")
        # Optional, and left empty when bought from the manufacturer: out of a receipt's Tab chain
        # (reached by Alt+U or a click), so Tab goes from the manufacturer to the lot number.
        self.supplier.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        # The stock form the catalog leaves no choice of (``calc.stock_forms``) is filled in from
        # the ingredient, and Tab goes past it (Shift+Tab or a click still reach it).
        self.stock_form_filled = False
        self.ingredient.textEdited.connect(self._fill_stock_form)
        self.stock_form.textEdited.connect(lambda _text: setattr(self, "stock_form_filled", False))
        self.quantity.setPlaceholderText("grams, e.g. 500")
        self.potency.setPlaceholderText("% from the certificate of analysis, e.g. 99.6")
        # Typed from the container, never proposed: a lot's expiry sets the beyond-use date.
        self.expires = DateField("expiry date", required=True)
        self.add_button = QPushButton("Add to delive&ry")
        self.add_button.setToolTip("Checks the lot and adds it to this delivery; Sign receipt receives every lot of it under one signature")
        self.add_button.clicked.connect(self.add_lot)
        self.delivery = DeliveryList()
        self.delivery.sign_button.clicked.connect(self.sign_receipt)
        self.delivery.changed.connect(self._update_default)
        self.ingredient.textChanged.connect(self._update_default)
        self.label_button = QPushButton("Print lot la&bel…")  # Alt+L is the lot number's
        self.label_button.setToolTip("The label with the Code 128 the weighing station scans, for the selected lot")
        self.label_button.clicked.connect(lambda: self.print_labels([self._selected_lot()]))
        self.label_button.setVisible(print_pdf is not None)
        self.label_on_button, _ = print_on_menu(lambda _kind, choose: self.print_labels([self._selected_lot()], choose=choose), ("lot_label",))
        self.label_on_button.setVisible(print_pdf is not None)
        from compounder.ui.records.lot_change_dialog import KINDS

        self.change_buttons = {}
        changes = QHBoxLayout()
        for kind, text in (("release", "Release (&CoA)…"), ("correct", "Correc&t…"), ("adjust", "Ad&just…"), ("loss", "Loss or t&heft…"),
                           ("destroy", "Destro&y…"), ("void", "V&oid…")):
            button = QPushButton(text)
            button.setToolTip(f"{KINDS[kind]}: for the selected lot; a pharmacist signs with the reason")
            button.clicked.connect(lambda _checked=False, k=kind: self.change_lot(k))
            changes.addWidget(button)
            self.change_buttons[kind] = button
        changes.addStretch(1)
        # On two lines: the form keeps a width that leaves room for the delivery beside it.
        self.release = QCheckBox("Release no&w: I am the pharmacist receiving it and have reviewed its\n"
                                 "certificate of analysis (identity confirmed; assay and expiry as entered)")
        self.controlled_supplier, self.supplier_address, self.supplier_dea, self.invoice, self.order_form = (QLineEdit() for _ in range(5))
        self.supplier_dea.setPlaceholderText("e.g. AB1234563")
        self.order_form.setPlaceholderText("Schedule II only: the order form or CSOS order number")
        controlled_form = QFormLayout()
        controlled_form.addRow("Supplier's re&gistered name", self.controlled_supplier)
        controlled_form.addRow("Supplier's a&ddress", self.supplier_address)
        controlled_form.addRow("Supplier's DE&A number", self.supplier_dea)
        controlled_form.addRow("In&voice number", self.invoice)
        controlled_form.addRow("Order form (DEA &222 or CSOS)", self.order_form)
        self.controlled = QGroupBox("Controlled substance: receipt record (21 CFR 1304.22(c))")
        self.controlled.setLayout(controlled_form)
        self.controlled.setVisible(False)
        self.stock_form.textChanged.connect(self._show_schedule)
        self.received = QLabel()
        form = QFormLayout()
        form.addRow("&Ingredient", self.ingredient)
        form.addRow("&Stock form", self.stock_form)
        form.addRow("&Manufacturer", self.manufacturer)
        form.addRow("S&upplier", self.supplier)
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
        form.addRow(self.controlled)
        form.addRow("", self.release)
        form.addRow("", self.add_button)
        box = QGroupBox("Receive a delivery: each lot, then sign once")
        box.setLayout(form)
        receiving = QHBoxLayout()
        receiving.addWidget(box, 3)
        receiving.addWidget(self.delivery, 2)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        # The receipt first (the dialog opens on its ingredient), then what was said of it, then the lots.
        layout.addLayout(receiving)
        layout.addWidget(self.message)
        layout.addWidget(self.received)
        find = QHBoxLayout()
        find_label = QLabel("&Find")
        find_label.setBuddy(self.matching)
        find.addWidget(find_label)
        find.addWidget(self.matching, 1)
        find.addWidget(self.shown)
        layout.addLayout(find)
        layout.addWidget(self.view, 1)
        printing = QHBoxLayout()
        printing.addWidget(self.label_button)
        printing.addWidget(self.label_on_button)
        printing.addStretch(1)
        layout.addLayout(printing)
        layout.addLayout(changes)
        layout.addWidget(close)
        context.signed_in.connect(self._signed_in)
        self._signed_in(context.actor)
        reading_order(
            self, self.ingredient, self.stock_form, self.manufacturer, self.supplier, self.lot_number, self.expires, self.quantity,
            self.potency, self.controlled_supplier, self.supplier_address, self.supplier_dea, self.invoice, self.order_form, self.release,
            self.add_button, self.delivery.list, self.delivery.sign_button, self.delivery.remove_button, self.matching,
        )
        # Enter in the receipt's last fields (the potency, a controlled substance's record) or on
        # the release tick adds the lot to the delivery, as the Add button does (checked, not signed).
        self._receive_on_enter = (self.potency, self.controlled_supplier, self.supplier_address, self.supplier_dea, self.invoice,
                                  self.order_form, self.release)
        for widget in self._receive_on_enter:
            widget.installEventFilter(self)
        self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            event.type() == QEvent.Type.KeyPress and watched in self._receive_on_enter and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        ):
            if self.add_button.isEnabled():
                self.add_lot()
            return True
        return super().eventFilter(watched, event)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002, N802 - Qt's names
        """Tab from the ingredient goes past a stock form filled in from it."""
        if next and self.stock_form_filled and self.focusWidget() is self.ingredient:
            self.manufacturer.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().focusNextPrevChild(next)

    def _fill_stock_form(self, ingredient: str) -> None:
        """The stock form the ingredient leaves no choice of, filled in; one filled in before for
        another ingredient is taken back (a stock form the pharmacist typed is left as typed)."""
        from compounder.calc.stock_forms import stock_forms

        forms = stock_forms(self._catalog, ingredient) if self._catalog is not None else ()
        if len(forms) == 1:
            self.stock_form.setText(forms[0])
            self.stock_form_filled = True
        elif self.stock_form_filled:
            self.stock_form.clear()
            self.stock_form_filled = False

    def _signed_in(self, actor: Actor | None) -> None:
        self.add_button.setEnabled(actor is not None)
        self.delivery.sign_button.setEnabled(actor is not None and bool(self.delivery.receipts))
        pharmacist = actor is not None and actor.role is Role.PHARMACIST
        self.release.setEnabled(pharmacist)
        self.release.setChecked(self.release.isChecked() and pharmacist)
        self.release.setToolTip("" if pharmacist else "A technician's receipt waits in quarantine until a pharmacist releases it")

    def _schedule(self, stock_form: str) -> str | None:
        from compounder.calc.controlled import schedule_mark

        return schedule_mark(self._catalog, stock_form.strip()) if self._catalog is not None and stock_form.strip() else None

    def _show_schedule(self, stock_form: str) -> None:
        schedule = self._schedule(stock_form)
        self.controlled.setVisible(schedule is not None)
        if schedule is not None:
            self.controlled.setTitle(f"{schedule} controlled substance: receipt record (21 CFR 1304.22(c))")

    def change_lot(self, kind: str) -> None:
        """A signed change to the selected lot (``LotChangeDialog``); the list is read again after."""
        from compounder.ui.records.lot_change_dialog import LotChangeDialog

        lot = self._selected_lot()
        if lot is None:
            self.message.setText("choose the lot first")
            return
        self.change_dialog = LotChangeDialog(self._context, lot, kind, self)
        if self.change_dialog.exec():
            self.refresh()
            self.message.setText("")
            self.received.setText(self.change_dialog.done_text)

    def refresh(self) -> None:
        """The lots matching what is typed under Find (every lot when nothing is), a page at a time."""
        from compounder.records import lots

        on, matching = self._context.today(), self.matching.text()
        count = self._context.run(lambda session: lots.lot_count(session, matching=matching), write=False)
        if isinstance(count, Failed):
            self.message.setText(count.text)
            return

        def fetch(offset: int, limit: int, column: int, descending: bool) -> list[PagedRow] | Failed:
            try:
                with self._context.reading() as session:
                    found = lots.lot_page(session, matching=matching, limit=limit, offset=offset, order_by=LOT_ORDER[column], descending=descending)
            except RecordsError as error:
                return failure(error)
            marks = {form: self._schedule(form) for form in {lot.stock_form for lot in found}}  # once per stock form, not per lot
            return [lot_row(lot, on, marks[lot.stock_form]) for lot in found]

        if self.model.load(fetch):
            self.shown.setText(f"{count:,} lot{'s' if count != 1 else ''}" + (" found" if matching.strip() else ""))

    def _typed_receipt(self) -> LotReceipt | None:
        """The lot in the form, checked by the records as its signature will check it
        (``stock.check_receipt``); None when refused, said inline with the keys on the field."""
        from compounder.records import stock

        self.received.setText("")
        try:
            expires = self.expires.date()  # as typed, or refused under the field
        except InputError:
            self.message.setText("")
            self.expires.setFocus()
            return None
        assert expires is not None  # a required date
        schedule = self._schedule(self.stock_form.text())
        receipt = stock.LotReceipt(
            self.ingredient.text(), self.stock_form.text(), self.manufacturer.text(), self.lot_number.text(), expires, self.quantity.text(),
            self.potency.text() or None, self.supplier.text() or None, self.release.isChecked(), schedule,
            stock.ControlledReceiptDetails(schedule, self.controlled_supplier.text(), self.supplier_address.text(), self.supplier_dea.text(),
                                           self.invoice.text(), self.order_form.text() or None) if schedule is not None else None,
        )
        checked = self._context.run(lambda session: stock.check_receipt(session, receipt, self._context.today(), alongside=self.delivery.receipts),
                                    write=False)
        if isinstance(checked, Failed):
            self.message.setText(checked.text)
            field = {"ingredient": self.ingredient, "stock_form": self.stock_form, "manufacturer": self.manufacturer, "supplier": self.supplier,
                     "lot_number": self.lot_number, "expires": self.expires, "quantity": self.quantity, "potency_percent": self.potency,
                     "controlled": self.controlled_supplier, "controlled.supplier": self.controlled_supplier,
                     "controlled.supplier_address": self.supplier_address, "controlled.supplier_dea": self.supplier_dea,
                     "controlled.invoice_number": self.invoice, "controlled.order_form": self.order_form}.get(getattr(checked.error, "field", ""))
            if field is not None:
                field.setFocus(Qt.FocusReason.OtherFocusReason)
            return None
        return receipt

    def add_lot(self) -> bool:
        """The lot in the form checked and added to the delivery (not yet received: the records
        hold it once the delivery is signed); the form made ready for the next container."""
        receipt = self._typed_receipt()
        if receipt is None:  # refused: the form kept as typed
            return False
        self.delivery.add(receipt)
        for field in (self.lot_number, self.quantity, self.potency, self.invoice, self.order_form):
            field.clear()
        self.expires.clear_entry()  # the next lot's expiry is read from its own container
        self.release.setChecked(False)  # each lot's certificate is reviewed on its own
        self.message.setText("")
        count = len(self.delivery.receipts)
        self.received.setText(f"Lot {receipt.lot_number.strip()} added to the delivery ({count} lot{'s' if count != 1 else ''}, not yet "
                              "received): add the next lot, or Sign receipt (Alt+N).")
        self.ingredient.setFocus(Qt.FocusReason.TabFocusReason)  # the next lot's ingredient, typed over (it is selected)
        self.ingredient.selectAll()
        return True

    def sign_receipt(self) -> bool:
        """Every lot of the delivery received under one signature; the list read again, their
        labels printed in one job. False when nothing was received (the delivery kept)."""
        if not self.delivery.receipts:
            self.message.setText("the delivery has no lot yet: type a lot and press Enter to add it")
            return False
        typed = self.lot_number.text().strip() or self.quantity.text().strip()
        if typed:  # a lot typed and not added: signing would leave it out unnoticed
            self.message.setText(f"the lot in the form ({typed}) is not in the delivery: press Enter to add it, or clear it, then sign")
            self.lot_number.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        received = sign_delivery(self, self._context, self.delivery.receipts)
        if not isinstance(received, list):  # cancelled, or a lot refused: nothing received, the delivery kept
            self.received.setText("")
            self.message.setText(received or "")
            return False
        self.delivery.clear()
        self.refresh()
        self.message.setText("")
        self.received.setText(received_text(received))
        self.ingredient.setFocus(Qt.FocusReason.TabFocusReason)
        self.ingredient.selectAll()
        self.print_labels(received)
        return True

    def reject(self) -> None:
        """Escape, Close or the window's close: lots not received yet are never dropped unasked."""
        if self.delivery.receipts:
            choice = ask_unreceived(self, len(self.delivery.receipts))
            if choice is Unreceived.KEEP_EDITING or (choice is Unreceived.SIGN and not self.sign_receipt()):
                return
        super().reject()

    def _update_default(self) -> None:
        """Enter signs once the delivery has lots and the ingredient is empty; otherwise it adds the lot typed."""
        pending = bool(self.delivery.receipts)
        self.delivery.sign_button.setEnabled(pending and self._context.actor is not None)
        (self.delivery.sign_button if pending and not self.ingredient.text().strip() else self.add_button).setDefault(True)

    def _selected_lot(self):
        rows = self.view.selectionModel().selectedRows()
        return self.model.item(rows[0].row()) if rows else None

    def print_labels(self, lots: list, choose: bool = False) -> None:
        """The pharmacy's lot labels for the weighing station's scanner, in one job on the
        lot-label printer (or ``choose``: one picked in the print dialog, this once)."""
        if self._print_pdf is None:
            return
        if not lots or None in lots:
            self.message.setText("choose the lot whose label to print")
            return
        from compounder.ui.records.lot_label_printing import print_lot_labels

        print_lot_labels(self._print_pdf, self._catalog, lots, choose=choose)
