"""Acknowledge the warnings of a batch before it is printed: who looked at each, and why it may go ahead.

The warnings come from ``compounder.calc.release.open_warnings``; the answers are checked by
``compounder.calc.prescription.parse_order`` (the same words as the command line's) and go into the
formula file's ``acknowledged`` list, which the worksheet prints.
"""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from compounder.calc import Finding, InputError, Severity
from compounder.calc.prescription import parse_order
from compounder.ui import look


class AcknowledgeDialog(QDialog):
    def __init__(self, warnings: tuple[Finding, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Acknowledge warnings before printing")
        self.setObjectName("acknowledgeDialog")
        self.warnings = warnings
        self.acknowledged: list[dict[str, str]] = []
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>{len(warnings)} warning{'s' if len(warnings) != 1 else ''} must be acknowledged by a pharmacist.</b> "
            "The worksheet prints each acknowledgement with the pharmacist's name.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.pharmacist = QLineEdit(self)
        self.pharmacist.setObjectName("pharmacist")
        self.pharmacist.setPlaceholderText("e.g. J. Kim, RPh")
        form.addRow("&Pharmacist:", self.pharmacist)
        layout.addLayout(form)
        self.reasons: list[QLineEdit] = []
        for finding in warnings:
            box = QGroupBox(finding.code, self)
            box_layout = QVBoxLayout(box)
            text = QLabel(finding.message, box)
            text.setWordWrap(True)
            box_layout.addWidget(text)
            reason = QLineEdit(box)
            reason.setObjectName(f"reason.{finding.code}")
            reason.setPlaceholderText("Why the batch may go ahead (e.g. prescriber consulted, dose confirmed)")
            box_layout.addWidget(reason)
            self.reasons.append(reason)
            layout.addWidget(box)
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        palette = self.message.palette()
        palette.setColor(QPalette.ColorRole.WindowText, look.hue(Severity.ERROR))
        self.message.setPalette(palette)
        self.message.setVisible(False)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Acknowledge and print")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def answers(self) -> list[dict[str, str]]:
        return [
            {"code": finding.code, "by": self.pharmacist.text(), "reason": reason.text()}
            for finding, reason in zip(self.warnings, self.reasons)
        ]

    def accept(self) -> None:
        """Refuse, with the engine's message, an acknowledgement without a name or a reason."""
        answers = self.answers()
        try:
            order = parse_order({"acknowledged": answers})
        except InputError as error:
            what = "the pharmacist's name" if error.field.endswith(".by") else "a reason for each warning"
            self.message.setText(f"Give {what}: {error.field}: {error.message}")
            self.message.setVisible(True)
            (self.pharmacist if error.field.endswith(".by") else self.reasons[_index(error.field)]).setFocus()
            return
        self.acknowledged = [{"code": a.code, "by": a.by, "reason": a.reason} for a in order.acknowledged]
        super().accept()


def _index(field: str) -> int:
    return int(field.split("[", 1)[1].split("]", 1)[0])
