"""The prescription: patient, Rx number, prescriber, label directions, quantity, refills and
container, which "Make batch in records…" makes the batch for (the records number the batch).

A view of the ``FormulaDocument``: each field is committed when the pharmacist leaves it (one
undoable edit), and every field the engine cannot use shows the engine's own message under it.
The dialog stays open beside the window; it holds no rule of its own.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from compounder.calc import Severity
from compounder.calc.errors import InputError
from compounder.calc.prescription import REQUIRED
from compounder.ui.common import look
from compounder.ui.common.combo import line_edit_of
from compounder.ui.common.date_field import DateField
from compounder.ui.common.entry_order import reading_order
from compounder.ui.workbench.formula_document import FormulaDocument
from compounder.ui.workbench.formula_draft import HEADER_LABELS, ORDER_FIELDS

CONTAINERS = ("Topi-CLICK 35 mL", "Topi-CLICK 120 mL", "60 g ointment jar", "120 g ointment jar", "Airless pump 50 mL")

_PLACEHOLDERS = {
    "prescription.patient": "Jane Doe",
    "prescription.date_of_birth": "YYYY-MM-DD, e.g. 1948-03-02",
    "prescription.rx_number": "RX-104233",
    "prescription.prescriber": "Dr. A. Smith",
    "prescription.written_on": "YYYY-MM-DD (optional)",
    "prescription.directions": "Apply 1 g (4 clicks) to the lower back three times daily",
    "prescription.quantity": "120 g",
    "prescription.refills": "0 to 99",
    "container": "Topi-CLICK 35 mL, 60 g ointment jar…",
}


# The fields in the order they are read and typed: the optional date the prescription was
# written last, after the fields every prescription has (it cost a Tab in the middle of them).
FIELD_ORDER = (*(key for key in ORDER_FIELDS if key != "prescription.written_on"), "prescription.written_on")
# Enter in these (the container, the last field every prescription has, and the optional date
# after it) closes the dialog, every field committed (it took Enter, then Escape).
CLOSING_FIELDS = ("container", "prescription.written_on")

# The dates asked, with the example their message gives.
_DATES = {"prescription.date_of_birth": "1948-03-02", "prescription.written_on": "2026-11-20"}


def _label(key: str) -> str:
    text = HEADER_LABELS[key]
    text = text[:1].upper() + text[1:]
    needed = [document for document, fields in REQUIRED.items() if key in fields]
    return f"{text} *" if needed else text


class PrescriptionDialog(QDialog):
    """Fields marked * are needed for the label (and the first four also for the worksheet)."""

    def __init__(self, document: FormulaDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Prescription")
        self.setObjectName("prescriptionDialog")
        self._document = document
        self._syncing = False
        self.fields: dict[str, QLineEdit | QComboBox] = {}
        self.messages: dict[str, QLabel] = {}

        layout = QVBoxLayout(self)
        intro = QLabel("The prescription the batch is made for (Make batch in records…); the records number the batch. Fields marked * are needed for the label.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key in FIELD_ORDER:
            message = QLabel(self)
            if key in _DATES:
                date = DateField(HEADER_LABELS[key], self, kind=key.rsplit(".", 1)[-1], example=_DATES[key], message=message)
                date.setPlaceholderText(_PLACEHOLDERS[key])
                date.editingFinished.connect(lambda key=key: self._commit(key))
                date.refused.connect(lambda _text: QTimer.singleShot(0, self, self._fit_messages))
                widget: QLineEdit | QComboBox = date
            elif key == "container":
                combo = QComboBox(self)
                combo.setEditable(True)
                combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
                combo.addItems(CONTAINERS)
                combo.setCurrentIndex(-1)
                line_edit_of(combo).setPlaceholderText(_PLACEHOLDERS[key])
                line_edit_of(combo).editingFinished.connect(lambda key=key: self._commit(key))
                combo.textActivated.connect(lambda _text, key=key: self._commit(key))
                widget = combo
            else:
                widget = QLineEdit(self)
                widget.setPlaceholderText(_PLACEHOLDERS[key])
                widget.editingFinished.connect(lambda key=key: self._commit(key))
            widget.setObjectName(key)
            widget.setMinimumWidth(360)
            message.setWordWrap(True)
            message.setObjectName(f"{key}.message")
            message.setVisible(False)
            palette = message.palette()
            palette.setColor(QPalette.ColorRole.WindowText, look.hue(Severity.ERROR))
            message.setPalette(palette)
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(widget)
            column.addWidget(message)
            label = QLabel(_label(key), self)
            label.setBuddy(widget)
            form.addRow(label, column)
            self.fields[key] = widget
            self.messages[key] = message
        layout.addLayout(form)
        self.other_message = QLabel(self)  # acknowledgements and anything not shown as a field
        self.other_message.setWordWrap(True)
        self.other_message.setVisible(False)
        layout.addWidget(self.other_message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        # Enter commits a field; it must not press Close (a dialog's buttons are auto-default).
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        layout.addWidget(buttons)
        for key in CLOSING_FIELDS:  # after the field's own Enter (a combo box takes its completion first)
            line = line_edit_of(field) if isinstance(field := self.fields[key], QComboBox) else field
            line.returnPressed.connect(lambda: QTimer.singleShot(0, self, self._close_unless_refused))
        # Opened again, the dialog starts at the patient, not at the field left last (a date of
        # birth typed went into the batch number, and a space pressed Close).
        reading_order(self, *self.fields.values(), buttons.button(QDialogButtonBox.StandardButton.Close))
        document.changed.connect(self.sync)
        self.sync()

    # -- the document → the fields
    def sync(self) -> None:
        self._syncing = True
        try:
            for key, widget in self.fields.items():
                text = self._document.header(key)
                if isinstance(widget, DateField):
                    widget.show_text(text)  # a refused date typed stays, with its message, over the record's
                    if widget.refusal:
                        continue
                elif self.text(key) != text:
                    if isinstance(widget, QComboBox):
                        widget.setEditText(text)
                    else:
                        widget.setText(text)
                self._mark(key, self._document.order_error(key))
            others = [f"{field}: {message}" for field, message in self._document.order_errors.items() if field not in self.fields]
            self.other_message.setText("\n".join(others))
            self.other_message.setVisible(bool(others))
        finally:
            self._syncing = False
        QTimer.singleShot(0, self, self._fit_messages)  # once the messages shown are laid out

    def _fit_messages(self) -> None:
        """Taller, when a message under a field needs more lines than there is room for: a
        message is read in full, never clipped (a dialog does not grow by itself for wrapped text)."""
        layout = self.layout()
        needed = layout.totalHeightForWidth(self.width()) if layout is not None and layout.hasHeightForWidth() else -1
        if needed > self.height():
            self.resize(self.width(), needed)

    def _mark(self, key: str, message: str | None) -> None:
        widget, label = self.fields[key], self.messages[key]
        palette = self.palette()
        if message:
            palette.setColor(QPalette.ColorRole.Base, look.tint(Severity.ERROR, palette, strength=0.35))
        widget.setPalette(palette)
        label.setText(f"{HEADER_LABELS[key]}: {message}" if message else "")
        label.setVisible(bool(message))

    # -- the fields → the document
    def text(self, key: str) -> str:
        widget = self.fields[key]
        if isinstance(widget, QComboBox):
            return widget.currentText()
        return widget.text()

    def _commit(self, key: str) -> None:
        if self._syncing:
            return
        widget = self.fields[key]
        if isinstance(widget, DateField):
            try:
                widget.date()
            except InputError:
                return  # refused under the field, as typed; the prescription keeps the date it had
        self._document.set_header(key, self.text(key).strip())

    def commit_all(self) -> None:
        for key in self.fields:
            self._commit(key)

    def _close_unless_refused(self) -> None:
        """Enter in a closing field: closed, unless a date typed was refused (its message stays in
        front of the pharmacist, with the date as typed, to be corrected)."""
        if not any(isinstance(widget, DateField) and widget.refusal for widget in self.fields.values()):
            self.close()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.commit_all()  # a field still being typed in is kept, not lost
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self.commit_all()
        super().done(result)

