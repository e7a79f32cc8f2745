"""One change to a lot, signed: the release of a quarantined lot (the certificate of analysis read
again), a correction of the quantity received, an adjustment, a loss or theft (DEA Form 106's
facts), a destruction (DEA Form 41's, with a witness who signs too), a void.

The pharmacist gives the reason here and signs in the one signing dialog (``signing_dialog``),
the witness of a destruction first, in their own (their user name typed, not the pharmacist's);
the records check the password, the role and the figures again inside the write. A refusal is
said in the signing dialog; cancelled, this dialog stays open with what was typed and nothing is
recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from compounder.calc.errors import InputError
from compounder.records.policy import Actor, RecordError
from compounder.ui.common.date_field import DateField
from compounder.ui.common.inline_error import error_label, say
from compounder.ui.common.records_context import RecordsContext

KINDS = {
    "release": "Release from quarantine",
    "correct": "Correct the quantity received",
    "adjust": "Adjust the stock on hand",
    "loss": "Loss or theft",
    "destroy": "Destroy stock (witnessed)",
    "void": "Void a lot entered in error",
}


class LotChangeDialog(QDialog):
    def __init__(self, context: RecordsContext, lot, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lotChangeDialog")
        self.setWindowTitle(f"{KINDS[kind]} — lot {lot.lot_number}")
        self._context, self._lot, self.kind = context, lot, kind
        self.done_text = ""
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>Lot {lot.lot_number} of {lot.stock_form}</b> ({lot.manufacturer}), expires {lot.expires.isoformat()}: "
                       f"{lot.remaining:f} g on hand of {lot.received:f} g received; {lot.status}.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.quantity, self.assay, self.loss_type, self.police, self.method = (QLineEdit(self) for _ in range(5))
        self.identity = QCheckBox("The certificate's identity test names this ingredient", self)
        self.loss_kind = QComboBox(self)
        self.loss_kind.addItems(["loss", "theft"])
        self.happened = DateField("date", required=True)
        self.expires = DateField("expiry date", required=True)
        if kind == "release":
            self.assay.setPlaceholderText("% as on the certificate; empty when it gives none")
            form.addRow("&Assay on the certificate", self.assay)
            form.addRow("&Expiry on the certificate", self.expires)
            form.addRow("", self.identity)
        elif kind == "correct":
            self.quantity.setPlaceholderText(f"grams actually received (now {lot.received:f})")
            form.addRow("&Quantity received (g)", self.quantity)
        elif kind == "adjust":
            self.quantity.setPlaceholderText("grams, signed: -0.25 for 0.25 g less")
            form.addRow("&Change (g)", self.quantity)
        elif kind == "loss":
            self.quantity.setPlaceholderText("grams lost")
            self.loss_type.setPlaceholderText("e.g. lost in transit, employee pilferage, night break-in")
            self.police.setPlaceholderText("not notified, or the department and report number")
            form.addRow("&Loss or theft", self.loss_kind)
            form.addRow("&Quantity (g)", self.quantity)
            form.addRow("Date &discovered", self.happened)
            form.addRow("&Type of loss", self.loss_type)
            form.addRow("&Police notified", self.police)
        elif kind == "destroy":
            self.quantity.setPlaceholderText(f"grams; empty: all {lot.remaining:f} g on hand")
            self.method.setPlaceholderText("e.g. rendered non-retrievable in a denaturing kit")
            form.addRow("&Quantity (g)", self.quantity)
            form.addRow("Date &destroyed", self.happened)
            form.addRow("&Method", self.method)
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText("why, in a few words")
        if kind != "release":
            form.addRow("&Reason", self.reason)
        layout.addLayout(form)
        items = (form.itemAt(row, QFormLayout.ItemRole.FieldRole) for row in range(form.rowCount()))
        used = {item.widget() for item in items if item is not None}
        for field in (self.quantity, self.assay, self.loss_type, self.police, self.method, self.identity, self.loss_kind, self.happened,
                      self.expires, self.reason):
            field.setVisible(field in used)  # only this change's fields: the others would sit over the dialog
        self.message = error_label(self, "message")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign and record…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def accept(self) -> None:
        from compounder.records.signing import signer
        from compounder.ui.common.signing_dialog import sign, stored

        say(self.message, "")
        try:
            write = self._write()
        except (InputError, RecordError, InvalidOperation) as error:
            say(self.message, f"{getattr(error, 'message', None) or error}; nothing was recorded")
            return
        lot, context = self._lot, self._context
        subject = f"{KINDS[self.kind]}: lot {lot.lot_number} of {lot.stock_form} ({lot.manufacturer}). {self.done_text}" + (
            f" Reason: {self.reason.text().strip()}" if self.reason.text().strip() else "")
        witness: Actor | None = None
        if self.kind == "destroy":  # the witness signs first, as another person (DEA Form 41)
            witness = sign(self, context, "witness", subject, stored(context, lambda session, signature: signer(session, signature.credentials)),
                           title="Witness of the destruction signs", another_person=True)
            if witness is None:
                say(self.message, "the witness did not sign; nothing was recorded")
                return
        def store(session, signature) -> bool:
            write(session, signer(session, signature.credentials), witness, context.now(session))
            return True  # recorded (the records' own result may be None)

        if sign(self, context, "lot change", subject, stored(context, store)) is None:
            say(self.message, "not signed; nothing was recorded")
            return
        super().accept()

    def _write(self) -> Callable:
        """The write, with every field read first (a date or a number refused beside its field)."""
        from compounder.records import stock

        lot, reason, quantity = self._lot, self.reason.text(), self.quantity.text().strip()
        if self.kind == "release":
            expires = self.expires.date()
            assay = Decimal(self.assay.text().strip().rstrip("%").strip()) if self.assay.text().strip() else None
            review = stock.CoaReview(assay, expires or dt.date.min, self.identity.isChecked())
            self.done_text = f"Released lot {lot.lot_number} of {lot.stock_form}."
            return lambda s, signer, _w, now: stock.release_lot(s, signer, lot.id, review, now)
        if self.kind == "correct":
            self.done_text = f"Corrected lot {lot.lot_number}: {quantity} g received."
            return lambda s, signer, _w, now: stock.correct_received(s, signer, lot.id, quantity, reason, now)
        if self.kind == "adjust":
            self.done_text = f"Adjusted lot {lot.lot_number} by {quantity} g."
            return lambda s, signer, _w, now: stock.adjust(s, signer, lot.id, quantity, reason, now)
        if self.kind == "loss":
            details = stock.LossDetails(self.happened.date() or dt.date.min, self.loss_type.text(), self.police.text())
            kind = self.loss_kind.currentText()
            self.done_text = f"Recorded the {kind} of {quantity} g of lot {lot.lot_number}."
            return lambda s, signer, _w, now: stock.record_loss(s, signer, lot.id, kind, quantity, reason, details, now)
        if self.kind == "destroy":
            day, method = self.happened.date() or dt.date.min, self.method.text()
            self.done_text = f"Recorded the destruction of lot {lot.lot_number}."
            return lambda s, signer, witness, now: stock.destroy(
                s, signer, lot.id, quantity or None, reason, stock.DestructionDetails(day, method, witness), now)
        self.done_text = f"Voided lot {lot.lot_number}."
        return lambda s, signer, _w, now: stock.void(s, signer, lot.id, reason, now)
