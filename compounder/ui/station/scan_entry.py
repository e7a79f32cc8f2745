"""The weighing station's entry field, which keeps the GS1 group separator a scanner types."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QLineEdit,
)


class ScanEntry(QLineEdit):
    """The entry the scanner types into. A keyboard-wedge scanner types GS1's group separator
    (FNC1, ASCII 29) as Ctrl+], which a line edit drops; without it a lot number runs into the
    next field (and the scan is refused). Here it is kept.

    Enter is the entry's own: it is not passed on to the station, whose dialog would otherwise
    press the default button of any dialog the Enter just opened (a pharmacist's signature)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        control = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if event.text() == "\x1d" or (control and event.key() == Qt.Key.Key_BracketRight):
            self.insert("\x1d")
            return
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
