"""The questions the window asks (file names, names, "save changes?"), behind one small class.

The window is given a ``Prompts``; tests give it one that answers without showing a dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtWidgets import QWidget

from compounder.records.library import LibraryEntry
from compounder.settings import PharmacySettings
from compounder.ui.common.file_folders import away_from_database

if TYPE_CHECKING:  # the screening loads the records' model, which the window does not need to show
    from compounder.printing.deliver import MakeZpl
    from compounder.records.formula_approval import ApprovalReview
    from compounder.ui.common.records_context import RecordsContext
    from compounder.ui.common.signing_dialog import Signature

#: Stores the records' rules of changed pharmacy settings (``ui.records.pharmacy_rules_ui.save_rules``).
SaveRules = Callable[[PharmacySettings], None]
#: The pharmacy settings dialog (``ui.records.pharmacy_dialog.edit_pharmacy_settings``, passed in by
#: ``ui.app``): current settings, their file, the parent and how rules are stored → the saved
#: settings, or None when cancelled.
EditPharmacy = Callable[[PharmacySettings | None, Path, QWidget | None, SaveRules | None], PharmacySettings | None]

T = TypeVar("T")

FORMULA_FILTER = "Formula files (*.json *.toml);;All files (*)"


class Unsaved(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Prompts:
    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent
        # Set by the application once the records are open: the records as the window uses them,
        # for the signing dialog (signatures, and acknowledging and overriding findings).
        self.records: RecordsContext | None = None
        # Set with the records too: stores changed self-verification/tolerances (an administrator).
        self.save_rules: SaveRules | None = None
        # Set by the application: the pharmacy settings dialog (a records screen).
        self.edit_pharmacy: EditPharmacy | None = None
        # Set by the application: the pharmacy settings in force, whose printers print without a dialog.
        self.pharmacy: Callable[[], PharmacySettings | None] | None = None
        self.sent = ""  # where the last document printed went, for the status line
        # Set by the application: the SQLite database's folder, where no file dialog opens (``ui.common.file_folders``).
        self.database_folder: Path | None = None

    def open_path(self, folder: Path | None) -> Path | None:
        start = away_from_database(folder or Path.home(), self.database_folder)
        from PySide6.QtWidgets import QFileDialog  # first asked for when a file is opened, not at start-up

        name, _ = QFileDialog.getOpenFileName(self.parent, "Open formula", str(start), FORMULA_FILTER)
        return Path(name) if name else None

    def save_path(self, suggested: Path) -> Path | None:
        from PySide6.QtWidgets import QFileDialog

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
        from PySide6.QtWidgets import QInputDialog  # dialogs' classes: loaded when first asked

        text, ok = QInputDialog.getText(self.parent, title, label, text=suggested)
        return text if ok else None

    def unsaved_changes(self, title: str) -> Unsaved:
        from PySide6.QtWidgets import QMessageBox  # dialogs' classes: loaded when first asked

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
        from PySide6.QtWidgets import QMessageBox  # dialogs' classes: loaded when first asked

        answer = QMessageBox.question(self.parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def error(self, title: str, text: str) -> None:
        from PySide6.QtWidgets import QMessageBox  # dialogs' classes: loaded when first asked

        QMessageBox.warning(self.parent, title, text)

    def approve_formula(self, review: ApprovalReview, saves: bool = False) -> bool:
        """What changed since the version last approved, then (Save and) Approve — the default:
        the signing dialog follows — or Cancel. ``saves``: approving saves it to the library first."""
        from compounder.ui.workbench.approval_dialog import ApprovalDialog

        dialog = ApprovalDialog(review, self.parent, saves=saves)
        try:
            return bool(dialog.exec())
        finally:
            dialog.deleteLater()

    def sign(self, meaning: str, subject: str, store: Callable[[Signature], T]) -> T | None:
        """The signing dialog (``ui.common.signing_dialog``): ``store(signature)`` with the signer's
        credentials typed now; None when cancelled. With no records open (no accounts), stored unsigned."""
        from compounder.ui.common.signing_dialog import sign

        if self.records is None:
            return store(None)  # type: ignore[arg-type]  # a library with no accounts: FormulaLibrary.approve takes None
        return sign(self.parent, self.records, meaning, subject, store)

    def edit_conflict(self, title: str, text: str):
        """Another workstation saved first: reload, re-apply on the newest, or cancel (``ConflictChoice``)."""
        from compounder.ui.common.edit_conflict_dialog import ask_edit_conflict

        return ask_edit_conflict(self.parent, title, text)

    def unexpected(self, text: str, details: str) -> None:
        from PySide6.QtWidgets import QMessageBox  # dialogs' classes: loaded when first asked

        box = QMessageBox(QMessageBox.Icon.Critical, "Compounder: unexpected error", text, parent=self.parent)
        box.setDetailedText(details)
        box.exec()


    # -- documents
    def save_pdf_path(self, title: str, suggested: Path) -> Path | None:
        from PySide6.QtWidgets import QFileDialog

        name, _ = QFileDialog.getSaveFileName(self.parent, title, str(away_from_database(suggested, self.database_folder)), "PDF documents (*.pdf)")
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")

    def print_pdf(self, title: str, pdf: bytes, kind: str | None = None, zpl: MakeZpl | None = None, *, choose: bool = False) -> bool:
        """Print ``pdf`` (a ``kind`` of document: "label", "worksheet", "lot_label"); True once handed
        to the spooler. On the printer the pharmacy settings chose for ``kind``, at once (one key);
        otherwise, or with ``choose``, in the print dialog: the preview, the printer, the copies."""
        from compounder.printing.spool import SpoolerError

        pharmacy = self.pharmacy() if self.pharmacy is not None else None
        chosen = pharmacy.printer_for(kind) if pharmacy is not None and kind is not None else None
        if chosen is not None and not choose:
            from compounder.printing.deliver import send_document

            try:
                self.sent = send_document(chosen, title, pdf, zpl)
            except SpoolerError as error:
                self.error("Not printed", str(error))
                return False
            return True
        from compounder.printing.spool import queues
        from compounder.ui.common.print_dialog import PrintDialog

        try:
            dialog = PrintDialog(title, pdf, kind or "", queues(), chosen, zpl, self.parent)
        except SpoolerError as error:  # a PDF without a page size: never the documents'
            self.error("Not printed", str(error))
            return False
        try:
            if dialog.exec() != PrintDialog.DialogCode.Accepted:
                return False
            self.sent = dialog.sent
            return True
        finally:
            dialog.deleteLater()

    def label_position(self, stock) -> int | None:
        """Which label of a sheet to print on, so a part-used sheet is not wasted: the sheet drawn
        with its labels numbered as its template numbers them; a roll has one label per page and
        is not asked about. None: the pharmacist cancelled."""
        if not stock.is_sheet:
            return 1
        from compounder.ui.common.label_position_dialog import LabelPositionDialog

        dialog = LabelPositionDialog(stock, self.parent)
        try:
            return dialog.position if dialog.exec() else None
        finally:
            dialog.deleteLater()

    def acknowledge(self, findings) -> list[dict] | None:
        """A pharmacist signs a decision on each finding (errors overridden, warnings
        acknowledged) in the signing dialog; the answers are the formula file's ``acknowledged``
        items. With no records open there are no accounts, so nobody can sign: said, None."""
        from compounder.ui.common.finding_decisions import decide_findings

        if self.records is None:
            self.error("Nobody can sign", "No user accounts are open in this window, so nobody can sign; open the pharmacy database and try again.")
            return None
        decisions = decide_findings(self.parent, self.records, findings, "print")
        return [decision.acknowledgement().data() for decision in decisions] if decisions is not None else None

    def pharmacy_settings(self, current: PharmacySettings | None, path: Path) -> PharmacySettings | None:
        if self.edit_pharmacy is None:  # no settings dialog given: nothing is changed
            return None
        return self.edit_pharmacy(current, path, self.parent, self.save_rules)
