"""The first-run welcome: the reference formulas one click away, and the pharmacy's details.

Shown once, beside the main window (not modal, so nothing waits on it); closing it in any way
counts as seen. It only lists and forwards: opening a formula and editing the pharmacy's
settings are the main window's own actions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from compounder.records.library import LibraryEntry


class WelcomeDialog(QDialog):
    """Start from a reference formula, or skip; enter the pharmacy's details or skip."""

    formula_chosen = Signal(int)  # library entry id

    def __init__(
        self,
        entries: list[LibraryEntry],
        database: str,
        needs_pharmacy: bool,
        edit_pharmacy: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Compounder")
        self.setObjectName("welcome")
        self._edit_pharmacy = edit_pharmacy
        layout = QVBoxLayout(self)

        intro = QLabel(
            "<h2>Welcome to Compounder</h2>"
            "<p>The pharmacy's own records (master formulas, lots, batches) are kept in "
            f"<code>{_escape(database)}</code>. The reference data shipped with the program stay "
            "separate and are updated with it.</p>"
            "<p>Start from one of the reference master formulas below, or close this window to "
            "start a new formula.</p>"
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(intro)

        self.formulas = QListWidget()
        self.formulas.setObjectName("welcome-formulas")
        for entry in entries:
            item = QListWidgetItem(entry.name)
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            self.formulas.addItem(item)
        if self.formulas.count():
            self.formulas.setCurrentRow(0)
        self.formulas.itemActivated.connect(lambda _item: self._open())
        layout.addWidget(self.formulas)

        self.pharmacy_box = QGroupBox("Your pharmacy")
        box = QVBoxLayout(self.pharmacy_box)
        note = QLabel(
            "Labels and worksheets print the pharmacy's name, address, phone and licence. "
            "Enter them now, or later under File ▸ Pharmacy settings…"
        )
        note.setWordWrap(True)
        box.addWidget(note)
        self.pharmacy_button = QPushButton("Enter pharmacy details…")
        self.pharmacy_button.clicked.connect(self._pharmacy)
        box.addWidget(self.pharmacy_button)
        self.pharmacy_box.setVisible(needs_pharmacy)
        layout.addWidget(self.pharmacy_box)

        buttons = QDialogButtonBox()
        self.open_button = buttons.addButton("Open formula", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setEnabled(self.formulas.count() > 0)
        self.skip_button = buttons.addButton("Skip", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._open)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 460)

    def _open(self) -> None:
        item = self.formulas.currentItem()
        if item is None:
            return
        self.formula_chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))
        self.accept()

    def _pharmacy(self) -> None:
        if self._edit_pharmacy():
            self.pharmacy_button.setText("Pharmacy details saved ✓ (edit again…)")


def show_welcome(window, database: str, settings_path: Path | None = None) -> WelcomeDialog:
    """Open the welcome beside ``window`` (a MainWindow) and wire it to the window's actions."""
    entries = [entry for entry in window.library.entries() if entry.read_only]
    dialog = WelcomeDialog(entries, database, window.pharmacy is None, window.edit_pharmacy_settings, window)
    dialog.formula_chosen.connect(window.open_library_entry)
    dialog.finished.connect(lambda _result: window.settings.set_welcomed())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
