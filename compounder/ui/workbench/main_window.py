"""The pharmacist's window: the formula's header fields, the ingredient table, findings, and
directions with daily doses.

Every edit goes to the ``FormulaDocument`` (undoable); the window redraws from the document's
``changed`` signal. Nothing here computes a pharmacy number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMainWindow

from compounder import __version__
from compounder.calc import Catalog
from compounder.records.library import FormulaLibrary
from compounder.settings import PharmacySettings, settings_path
from compounder.ui.common.window_settings import Settings
from compounder.ui.workbench.daily_dose_model import DailyDoseModel
from compounder.ui.workbench.findings_model import FindingsModel
from compounder.ui.workbench.formula_document import FormulaDocument
from compounder.ui.workbench.formula_draft import BASE_ROW, HEADER_LABELS
from compounder.ui.workbench.formula_source import FileSource, LibrarySource, Source
from compounder.ui.workbench.ingredient_table_model import IngredientTableModel
from compounder.ui.workbench.prompts import Prompts
from compounder.ui.workbench.window_actions import ActionsPart
from compounder.ui.workbench.window_central import CentralPart
from compounder.ui.workbench.window_files import FilesPart, read_formula_file
from compounder.ui.workbench.window_printing import PrintingPart
from compounder.ui.workbench.window_sync import SyncPart

if TYPE_CHECKING:  # the dialog itself is imported when first opened; QCloseEvent's class is set up when the window first closes
    from PySide6.QtGui import QCloseEvent

    from compounder.records.workbench_order import WorkbenchOrder
    from compounder.ui.workbench.prescription_dialog import PrescriptionDialog


class MainWindow(ActionsPart, CentralPart, SyncPart, FilesPart, PrintingPart, QMainWindow):
    """The window; its parts (actions, central widget, sync, files, printing) share what
    ``window_parts.WindowParts`` declares."""

    def __init__(
        self,
        catalog: Catalog,
        library: FormulaLibrary,
        settings: Settings,
        today: dt.date,
        prompts: Prompts | None = None,
        pharmacy: PharmacySettings | None = None,
        pharmacy_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self.library = library
        self.settings = settings
        self._pharmacy = pharmacy  # None until the pharmacy's settings are entered
        self.pharmacy_path = pharmacy_path or settings_path()
        self.prescription_dialog: PrescriptionDialog | None = None
        self.prompts = prompts or Prompts(self)
        self.document = FormulaDocument(catalog, today, self)
        self.document.set_max_excess(pharmacy.maximum_excess if pharmacy is not None else None)
        self.source: Source = None
        self.approved_at: dt.datetime | None = None
        # Opens Make a batch with what is on screen (``ui.app`` passes it in: the workbench does not import the records' screens).
        self.batch_maker: Callable[[WorkbenchOrder], object] | None = None
        self._syncing = False

        self.table_model = IngredientTableModel(self.document, self)
        self.findings_model = FindingsModel(self.document, self)
        self.daily_model = DailyDoseModel(self.document, self)

        self._build_actions()
        self._build_menus()
        self._build_central()
        self.setStatusBar(self.statusBar())
        self.document.changed.connect(self._on_changed)
        self.document.undo_stack.cleanChanged.connect(self._update_title)
        self._restore_settings()
        self._on_changed()
        self.table.setFocus()

    # ------------------------------------------------------------------ window
    @property
    def pharmacy(self) -> PharmacySettings | None:
        return self._pharmacy

    @pharmacy.setter
    def pharmacy(self, settings: PharmacySettings | None) -> None:
        """New pharmacy settings also re-check the formula against their ceiling on an overage."""
        self._pharmacy = settings
        self.document.set_max_excess(settings.maximum_excess if settings is not None else None)

    def _restore_settings(self) -> None:
        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1360, 860)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)
        for splitter in (self.main_splitter, self.bottom_splitter):
            saved = self.settings.splitter_state(splitter.objectName())
            if saved is not None:
                splitter.restoreState(saved)
        if self.settings.splitter_state(self.main_splitter.objectName()) is None:
            QTimer.singleShot(0, lambda: self.main_splitter.setSizes([420, 380]))

    def save_settings(self) -> None:
        self.settings.set_geometry(self.saveGeometry())
        self.settings.set_window_state(self.saveState())
        for splitter in (self.main_splitter, self.bottom_splitter):
            self.settings.set_splitter_state(splitter.objectName(), splitter.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_discard():
            event.ignore()
            return
        self.save_settings()
        event.accept()

    def _about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(
            self,
            "About Compounder",
            f"<b>Compounder {__version__}</b><br>Formulation calculator for compounding pharmacists.<br>"
            "Every number comes from the formulation engine and its sourced reference database.",
        )



__all__ = ["BASE_ROW", "HEADER_LABELS", "FileSource", "LibrarySource", "MainWindow", "Source", "read_formula_file"]
