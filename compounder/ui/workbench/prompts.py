"""The questions the window asks (file names, names, "save changes?"), behind one small class.

The window is given a ``Prompts``; tests give it one that answers without showing a dialog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from compounder.records.library import LibraryEntry
from compounder.settings import PharmacySettings
from compounder.ui.common.file_folders import away_from_database

if TYPE_CHECKING:  # the screening loads the records' model, which the window does not need to show
    from compounder.records.screening import Signer

#: Stores the records' rules of changed pharmacy settings (``ui.records.pharmacy_rules_ui.save_rules``).
SaveRules = Callable[[PharmacySettings], None]
#: The pharmacy settings dialog (``ui.records.pharmacy_dialog.edit_pharmacy_settings``, passed in by
#: ``ui.app``): current settings, their file, the parent and how rules are stored → the saved
#: settings, or None when cancelled.
EditPharmacy = Callable[[PharmacySettings | None, Path, QWidget | None, SaveRules | None], PharmacySettings | None]

FORMULA_FILTER = "Formula files (*.json *.toml);;All files (*)"


class Unsaved(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Prompts:
    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent
        # Set by the application once the records are open: checks a pharmacist's sign-in for
        # acknowledging and overriding findings, and the clock their time is taken from.
        self.authenticate: Callable[[str, str], Signer] | None = None
        self.clock: Callable[[], dt.datetime] | None = None
        # Set with the records too: stores changed self-verification/tolerances (an administrator).
        self.save_rules: SaveRules | None = None
        # Set by the application: the pharmacy settings dialog (a records screen).
        self.edit_pharmacy: EditPharmacy | None = None
        # Set by the application: the SQLite database's folder, where no file dialog opens (``ui.common.file_folders``).
        self.database_folder: Path | None = None

    def open_path(self, folder: Path | None) -> Path | None:
        start = away_from_database(folder or Path.home(), self.database_folder)
        name, _ = QFileDialog.getOpenFileName(self.parent, "Open formula", str(start), FORMULA_FILTER)
        return Path(name) if name else None

    def save_path(self, suggested: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self.parent, "Save formula", str(away_from_database(suggested, self.database_folder)), "Formula files (*.json)")
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(".json")

    def library_entry(self, entries: list[LibraryEntry]) -> int | None:
        from compounder.ui.workbench.library_dialog import LibraryDialog

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

    def edit_conflict(self, title: str, text: str):
        """Another workstation saved first: reload, re-apply on the newest, or cancel (``ConflictChoice``)."""
        from compounder.ui.common.edit_conflict_dialog import ask_edit_conflict

        return ask_edit_conflict(self.parent, title, text)

    def unexpected(self, text: str, details: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, "Compounder: unexpected error", text, parent=self.parent)
        box.setDetailedText(details)
        box.exec()


    # -- documents
    def save_pdf_path(self, title: str, suggested: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self.parent, title, str(away_from_database(suggested, self.database_folder)), "PDF documents (*.pdf)")
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")

    def print_pdf(self, title: str, pdf: bytes) -> bool:
        """The print preview of ``pdf`` (its Print button opens the print dialog); True once printed."""
        from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

        from compounder.ui.common.pdf_print import paint_pdf, set_page_layout

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(title)
        set_page_layout(printer, pdf)
        preview = QPrintPreviewDialog(printer, self.parent)
        preview.setWindowTitle(f"Print preview — {title}")
        preview.paintRequested.connect(lambda target: paint_pdf(pdf, target))
        try:
            return preview.exec() == QPrintPreviewDialog.DialogCode.Accepted
        finally:
            preview.deleteLater()

    def label_position(self, stock) -> int | None:
        """Which label of a sheet to print on, so a part-used sheet is not wasted (1 = top left);
        a roll has one label per page and is not asked about. None: the pharmacist cancelled."""
        if not stock.is_sheet:
            return 1
        value, ok = QInputDialog.getInt(
            self.parent, "Label position",
            f"Print on which label of the {stock.title}?\n1 = top left, counting across each row; {stock.per_page} = bottom right.",
            1, 1, stock.per_page,
        )
        return value if ok else None

    def acknowledge(self, findings) -> list[dict] | None:
        """A pharmacist signs in and decides each finding (errors overridden, warnings
        acknowledged); the answers are the formula file's ``acknowledged`` items."""
        from compounder.ui.common.acknowledge_dialog import AcknowledgeDialog

        clock = self.clock or (lambda: dt.datetime.now(dt.UTC))
        dialog = AcknowledgeDialog(findings, self.authenticate, clock, self.parent)
        return dialog.acknowledged if dialog.exec() else None

    def pharmacy_settings(self, current: PharmacySettings | None, path: Path) -> PharmacySettings | None:
        if self.edit_pharmacy is None:  # no settings dialog given: nothing is changed
            return None
        return self.edit_pharmacy(current, path, self.parent, self.save_rules)
