"""What the main window's parts share, written down for the type checker.

``MainWindow`` is put together from five parts (``window_actions``, ``window_central``,
``window_sync``, ``window_files``, ``window_printing``), each a class of methods that uses the
widgets and methods of the others. ``WindowParts`` declares those shared widgets and methods with
their types, so mypy checks every part against one list; at run time the parts are plain classes
(``WindowParts`` is ``object``) and ``MainWindow`` joins them to ``QMainWindow``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable
    from pathlib import Path

    from PySide6.QtCore import QModelIndex
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import (
        QComboBox,
        QFrame,
        QLabel,
        QLineEdit,
        QMainWindow,
        QMenu,
        QSplitter,
        QTableView,
        QWidget,
    )

    from compounder.calc import Catalog
    from compounder.calc.prescription import Document
    from compounder.records.library import FormulaLibrary
    from compounder.records.workbench_order import WorkbenchOrder
    from compounder.settings import PharmacySettings
    from compounder.ui.common.banner_text import BannerText
    from compounder.ui.common.date_field import DateField
    from compounder.ui.common.view_sizing import WrappedRowHeights
    from compounder.ui.common.window_settings import Settings
    from compounder.ui.workbench.daily_dose_model import DailyDoseModel
    from compounder.ui.workbench.findings_model import FindingsModel
    from compounder.ui.workbench.formula_document import FormulaDocument
    from compounder.ui.workbench.formula_draft import Target
    from compounder.ui.workbench.formula_source import Source
    from compounder.ui.workbench.ingredient_table_model import IngredientTableModel
    from compounder.ui.workbench.prescription_dialog import PrescriptionDialog
    from compounder.ui.workbench.prompts import Prompts

    class WindowParts(QMainWindow):
        """The main window as each part sees it (declarations only; see the module's docstring)."""

        # main_window
        catalog: Catalog
        library: FormulaLibrary
        settings: Settings
        _pharmacy: PharmacySettings | None
        pharmacy_path: Path
        prescription_dialog: PrescriptionDialog | None
        prompts: Prompts
        document: FormulaDocument
        source: Source
        approved_at: dt.datetime | None
        batch_maker: Callable[[WorkbenchOrder], object] | None
        _syncing: bool
        table_model: IngredientTableModel
        findings_model: FindingsModel
        daily_model: DailyDoseModel

        @property
        def pharmacy(self) -> PharmacySettings | None: ...
        @pharmacy.setter
        def pharmacy(self, settings: PharmacySettings | None) -> None: ...
        def _about(self) -> None: ...

        # window_actions
        new_action: QAction
        open_action: QAction
        open_library_action: QAction
        save_action: QAction
        save_as_action: QAction
        save_library_action: QAction
        approve_action: QAction
        prescription_action: QAction
        make_batch_action: QAction
        print_action: QAction
        print_on_action: QAction
        export_worksheet_action: QAction
        pharmacy_action: QAction
        quit_action: QAction
        undo_action: QAction
        redo_action: QAction
        add_row_action: QAction
        remove_row_action: QAction
        find_action: QAction
        trail_action: QAction
        about_action: QAction
        recent_menu: QMenu
        find_edit: QLineEdit

        def _remember(self, path: Path) -> None: ...
        def _rebuild_recent_menu(self) -> None: ...

        # window_central
        _error_icons: dict[QWidget, QAction]
        _marked: dict[QWidget, str | None]
        banner: QFrame
        banner_icon: QLabel
        banner_text: BannerText
        name_edit: QLineEdit
        base_combo: QComboBox
        batch_amount_edit: QLineEdit
        batch_unit_combo: QComboBox
        density_edit: QLineEdit
        excess_edit: QLineEdit
        balance_combo: QComboBox
        date_edit: DateField
        table: QTableView
        summary: QLabel
        findings_view: QTableView
        _findings_heights: WrappedRowHeights
        amount_edit: QLineEdit
        times_edit: QLineEdit
        area_edit: QLineEdit
        daily_view: QTableView
        bottom_splitter: QSplitter
        main_splitter: QSplitter
        header_widgets: dict[str, QWidget]

        def _style_banner(self) -> None: ...
        def _update_banner(self) -> None: ...

        # window_sync
        def _on_changed(self) -> None: ...
        def _update_title(self) -> None: ...
        def _update_summary(self) -> None: ...
        def _title(self) -> str: ...
        def _commit_header(self, key: str, text: str) -> None: ...
        def _commit_batch(self) -> None: ...
        def _on_current_cell(self, index: QModelIndex) -> None: ...
        def _on_finding_clicked(self, index: QModelIndex) -> None: ...
        def _on_table_double_click(self, index: QModelIndex) -> None: ...
        def add_row(self) -> None: ...
        def remove_row(self) -> None: ...
        def focus_find(self) -> None: ...
        def find(self, text: str, start: int = 0) -> bool: ...  # type: ignore[override]  # QWidget.find(id) is a static lookup the window never uses
        def select_target(self, target: Target, key: str | None = None) -> None: ...
        def show_trail(self) -> object: ...

        # window_files
        def maybe_discard(self) -> bool: ...
        def new_formula(self) -> None: ...
        def open_file_dialog(self) -> None: ...
        def open_file(self, path: Path) -> bool: ...
        def open_from_library(self) -> None: ...
        def open_library_entry(self, entry_id: int) -> bool: ...
        def save(self) -> bool: ...
        def save_as_file(self) -> bool: ...
        def save_to_library(self) -> bool: ...
        def approve(self) -> bool: ...
        def _set_source(self, source: Source, approved_at: dt.datetime | None = None) -> None: ...

        # window_printing
        def edit_prescription(self) -> PrescriptionDialog: ...
        def workbench_order(self) -> WorkbenchOrder: ...
        def make_batch_in_records(self) -> bool: ...
        def edit_pharmacy_settings(self) -> bool: ...
        def print_worksheet(self) -> bool: ...
        def print_worksheet_on(self) -> bool: ...
        def export_worksheet(self, path: Path | None = None) -> bool: ...
        def document_pdf(self, kind: Document = "calculation") -> bytes | None: ...
else:
    WindowParts = object
