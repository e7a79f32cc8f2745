"""The first-run welcome: on a records database with no account yet, the first accounts (the
default: a fresh install's first step); the reference formulas one click away; the pharmacy's details.

Shown once, beside the main window (not modal, so nothing waits on it); closing it in any way
counts as seen. It only lists and forwards: opening a formula, editing the pharmacy's settings
and the records' first-run chain are the main window's and the records menu's own actions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
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
        first_accounts: Callable[[], object] | None = None,
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

        # A fresh records database: its accounts come first (then, in the same chain, the
        # pharmacy's details and the pharmacist's sign-in), so they are the default (issue 28).
        self.accounts_box, self.accounts_button = _offer(
            "Your records", "This database has no account yet. Make the administrator and the first pharmacist, "
            "then enter the pharmacy's details: batches, lots and signatures need them.",
            "&Create the first accounts…", lambda: self._first_accounts(first_accounts),
        )
        self.accounts_box.setVisible(first_accounts is not None)
        layout.addWidget(self.accounts_box)

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

        self.pharmacy_box, self.pharmacy_button = _offer(
            "Your pharmacy", "Labels and worksheets print the pharmacy's name, address, phone and licence. "
            "Enter them now, or later under File ▸ Pharmacy settings…",
            "Enter pharmacy details…", self._pharmacy,
        )
        self.pharmacy_box.setVisible(needs_pharmacy and first_accounts is None)  # else the accounts' chain asks
        layout.addWidget(self.pharmacy_box)

        buttons = QDialogButtonBox()
        self.open_button = buttons.addButton("Open formula", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setEnabled(self.formulas.count() > 0)
        self.skip_button = buttons.addButton("Skip", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._open)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if first_accounts is not None:
            self.open_button.setAutoDefault(False)
            self.accounts_button.setDefault(True)
            self.accounts_button.setFocus()
        self.resize(560, 460)

    def _first_accounts(self, start: Callable[[], object] | None) -> None:
        """Close the welcome, then start the chain (its dialogs are modal: not run from this one)."""
        self.accept()
        if start is not None:
            QTimer.singleShot(0, start)

    def _open(self) -> None:
        item = self.formulas.currentItem()
        if item is None:
            return
        self.formula_chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))
        self.accept()

    def _pharmacy(self) -> None:
        if self._edit_pharmacy():
            self.pharmacy_button.setText("Pharmacy details saved ✓ (edit again…)")


def _offer(title: str, text: str, button_text: str, action: Callable[[], object]) -> tuple[QGroupBox, QPushButton]:
    """A box with what is offered, said in a sentence or two, and the button that does it."""
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    note = QLabel(text)
    note.setWordWrap(True)
    layout.addWidget(note)
    button = QPushButton(button_text)
    button.clicked.connect(lambda: action())
    layout.addWidget(button)
    return box, button


def show_welcome(window, database: str, settings_path: Path | None = None,
                 first_accounts: Callable[[], object] | None = None) -> WelcomeDialog:
    """Open the welcome beside ``window`` (a MainWindow) and wire it to the window's actions;
    ``first_accounts`` (given while the records have no account) starts the records' first run."""
    entries = [entry for entry in window.library.entries() if entry.read_only]
    dialog = WelcomeDialog(entries, database, window.pharmacy is None, window.edit_pharmacy_settings, window, first_accounts)
    dialog.formula_chosen.connect(window.open_library_entry)
    dialog.finished.connect(lambda _result: window.settings.set_welcomed())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
