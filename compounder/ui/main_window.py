"""The pharmacist's window: the formula's header fields, the ingredient table, findings, and
directions with daily doses.

Every edit goes to the ``FormulaDocument`` (undoable); the window redraws from the document's
``changed`` signal. Nothing here computes a pharmacy number.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDateEdit,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from compounder import __version__
from compounder.calc import Catalog, InputError, Severity
from compounder.calc.formula_file import MAX_FORMULA_FILE_BYTES, decode_formula_file
from compounder.calc.units import format_quantity
from compounder.settings import PharmacySettings, settings_path
from compounder.records.database import DatabaseUnavailable
from compounder.records.library import FormulaLibrary, LibraryEntry, LibraryError
from compounder.ui import look
from compounder.ui.daily_dose_model import DailyDoseModel
from compounder.ui.findings_model import FindingsModel
from compounder.ui.formula_document import BASE_ROW, HEADER_LABELS, FormulaDocument, Target
from compounder.ui.prescription_dialog import PrescriptionDialog
from compounder.ui.ingredient_delegate import IngredientDelegate
from compounder.ui.ingredient_table_model import COLUMNS, ERROR_ROLE, IngredientTableModel
from compounder.ui.prompts import Prompts, Unsaved
from compounder.ui.settings import Settings
from compounder.ui.trail_dialog import TrailDialog

_BATCH = re.compile(r"^\s*(?P<amount>.*?)\s*(?P<unit>g|mL|ml)\s*$")
BATCH_UNITS = ("g", "mL")
KEPT = "The formula stays in the window, unsaved: save again (Ctrl+S) when the server is back, or save it to a file."


@dataclass(frozen=True)
class FileSource:
    path: Path


@dataclass(frozen=True)
class LibrarySource:
    entry_id: int
    read_only: bool


Source = FileSource | LibrarySource | None


class MainWindow(QMainWindow):
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
        self.pharmacy = pharmacy  # None until the pharmacy's settings are entered
        self.pharmacy_path = pharmacy_path or settings_path()
        self.prescription_dialog: PrescriptionDialog | None = None
        self.prompts = prompts or Prompts(self)
        self.document = FormulaDocument(catalog, today, self)
        self.source: Source = None
        self.approved_at: dt.datetime | None = None
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

    # ------------------------------------------------------------------ building
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
        self.prescription_action = self._action("Pre&scription and batch…", self.edit_prescription, "Ctrl+R", "Patient, Rx number, prescriber, label directions, batch number and container")
        self.print_action = self._action("&Print worksheet…", self.print_worksheet, Key.Print, "Print the compounding worksheet (not while an error stands)")
        self.print_label_action = self._action("Print &label…", self.print_label, "Ctrl+Shift+G", "Print the patient label (not while an error stands)")
        self.export_worksheet_action = self._action("&Export worksheet PDF…", self.export_worksheet, None, "Save the compounding worksheet as a PDF")
        self.export_label_action = self._action("Export la&bel PDF…", self.export_label, None, "Save the patient label as a PDF")
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
        file_menu.addActions([self.save_action, self.save_as_action, self.save_library_action, self.approve_action])
        file_menu.addSeparator()
        file_menu.addAction(self.prescription_action)
        file_menu.addActions([self.print_action, self.print_label_action, self.export_worksheet_action, self.export_label_action])
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
        toolbar.addActions([self.prescription_action, self.print_action, self.print_label_action, self.approve_action])
        toolbar.addSeparator()
        self.find_edit = QLineEdit(self)
        self.find_edit.setPlaceholderText("Find ingredient (Ctrl+F)")
        self.find_edit.setClearButtonEnabled(True)
        self.find_edit.setMaximumWidth(260)
        self.find_edit.textEdited.connect(lambda text: self.find(text, start=0))
        self.find_edit.returnPressed.connect(lambda: self.find(self.find_edit.text(), start=self.table.currentIndex().row() + 1))
        toolbar.addWidget(self.find_edit)

    def _line_edit(self, key: str, placeholder: str, tip: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setPlaceholderText(placeholder)
        edit.setToolTip(tip)
        edit.setProperty("default_tip", tip)
        edit.editingFinished.connect(lambda: self._commit_header(key, edit.text()))
        self._error_icons[edit] = edit.addAction(look.icon(Severity.ERROR), QLineEdit.ActionPosition.TrailingPosition)
        self._error_icons[edit].setVisible(False)
        return edit

    def _build_central(self) -> None:
        self._error_icons: dict[QWidget, QAction] = {}
        central = QWidget(self)
        outer = QVBoxLayout(central)

        # The banner: impossible to miss while an error stands.
        self.banner = QFrame(central)
        self.banner.setObjectName("errorBanner")
        banner_layout = QHBoxLayout(self.banner)
        banner_icon = QLabel(self.banner)
        banner_icon.setPixmap(look.icon(Severity.ERROR).pixmap(QSize(32, 32)))
        self.banner_text = QLabel(self.banner)
        self.banner_text.setWordWrap(True)
        self.banner_text.setTextFormat(Qt.TextFormat.RichText)
        banner_layout.addWidget(banner_icon, 0, Qt.AlignmentFlag.AlignTop)
        banner_layout.addWidget(self.banner_text, 1)
        self._style_banner()
        outer.addWidget(self.banner)

        # Header fields.
        header = QGroupBox("Formula", central)
        grid = QGridLayout(header)
        self.name_edit = self._line_edit("name", "e.g. Ketoprofen 10 % / baclofen 2 % in Lipoderm", "Name of the formula")
        self.base_combo = QComboBox(header)
        self.base_combo.setEditable(True)
        self.base_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.base_combo.addItems([base.name for base in self.catalog.bases])
        base_completer = QCompleter(sorted({n for b in self.catalog.bases for n in (b.name, *b.aliases)}, key=str.casefold), self.base_combo)
        base_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        base_completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.base_combo.setCompleter(base_completer)
        self.base_combo.setToolTip("The base fills the batch to weight (quantity sufficient)")
        self.base_combo.setProperty("default_tip", self.base_combo.toolTip())
        self.base_combo.lineEdit().editingFinished.connect(lambda: self._commit_header("base", self.base_combo.currentText()))
        self.base_combo.textActivated.connect(lambda text: self._commit_header("base", text))

        self.batch_amount_edit = QLineEdit(header)
        self.batch_amount_edit.setPlaceholderText("120")
        self.batch_amount_edit.setToolTip("Labelled batch quantity")
        self.batch_amount_edit.setProperty("default_tip", "Labelled batch quantity")
        self._error_icons[self.batch_amount_edit] = self.batch_amount_edit.addAction(look.icon(Severity.ERROR), QLineEdit.ActionPosition.TrailingPosition)
        self._error_icons[self.batch_amount_edit].setVisible(False)
        self.batch_amount_edit.editingFinished.connect(self._commit_batch)
        self.batch_unit_combo = QComboBox(header)
        self.batch_unit_combo.addItems(BATCH_UNITS)
        self.batch_unit_combo.setToolTip("g for a batch by weight; mL for a batch by volume (needs the product's density)")
        self.batch_unit_combo.currentIndexChanged.connect(lambda _i: self._commit_batch())
        batch_box = QHBoxLayout()
        batch_box.addWidget(self.batch_amount_edit, 1)
        batch_box.addWidget(self.batch_unit_combo)

        self.density_edit = self._line_edit(
            "density", "e.g. 1.02 g/mL", "The finished product's density: needed for a batch in mL, strengths in mg/mL and doses per click"
        )
        self.excess_edit = self._line_edit("excess", "e.g. 5 %", "Extra prepared to cover losses in mixing and transfer")
        self.balance_combo = QComboBox(header)
        self.balance_combo.addItems([balance.name for balance in self.catalog.balances])
        for combo in (self.base_combo, self.balance_combo):  # long names must not widen the window
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)
        self.balance_combo.setToolTip("The balance weighed on: grams are rounded to its readability")
        self.balance_combo.setProperty("default_tip", self.balance_combo.toolTip())
        self.balance_combo.activated.connect(lambda _i: self._commit_header("balance", self.balance_combo.currentText()))
        self.date_edit = QDateEdit(header)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setToolTip("Compounding date: the beyond-use date and lot expiry checks count from it")
        self.date_edit.setProperty("default_tip", self.date_edit.toolTip())
        self.date_edit.editingFinished.connect(lambda: self._commit_header("compounded_on", self.date_edit.date().toString("yyyy-MM-dd")))

        def label(text: str, buddy: QWidget) -> QLabel:
            widget = QLabel(text, header)
            widget.setBuddy(buddy)
            return widget

        grid.addWidget(label("&Name", self.name_edit), 0, 0)
        grid.addWidget(self.name_edit, 0, 1, 1, 5)
        grid.addWidget(label("Ba&se", self.base_combo), 0, 6)
        grid.addWidget(self.base_combo, 0, 7, 1, 3)
        grid.addWidget(label("&Batch", self.batch_amount_edit), 1, 0)
        grid.addLayout(batch_box, 1, 1)
        grid.addWidget(label("&Density", self.density_edit), 1, 2)
        grid.addWidget(self.density_edit, 1, 3)
        grid.addWidget(label("E&xcess", self.excess_edit), 1, 4)
        grid.addWidget(self.excess_edit, 1, 5)
        grid.addWidget(label("Ba&lance", self.balance_combo), 1, 6)
        grid.addWidget(self.balance_combo, 1, 7)
        grid.addWidget(label("Compounded &on", self.date_edit), 1, 8)
        grid.addWidget(self.date_edit, 1, 9)
        for column, stretch in ((1, 2), (3, 2), (5, 1), (7, 4)):
            grid.setColumnStretch(column, stretch)
        outer.addWidget(header)

        # The ingredient table, with the batch summary under it.
        self.table = QTableView(central)
        self.table.setObjectName("ingredientTable")
        self.table.setModel(self.table_model)
        self.table.setItemDelegate(IngredientDelegate(self.catalog, self.table))
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(True)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header_view = self.table.horizontalHeader()
        for index, width in enumerate((250, 90, 260, 75, 85, 100, 95, 75, 80, 75)):
            self.table.setColumnWidth(index, width)
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header_view.setHighlightSections(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        self.table.selectionModel().currentChanged.connect(self._on_current_cell)
        self.table.doubleClicked.connect(self._on_table_double_click)
        self.table.setToolTip("")

        self.summary = QLabel(central)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        table_panel = QWidget(central)
        table_layout = QVBoxLayout(table_panel)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table)
        table_layout.addWidget(self.summary)

        # Findings.
        findings_box = QGroupBox("Findings", central)
        findings_layout = QVBoxLayout(findings_box)
        self.findings_view = QTableView(findings_box)
        self.findings_view.setObjectName("findingsView")
        self.findings_view.setModel(self.findings_model)
        self.findings_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.findings_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.findings_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.findings_view.setWordWrap(True)
        self.findings_view.verticalHeader().setVisible(False)
        self.findings_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.findings_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.findings_view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.findings_view.clicked.connect(self._on_finding_clicked)
        self.findings_view.activated.connect(self._on_finding_clicked)
        findings_layout.addWidget(self.findings_view)

        # Directions and daily doses.
        directions_box = QGroupBox("Directions and daily dose", central)
        directions_layout = QGridLayout(directions_box)
        self.amount_edit = self._line_edit("directions.amount", "e.g. 1 g, 1 mL or 4 click", "Amount per application")
        self.times_edit = self._line_edit("directions.times_per_day", "e.g. 3", "Applications a day")
        self.area_edit = self._line_edit("directions.area", "e.g. affected knee", "Where it is applied")
        directions_layout.addWidget(label("A&mount", self.amount_edit), 0, 0)
        directions_layout.addWidget(self.amount_edit, 0, 1)
        directions_layout.addWidget(label("&Times a day", self.times_edit), 0, 2)
        directions_layout.addWidget(self.times_edit, 0, 3)
        directions_layout.addWidget(label("&Area", self.area_edit), 1, 0)
        directions_layout.addWidget(self.area_edit, 1, 1, 1, 3)
        self.daily_view = QTableView(directions_box)
        self.daily_view.setObjectName("dailyDoseView")
        self.daily_view.setModel(self.daily_model)
        self.daily_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.daily_view.verticalHeader().setVisible(False)
        self.daily_view.verticalHeader().setDefaultSectionSize(self.table.verticalHeader().defaultSectionSize())
        self.daily_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            self.daily_view.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        directions_layout.addWidget(self.daily_view, 2, 0, 1, 4)

        self.bottom_splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.bottom_splitter.setObjectName("bottomSplitter")
        self.bottom_splitter.addWidget(findings_box)
        self.bottom_splitter.addWidget(directions_box)
        self.bottom_splitter.setStretchFactor(0, 3)
        self.bottom_splitter.setStretchFactor(1, 2)
        self.main_splitter = QSplitter(Qt.Orientation.Vertical, central)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(table_panel)
        self.main_splitter.addWidget(self.bottom_splitter)
        self.main_splitter.setStretchFactor(0, 3)
        self.main_splitter.setStretchFactor(1, 2)
        self.main_splitter.setChildrenCollapsible(False)
        self.bottom_splitter.setChildrenCollapsible(False)
        outer.addWidget(self.main_splitter, 1)
        for view in (self.table, self.findings_view, self.daily_view):  # fits a small laptop screen
            view.setMinimumHeight(90)
        self.setCentralWidget(central)

        self.header_widgets: dict[str, QWidget] = {
            "name": self.name_edit, "base": self.base_combo, "batch": self.batch_amount_edit, "density": self.density_edit,
            "excess": self.excess_edit, "balance": self.balance_combo, "compounded_on": self.date_edit,
            "directions.amount": self.amount_edit, "directions.times_per_day": self.times_edit, "directions.area": self.area_edit,
        }
        self.setTabOrder(self.name_edit, self.base_combo)
        for first, second in (
            (self.base_combo, self.batch_amount_edit), (self.batch_amount_edit, self.batch_unit_combo),
            (self.batch_unit_combo, self.density_edit), (self.density_edit, self.excess_edit),
            (self.excess_edit, self.balance_combo), (self.balance_combo, self.date_edit), (self.date_edit, self.table),
            (self.table, self.findings_view), (self.findings_view, self.amount_edit), (self.amount_edit, self.times_edit),
            (self.times_edit, self.area_edit), (self.area_edit, self.daily_view),
        ):
            self.setTabOrder(first, second)

    def _style_banner(self) -> None:
        background = look.tint(Severity.ERROR, strength=0.30).name()
        border = look.hue(Severity.ERROR).name()
        self.banner.setStyleSheet(f"QFrame#errorBanner {{ background: {background}; border: 2px solid {border}; border-radius: 4px; }}")

    # ------------------------------------------------------------------ document → widgets
    def _on_changed(self) -> None:
        self._sync_header()
        evaluation = self.document.evaluation
        errors = [n for n in evaluation.notices if n.severity is Severity.ERROR]
        if errors:
            more = f" (and {len(errors) - 1} more in the findings below)" if len(errors) > 1 else ""
            what = (
                "this formula cannot be printed or approved." if self.document.must_be_corrected
                else "for this patient: the batch is printed only if a pharmacist overrides each, with the reason."
            )
            self.banner_text.setText(
                f"<b>{len(errors)} error{'s' if len(errors) > 1 else ''} {what}</b><br>"
                f"{_escape(errors[0].message)}{more}"
            )
        self.banner.setVisible(bool(errors))
        for action in (self.print_action, self.print_label_action, self.export_worksheet_action, self.export_label_action):
            action.setEnabled(not self.document.must_be_corrected)
        self.approve_action.setEnabled(not self.document.must_be_corrected)
        self.trail_action.setEnabled(self.document.plan is not None)
        self._update_summary()
        self._update_title()
        self._on_current_cell(self.table.currentIndex())

    def _sync_header(self) -> None:
        self._syncing = True
        try:
            for key, widget in self.header_widgets.items():
                text = self.document.header(key)
                if isinstance(widget, QLineEdit) and widget is not self.batch_amount_edit and widget.text() != text:
                    widget.setText(text)
                self._mark(widget, self.document.cell_error(None, key))
            batch = self.document.header("batch")
            match = _BATCH.match(batch)
            amount, unit = (match.group("amount"), "mL" if match.group("unit").lower() == "ml" else "g") if match else (batch, None)
            if self.batch_amount_edit.text() != amount:
                self.batch_amount_edit.setText(amount)
            if unit is not None:
                self.batch_unit_combo.setCurrentText(unit)
            base = self.document.header("base")
            if self.base_combo.currentText() != base:
                self.base_combo.setEditText(base)
            balance = self.document.header("balance") or self.catalog.default_balance or self.catalog.balances[0].name
            if self.balance_combo.findText(balance) < 0:
                self.balance_combo.addItem(balance)
            self.balance_combo.setCurrentText(balance)
            date = QDate.fromString(self.document.header("compounded_on"), "yyyy-MM-dd")
            self.date_edit.setDate(date if date.isValid() else QDate(self.document.today))
        finally:
            self._syncing = False

    def _mark(self, widget: QWidget, message: str | None) -> None:
        palette = self.palette()
        if message:
            colour = look.tint(Severity.ERROR, palette, strength=0.35)
            palette.setColor(QPalette.ColorRole.Base, colour)
            palette.setColor(QPalette.ColorRole.Button, colour)
        widget.setPalette(palette)
        widget.setToolTip(message or widget.property("default_tip") or "")
        if widget in self._error_icons:
            self._error_icons[widget].setVisible(bool(message))
            self._error_icons[widget].setToolTip(message or "")

    def _update_summary(self) -> None:
        plan = self.document.plan
        if plan is None:
            self.summary.setText("Nothing is computed while an input error stands; the cells marked in red say what is accepted.")
            return
        formula = plan.formula
        parts = [f"Prepare <b>{plan.prepared.to('g').magnitude:.3f} g</b>"]
        if formula.excess is not None and formula.excess.magnitude:
            parts[0] += f" ({format_quantity(formula.quantity)} + {format_quantity(formula.excess.to('percent'))} excess)"
        if plan.density is not None:
            parts.append(f"density {format_quantity(plan.density, 4)} ({plan.density_source})")
        parts.append(
            f"balance reads {format_quantity(plan.balance.readability.value, 4)}, "
            f"minimum weighable {format_quantity(plan.balance.minimum_weighable.value, 4)}"
        )
        if plan.bud is not None:
            parts.append(f"Beyond-use date <b>{plan.bud.date.isoformat()}</b> ({plan.bud.days} days; {_escape(plan.bud.storage)})")
            self.summary.setToolTip(plan.bud.reason)
        if self.approved_at is not None and not self.document.is_modified():
            parts.append(f"approved {self.approved_at.astimezone().strftime('%Y-%m-%d %H:%M')}")
        self.summary.setText(" · ".join(parts))

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self._title()}[*] — Compounder")
        self.setWindowModified(self.document.is_modified())

    def _title(self) -> str:
        name = self.document.header("name")
        if name:
            return name
        if isinstance(self.source, FileSource):
            return self.source.path.name
        return "Untitled formula"

    def _on_current_cell(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        message = index.data(ERROR_ROLE)
        if message:
            self.statusBar().showMessage(f"{COLUMNS[index.column()].title}: {message}")
        else:
            self.statusBar().showMessage(COLUMNS[index.column()].tip)

    # ------------------------------------------------------------------ widgets → document
    def _commit_header(self, key: str, text: str) -> None:
        if not self._syncing:
            self.document.set_header(key, text)

    def _commit_batch(self) -> None:
        if self._syncing:
            return
        amount = self.batch_amount_edit.text().strip()
        unit = self.batch_unit_combo.currentText()
        self.document.set_header("batch", f"{amount} {unit}" if amount and unit else amount)

    def add_row(self) -> None:
        current = self.table.currentIndex()
        row = current.row() if current.isValid() and current.row() <= self.document.row_count() else self.document.row_count()
        self.document.insert_row(row)
        index = self.table_model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.setFocus()
        self.table.edit(index)

    def remove_row(self) -> None:
        current = self.table.currentIndex()
        if current.isValid() and current.row() < self.document.row_count():
            self.document.remove_row(current.row())

    def focus_find(self) -> None:
        self.find_edit.setFocus()
        self.find_edit.selectAll()

    def find(self, text: str, start: int = 0) -> bool:
        """Select the first ingredient row from ``start`` whose ingredient, stock form or lot holds ``text``."""
        needle = text.strip().casefold()
        rows = self.document.row_count()
        palette = self.palette()
        if not needle:
            self.find_edit.setPalette(palette)
            return False
        for offset in range(rows):
            row = (start + offset) % rows
            if any(needle in self.document.cell(row, key).casefold() for key in ("ingredient", "stock", "lot")):
                self.select_target(row)
                self.find_edit.setPalette(palette)
                return True
        palette.setColor(QPalette.ColorRole.Base, look.tint(Severity.ERROR, palette, strength=0.35))
        self.find_edit.setPalette(palette)
        self.statusBar().showMessage(f"No ingredient row holds “{text.strip()}”")
        return False

    def select_target(self, target: Target, key: str | None = None) -> None:
        """Select the table row a finding concerns (or focus the header field it names)."""
        row = self.table_model.row_of(target)
        if row is None:
            widget = self.header_widgets.get(key or "")
            if widget is not None:
                widget.setFocus()
            return
        column = self.table_model.column_of(key) if key in [c.key for c in COLUMNS] else 0
        index = self.table_model.index(row, column)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)

    def _on_finding_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            notice = self.findings_model.notice(index.row())
            self.select_target(notice.target, notice.key)

    def _on_table_double_click(self, index: QModelIndex) -> None:
        if COLUMNS[index.column()].computed or index.row() == self.table_model.base_row:
            self.show_trail()

    def show_trail(self) -> TrailDialog | None:
        plan = self.document.plan
        index = self.table.currentIndex()
        if plan is None or not index.isValid():
            self.statusBar().showMessage("Select a row of a formula without input errors to see its calculation trail")
            return None
        line = self.document.plan_line_of(self.table_model.target(index.row()))
        if line is None:
            return None
        dialog = TrailDialog(plan, plan.lines[line], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # ------------------------------------------------------------------ files and library
    def maybe_discard(self) -> bool:
        """True when the current formula may be replaced (saved, or the pharmacist said so)."""
        if not self.document.is_modified():
            return True
        answer = self.prompts.unsaved_changes(self._title())
        if answer is Unsaved.SAVE:
            return self.save()
        return answer is Unsaved.DISCARD

    def new_formula(self) -> None:
        if self.maybe_discard():
            self.document.new()
            self._set_source(None)

    def open_file_dialog(self) -> None:
        if not self.maybe_discard():
            return
        folder = self.source.path.parent if isinstance(self.source, FileSource) else None
        path = self.prompts.open_path(folder)
        if path is not None:
            self.open_file(path)

    def open_file(self, path: Path) -> bool:
        """Open a formula file; an unreadable file is refused with a message, the formula kept."""
        try:
            data = read_formula_file(path)
            self.document.load(data)
        except (OSError, ValueError) as error:
            message = f"{error.field}: {error.message}" if isinstance(error, InputError) else str(error)
            self.prompts.error("Cannot open the formula", f"{path}:\n{message}")
            if isinstance(error, FileNotFoundError):
                self.settings.remove_recent_file(path)
                self._rebuild_recent_menu()
            return False
        self._set_source(FileSource(path))
        self._remember(path)
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

    def open_from_library(self) -> None:
        if not self.maybe_discard():
            return
        entry_id = self.prompts.library_entry(self.library.entries())
        if entry_id is not None:
            self.open_library_entry(entry_id)

    def open_library_entry(self, entry_id: int) -> bool:
        try:
            entry = self.library.get(entry_id)
            self.document.load(entry.data)
        except (LibraryError, InputError) as error:
            self.prompts.error("Cannot open the master formula", str(error))
            return False
        self._set_source(LibrarySource(entry.id, entry.read_only), entry.approved_at)
        note = " (reference formula: read-only; save to the library under a new name to change it)" if entry.read_only else ""
        self.statusBar().showMessage(f"Opened “{entry.name}” from the library{note}", 8000)
        return True

    def save(self) -> bool:
        source = self.source
        if isinstance(source, FileSource) and source.path.suffix.lower() == ".json":
            return self.save_file(source.path)
        if isinstance(source, LibrarySource) and not source.read_only:
            entry = self._library_call(
                "Cannot save to the library",
                lambda: self.library.update(source.entry_id, self.document.master_data(), name=self.document.header("name") or None),
            )
            if entry is None:
                return False
            self.document.mark_saved()
            self._set_source(source, entry.approved_at)
            self.statusBar().showMessage(f"Saved “{entry.name}” to the library", 5000)
            return True
        if isinstance(source, LibrarySource):
            return self.save_to_library()
        return self.save_as_file()

    def _library_call(self, title: str, call: Callable[[], LibraryEntry], when_lost: str = KEPT) -> LibraryEntry | None:
        """A change to the formula library, or ``None`` after saying why it was refused or that
        the server is out of reach (the formula in the window is untouched either way)."""
        try:
            return call()
        except LibraryError as error:
            self.prompts.error(title, str(error))
        except DatabaseUnavailable as error:
            self.prompts.error(title, f"{error}. {when_lost}")
        return None

    def save_as_file(self) -> bool:
        if isinstance(self.source, FileSource):
            suggested = self.source.path.with_suffix(".json")
        else:
            suggested = Path.home() / f"{_file_stem(self.document.header('name') or 'formula')}.json"
        path = self.prompts.save_path(suggested)
        return self.save_file(path) if path is not None else False

    def save_file(self, path: Path) -> bool:
        text = json.dumps(self.document.to_data(), indent=2, ensure_ascii=False) + "\n"
        try:
            temporary = path.with_name(path.name + ".part")
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(path)
        except OSError as error:
            self.prompts.error("Cannot save the formula", f"{path}:\n{error.strerror or error}")
            return False
        self.document.mark_saved()
        self._set_source(FileSource(path))
        self._remember(path)
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def save_to_library(self) -> bool:
        name = self.prompts.name("Save to the formula library", "Name of the master formula:", self.document.header("name") or "")
        if name is None:
            return False
        entry = self._library_call("Cannot save to the library", lambda: self.library.add(name, self.document.master_data()))
        if entry is None:
            return False
        if self.document.header("name") != entry.name:
            self.document.set_header("name", entry.name)
        self.document.mark_saved()
        self._set_source(LibrarySource(entry.id, read_only=False))
        self.statusBar().showMessage(f"Saved “{entry.name}” to the library", 5000)
        return True

    def approve(self) -> bool:
        """Approve the master formula as it stands: never while an error of the formula stands
        (the patient's findings belong to one batch, not to the master formula)."""
        if self.document.must_be_corrected:
            self.prompts.error("Cannot approve", "The formula has errors; approve it once they are resolved.")
            return False
        source = self.source
        in_library = isinstance(source, LibrarySource) and not source.read_only
        shipped_as_is = isinstance(source, LibrarySource) and source.read_only and not self.document.is_modified()
        if not shipped_as_is and (not in_library or self.document.is_modified()):
            if not self.prompts.confirm("Approve master formula", "The formula is saved to the library first. Continue?"):
                return False
            if not (self.save() if in_library else self.save_to_library()):
                return False
        if not self.prompts.confirm("Approve master formula", f"Approve “{self._title()}” as it stands?"):
            return False
        entry = self._library_call("Cannot approve", lambda: self.library.approve(self.source.entry_id), "Approve again when the server is back.")
        if entry is None:
            return False
        self._set_source(self.source, entry.approved_at)
        self.statusBar().showMessage(f"Approved “{entry.name}”", 5000)
        return True

    # ------------------------------------------------------------------ prescription, documents, settings
    def edit_prescription(self) -> PrescriptionDialog:
        """The prescription and batch fields, beside the window (one dialog, kept)."""
        if self.prescription_dialog is None:
            self.prescription_dialog = PrescriptionDialog(self.document, self)
        self.prescription_dialog.show()
        self.prescription_dialog.raise_()
        self.prescription_dialog.activateWindow()
        return self.prescription_dialog

    def edit_pharmacy_settings(self) -> bool:
        saved = self.prompts.pharmacy_settings(self.pharmacy, self.pharmacy_path)
        if saved is None:
            return False
        self.pharmacy = saved
        self.statusBar().showMessage(f"Saved the pharmacy settings to {self.pharmacy_path}", 5000)
        return True

    def print_worksheet(self) -> bool:
        return self._print("worksheet")

    def print_label(self) -> bool:
        return self._print("label")

    def export_worksheet(self, path: Path | None = None) -> bool:
        return self._export("worksheet", path)

    def export_label(self, path: Path | None = None) -> bool:
        return self._export("label", path)

    def _print(self, kind: str) -> bool:
        pdf = self.document_pdf(kind)
        if pdf is None:
            return False
        printed = self.prompts.print_pdf(f"{kind} {self._document_name(kind)}", pdf)
        if printed:
            self.statusBar().showMessage(f"Sent the {kind} to the printer", 5000)
        return printed

    def _export(self, kind: str, path: Path | None) -> bool:
        pdf = self.document_pdf(kind)
        if pdf is None:
            return False
        if path is None:
            folder = self.source.path.parent if isinstance(self.source, FileSource) else Path.home()
            path = self.prompts.save_pdf_path(f"Export the {kind} as PDF", folder / f"{_file_stem(f'{kind}-{self._document_name(kind)}')}.pdf")
            if path is None:
                return False
        try:
            temporary = path.with_name(path.name + ".part")
            temporary.write_bytes(pdf)
            temporary.replace(path)
        except OSError as error:
            self.prompts.error(f"Cannot save the {kind}", f"{path}:\n{error.strerror or error}")
            return False
        self.statusBar().showMessage(f"Saved the {kind} to {path}", 5000)
        return True

    def _screened_patient(self):
        """The patient section the plan was screened for, printed on the worksheet (None without one)."""
        from compounder.calc.patient import screening_inputs

        try:
            return screening_inputs(self.document.to_data(), self.catalog, strict_prescription=False).patient
        except InputError:
            return None

    def _document_name(self, kind: str) -> str:
        order = self.document.order
        return (order.batch_number if order is not None and order.batch_number else None) or self._title()

    def document_pdf(self, kind: str) -> bytes | None:
        """The worksheet or label of the batch as it stands, or ``None`` after saying why it may not be printed.

        Every refusal is the engine's: error findings, prescription fields it cannot use or that
        the document needs, warnings nobody acknowledged (asked for here), a label that does not fit.
        """
        from compounder.calc.prescription import missing_for
        from compounder.calc.release import BatchBlocked, open_findings, stale_acknowledgements
        from compounder.documents.batch import label_pdf, label_stock, worksheet_pdf
        from compounder.documents.common import UnprintableText
        from compounder.documents.label import LabelOverflow

        title = f"Cannot print the {kind}"
        plan = self.document.plan
        if plan is None or self.document.must_be_corrected:
            self.prompts.error(title, "The formula has errors; print it once they are resolved.")
            return None
        if self.pharmacy is None:
            self.prompts.error(title, "The worksheet and label print the pharmacy's name, address, phone and licence; enter them first.")
            if not self.edit_pharmacy_settings():
                return None
        if self.document.order_errors:
            lines = [f"{HEADER_LABELS.get(key, key)}: {message}" for key, message in self.document.order_errors.items()]
            self.prompts.error(title, "Correct the prescription first:\n" + "\n".join(lines))
            self.edit_prescription()
            return None
        order = self.document.order
        missing = missing_for(order, kind)
        if missing:
            names = ", ".join(HEADER_LABELS.get(key, key) for key in missing)
            self.prompts.error(title, f"The {kind} needs: {names}. Enter them under Prescription and batch (Ctrl+R).")
            self.edit_prescription()
            return None
        stale = stale_acknowledgements(plan, order)
        if stale:
            codes = ", ".join(sorted({ack.code for ack in stale}))
            if not self.prompts.confirm(
                "Acknowledgements that no longer apply",
                f"The formula or the patient changed: {codes} is no longer a warning or error of this batch as it was signed for, "
                "so its acknowledgement cannot be printed. Remove it?",
            ):
                return None
            gone = {ack.code for ack in stale}
            kept = [item for item in self.document.extra("acknowledged") or [] if str(item.get("code", "")).upper() not in gone]
            self.document.set_extra("acknowledged", kept or None, "Remove acknowledgements that no longer apply")
            order = self.document.order
        warnings = open_findings(plan, order)  # patient errors to override, then warnings to acknowledge
        if warnings:
            answers = self.prompts.acknowledge(warnings)
            if not answers:
                self.statusBar().showMessage(f"Not printed: {len(warnings)} finding(s) not acknowledged or overridden", 8000)
                return None
            self.document.set_extra("acknowledged", [*(self.document.extra("acknowledged") or []), *answers], "Acknowledge findings")
            order = self.document.order
            if order is None:  # the engine refused an answer: say so rather than print
                lines = [f"{key}: {message}" for key, message in self.document.order_errors.items()]
                self.prompts.error(title, "\n".join(lines))
                return None
        compounded_on = plan.formula.compounded_on or self.document.today
        try:
            if kind == "worksheet":
                return worksheet_pdf(plan, order, self.catalog, compounded_on, self.pharmacy, patient=self._screened_patient())
            stock = label_stock(self.pharmacy)
            position = self.prompts.label_position(stock)
            if position is None:
                return None
            try:
                return label_pdf(plan, order, self.catalog, compounded_on, self.pharmacy, stock, position)
            except LabelOverflow as overflow:
                self.prompts.error(
                    "The label does not fit",
                    f"Nothing was printed: {overflow.message}.\n\nChoose a larger label stock in Pharmacy settings, "
                    "or shorten the directions on the label.",
                )
                return None
        except BatchBlocked as blocked:
            lines = [f"{f.severity.value.upper()} {f.code}: {f.message}" for f in blocked.findings]
            self.prompts.error(title, f"{blocked.reason}.\n" + "\n".join(lines))
        except (InputError, UnprintableText) as error:
            self.prompts.error(title, f"{HEADER_LABELS.get(error.field, error.field)}: {error.message}")
        return None

    def _set_source(self, source: Source, approved_at: dt.datetime | None = None) -> None:
        self.source = source
        self.approved_at = approved_at
        self._update_summary()
        self._update_title()

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

    # ------------------------------------------------------------------ window
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


def read_formula_file(path: Path) -> Any:
    """A formula file's data (JSON, or TOML by its suffix); ``ValueError`` says what is wrong."""
    from compounder.files import read_regular_file  # not a FIFO or /dev/zero, nor a file of gigabytes

    return decode_formula_file(read_regular_file(path, MAX_FORMULA_FILE_BYTES, "formula"), path.suffix)


def _file_stem(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name).strip("-")[:80] or "formula"


def _escape(text: str) -> str:
    from html import escape

    return escape(text)


__all__ = ["BASE_ROW", "HEADER_LABELS", "MainWindow", "read_formula_file"]
