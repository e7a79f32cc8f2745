"""The questions the window asks (file names, names, "save changes?"), behind one small class.

The window is given a ``Prompts``; tests give it one that answers without showing a dialog.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from compounder.records.library import LibraryEntry

FORMULA_FILTER = "Formula files (*.json *.toml);;All files (*)"


class Unsaved(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Prompts:
    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def open_path(self, folder: Path | None) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self.parent, "Open formula", str(folder or Path.home()), FORMULA_FILTER)
        return Path(name) if name else None

    def save_path(self, suggested: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self.parent, "Save formula", str(suggested), "Formula files (*.json)")
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(".json")

    def library_entry(self, entries: list[LibraryEntry]) -> int | None:
        from compounder.ui.library_dialog import LibraryDialog

        dialog = LibraryDialog(entries, self.parent)
        return dialog.chosen_id if dialog.exec() else None

    def name(self, title: str, label: str, suggested: str) -> str | None:
        text, ok = QInputDialog.getText(self.parent, title, label, text=suggested)
        return text if ok else None

    def unsaved_changes(self, title: str) -> Unsaved:
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes", f"Save the changes to “{title}”?", parent=self.parent)
        box.setInformativeText("Your changes are lost if you don't save them.")
        box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {
            QMessageBox.StandardButton.Save: Unsaved.SAVE,
            QMessageBox.StandardButton.Discard: Unsaved.DISCARD,
        }.get(QMessageBox.StandardButton(answer), Unsaved.CANCEL)

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self.parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.parent, title, text)

    def unexpected(self, text: str, details: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, "Compounder: unexpected error", text, parent=self.parent)
        box.setDetailedText(details)
        box.exec()

    def print_dialog(self, printer) -> bool:
        from PySide6.QtPrintSupport import QPrintDialog

        return QPrintDialog(printer, self.parent).exec() == QPrintDialog.DialogCode.Accepted
