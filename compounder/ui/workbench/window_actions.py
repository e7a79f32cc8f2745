"""The main window's actions, menus and toolbar: what each command is called, its shortcut and tip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLineEdit

from compounder.ui.workbench.window_parts import WindowParts

if TYPE_CHECKING:  # a hint only: QDialog's class is set up when a dialog first opens
    from PySide6.QtWidgets import QDialog


class ActionsPart(WindowParts):
    """Builds the window's actions and menus (a part of ``MainWindow``)."""

    def _action(self, text: str, slot, shortcut=None, tip: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcuts(QKeySequence.keyBindings(shortcut) if isinstance(shortcut, QKeySequence.StandardKey) else [QKeySequence(shortcut)])
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        Key = QKeySequence.StandardKey
        self.new_action = self._action("&New formula", self.new_formula, Key.New, "Start a new formula")
        self.open_action = self._action("&Open file…", self.open_file_dialog, Key.Open, "Open a formula file")
        self.open_library_action = self._action("Open from &library…", self.open_from_library, "Ctrl+L", "Open a master formula from the library")
        self.save_action = self._action("&Save", self.save, Key.Save, "Save to where the formula came from")
        self.save_as_action = self._action("Save &as file…", self.save_as_file, Key.SaveAs, "Save the formula to a file")
        self.save_library_action = self._action("Save to li&brary…", self.save_to_library, "Ctrl+Shift+L", "Save as a master formula in the library")
        self.approve_action = self._action("A&pprove master formula…", self.approve, "Ctrl+Shift+P", "Approve the master formula as it stands (not while an error stands)")
        self.master_record_action = self._action(
            "Master &formulation record…", self.edit_master_record, None,
            "The master formula's USP <795> elements: characteristics, container–closure, equipment, steps, description, "
            "beyond-use reference, labelling, quality control; print the record",
        )
        self.prescription_action = self._action("Pre&scription…", self.edit_prescription, "Ctrl+R", "Patient, Rx number, prescriber, label directions and container")
        self.make_batch_action = self._action(
            "&Make batch in records…", self.make_batch_in_records, "Ctrl+B",
            "Make the batch in the records from this formula and prescription (or open its draft): its worksheet and label print from there",
        )
        self.print_action = self._action(
            "&Print calculation sheet…", self.print_worksheet, Key.Print,
            "Print the calculation sheet: not a compounding record (no batch number, no label; those come from the batch in the records)",
        )
        self.print_on_action = self._action(
            "Print calculation sheet o&n…", self.print_worksheet_on, "Ctrl+Alt+P", "Choose a printer for this one calculation sheet (the settings' worksheet printer is used otherwise)",
        )
        self.export_worksheet_action = self._action("&Export calculation sheet PDF…", self.export_worksheet, None, "Save the calculation sheet (not a record) as a PDF")
        self.pharmacy_action = self._action("P&harmacy settings…", self.edit_pharmacy_settings, None, "Pharmacy name, address, licence, label stock and paper")
        self.quit_action = self._action("&Quit", self.close, Key.Quit, "Quit Compounder")

        self.undo_action = self.document.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts(QKeySequence.keyBindings(Key.Undo))
        self.redo_action = self.document.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts(QKeySequence.keyBindings(Key.Redo))
        self.addActions([self.undo_action, self.redo_action])
        self.add_row_action = self._action("&Add ingredient row", self.add_row, "Ins", "Add an ingredient row above the current one")
        self.remove_row_action = self._action("&Remove ingredient row", self.remove_row, "Ctrl+Del", "Remove the current ingredient row")
        self.find_action = self._action("&Find ingredient", self.focus_find, Key.Find, "Find an ingredient row by name, stock form or lot")
        self.trail_action = self._action("Calculation &trail…", self.show_trail, "Ctrl+T", "How the current row's grams were reached")
        self.about_action = self._action("&About Compounder", self._about)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addActions([self.new_action, self.open_action, self.open_library_action])
        self.recent_menu = file_menu.addMenu("Open &recent")
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action, self.save_library_action, self.approve_action, self.master_record_action])
        file_menu.addSeparator()
        file_menu.addActions([self.prescription_action, self.make_batch_action])
        file_menu.addActions([self.print_action, self.print_on_action, self.export_worksheet_action])
        file_menu.addSeparator()
        file_menu.addAction(self.pharmacy_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menu.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.add_row_action, self.remove_row_action, self.find_action])
        view_menu = menu.addMenu("&View")
        view_menu.addAction(self.trail_action)
        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self.about_action)
        self._rebuild_recent_menu()

        toolbar = self.addToolBar("Formula")
        toolbar.setObjectName("formulaToolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addActions([self.new_action, self.open_action, self.open_library_action, self.save_action])
        toolbar.addSeparator()
        toolbar.addActions([self.undo_action, self.redo_action])
        toolbar.addSeparator()
        toolbar.addActions([self.prescription_action, self.make_batch_action, self.print_action, self.approve_action])
        toolbar.addSeparator()
        self.find_edit = QLineEdit(self)
        self.find_edit.setPlaceholderText("Find ingredient (Ctrl+F)")
        self.find_edit.setClearButtonEnabled(True)
        self.find_edit.setMaximumWidth(260)
        self.find_edit.textEdited.connect(lambda text: self.find(text, start=0))
        self.find_edit.returnPressed.connect(lambda: self.find(self.find_edit.text(), start=self.table.currentIndex().row() + 1))
        toolbar.addWidget(self.find_edit)


    def edit_master_record(self) -> QDialog | None:
        """The master formulation record editor for the library formula on screen (issue 25)."""
        from compounder.ui.workbench.formula_source import LibrarySource
        from compounder.ui.workbench.master_record_dialog import MasterRecordDialog

        source = self.source
        if not isinstance(source, LibrarySource):
            self.prompts.error("No master formula", "Open a master formula from the library, or save this one to the library, first.")
            return None
        if self.document.is_modified():
            self.prompts.error("Save the formula first", "The formula has changes not saved to the library; save them, then write its record.")
            return None
        dialog = MasterRecordDialog(self.library, source.entry_id, lambda: None, self.print_master_record, self)
        dialog.finished.connect(lambda _result: self._reload_after_record(source.entry_id, source.version, dialog.entry.version))
        dialog.open()
        return dialog

    def _reload_after_record(self, entry_id: int, shown: int, saved: int) -> None:
        if saved != shown:  # the record was saved as a new version: the window shows it, not the one before
            self.open_library_entry(entry_id)

    def print_master_record(self, entry) -> bool:
        """The master formulation record of ``entry`` (as saved) to the worksheet printer."""
        from compounder.calc.master_record_sheet import master_record_sheet
        from compounder.documents.master_record import master_record_pdf
        from compounder.records.master_records import version_approval_text

        if self.pharmacy is None:
            self.prompts.error("Cannot print the master formulation record", "It prints the pharmacy's name, address, phone and licence; enter them first.")
            return False
        version = self.library.versions(entry.id)[-1]
        sheet = master_record_sheet(version.data, version_approval_text(self.library.sessions, version), self.catalog,
                                    dt.date.today(), self.pharmacy.final_weight_tolerance)
        return self.prompts.print_pdf(f"master formulation record {entry.name}", master_record_pdf(sheet, self.pharmacy), "worksheet", None)

    def _remember(self, path: Path) -> None:
        self.settings.add_recent_file(path)
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        for number, path in enumerate(files, start=1):
            action = self.recent_menu.addAction(f"&{number} {path.name}" if number < 10 else path.name)
            action.setToolTip(str(path))
            action.triggered.connect(lambda _checked=False, path=path: self.maybe_discard() and self.open_file(path))
        self.recent_menu.setEnabled(bool(files))

