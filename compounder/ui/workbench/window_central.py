"""The main window's central widget: banner, header fields, ingredient table, findings, directions."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from compounder.calc import Severity
from compounder.ui.common import look
from compounder.ui.common.banner_text import BannerText
from compounder.ui.common.combo import line_edit_of
from compounder.ui.common.date_field import DateField
from compounder.ui.common.view_sizing import WrappedRowHeights, fix_number_columns, known_viewport
from compounder.ui.workbench.entry_keys import FieldChain, TableEnter
from compounder.ui.workbench.ingredient_columns import KEYS
from compounder.ui.workbench.ingredient_delegate import IngredientDelegate
from compounder.ui.workbench.window_parts import WindowParts

BATCH_UNITS = ("g", "mL")


class CentralPart(WindowParts):
    """Builds the window's widgets and their layout (a part of ``MainWindow``)."""

    def _line_edit(self, key: str, placeholder: str, tip: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setPlaceholderText(placeholder)
        edit.setToolTip(tip)
        edit.setProperty("default_tip", tip)
        edit.editingFinished.connect(lambda: self._commit_header(key, edit.text()))
        self._add_error_icon(edit)
        return edit

    def _add_error_icon(self, edit: QLineEdit) -> None:
        """The field's error mark, hidden: its icon is the style's, given when first shown
        (``window_sync``), so the window starts without loading the style's icons."""
        action = QAction(edit)
        edit.addAction(action, QLineEdit.ActionPosition.TrailingPosition)
        action.setVisible(False)
        self._error_icons[edit] = action

    def _build_central(self) -> None:
        self._error_icons: dict[QWidget, QAction] = {}
        self._marked: dict[QWidget, str | None] = {}  # each field's error message as last shown (window_sync)
        central = QWidget(self)
        outer = QVBoxLayout(central)

        # The banner: impossible to miss while an error stands; its place is kept while there is
        # none, so nothing under the pointer moves when it appears.
        self.banner = QFrame(central)
        self.banner.setObjectName("errorBanner")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(8, 4, 8, 4)
        self.banner_icon = QLabel(self.banner)  # its icon is given when the banner first shows (window_sync)
        self.banner_icon.setFixedSize(32, 32)
        self.banner_text = BannerText(self.banner)
        banner_layout.addWidget(self.banner_icon, 0, Qt.AlignmentFlag.AlignTop)
        banner_layout.addWidget(self.banner_text, 1)
        self._style_banner()
        kept = self.banner.sizePolicy()
        kept.setRetainSizeWhenHidden(True)
        self.banner.setSizePolicy(kept)
        self.banner.setVisible(False)
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
        line_edit_of(self.base_combo).editingFinished.connect(lambda: self._commit_header("base", self.base_combo.currentText()))
        self.base_combo.textActivated.connect(lambda text: self._commit_header("base", text))

        self.batch_amount_edit = QLineEdit(header)
        self.batch_amount_edit.setPlaceholderText("120")
        self.batch_amount_edit.setToolTip("Labelled batch quantity")
        self.batch_amount_edit.setProperty("default_tip", "Labelled batch quantity")
        self._add_error_icon(self.batch_amount_edit)
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
        # Typed as YYYY-MM-DD and taken as typed; not before today (a batch is not dated into the past).
        self.date_edit = DateField(
            "compounding date", header, kind="compounded_on", required=True, example=self.document.today.isoformat(),
            not_before=lambda: self.document.today,
        )
        self.date_edit.setPlaceholderText("YYYY-MM-DD")
        self.date_edit.setToolTip("Compounding date: the beyond-use date and lot expiry checks count from it")
        self.date_edit.setProperty("default_tip", self.date_edit.toolTip())
        self.date_edit.committed.connect(lambda day: self._commit_header("compounded_on", day.isoformat()))
        self.date_edit.refused.connect(lambda _text: self._update_banner())

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
        known_viewport(self.table)
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
        self.table_model.rowsInserted.connect(self._added_from_new_row)
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
        known_viewport(self.findings_view)
        self.findings_view.setModel(self.findings_model)
        self.findings_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.findings_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.findings_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.findings_view.setWordWrap(True)
        self.findings_view.verticalHeader().setVisible(False)
        self.findings_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.findings_view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._findings_heights = WrappedRowHeights(self.findings_view)
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
        known_viewport(self.daily_view)
        self.daily_view.setModel(self.daily_model)
        self.daily_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.daily_view.verticalHeader().setVisible(False)
        self.daily_view.verticalHeader().setDefaultSectionSize(self.table.verticalHeader().defaultSectionSize())
        self.daily_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.daily_view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        # mg a day to 0.1 mg, and the share of the maximum: fixed widths, so an edit measures nothing.
        fix_number_columns(self.daily_view, look.number_font(), {1: "000000.0", 3: "0000.0 %"})
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
        # Enter does the next thing while composing (``entry_keys``): strength → the next
        # ingredient, the empty "+" row → Base, then Base → Batch → Density → Amount → Times a day.
        self._table_enter = TableEnter(self.table, lambda: self.table_model.new_row, self.base_combo)
        chain = (self.name_edit, line_edit_of(self.base_combo), self.batch_amount_edit, self.density_edit, self.amount_edit, self.times_edit)
        following: tuple[QWidget | None, ...] = (self.base_combo, self.batch_amount_edit, self.density_edit, self.amount_edit, self.times_edit, None)
        self._field_chain = FieldChain(self, list(zip(chain, following, strict=True)))

    def _added_from_new_row(self, _parent: QModelIndex, first: int, last: int) -> None:
        """An ingredient typed into the "+" row: the cursor goes to its strength, the next thing
        typed (left on the "+" row, a strength typed next made a row of its own)."""
        if first == last == self.table_model.new_row - 1 and self.table.currentIndex().row() == self.table_model.new_row:
            strength = self.table_model.index(first, KEYS.index("strength"))
            QTimer.singleShot(0, self.table, lambda: self.table.setCurrentIndex(strength))  # once the ingredient's editor has closed

    def _style_banner(self) -> None:
        background = look.tint(Severity.ERROR, strength=0.30).name()
        border = look.hue(Severity.ERROR).name()
        self.banner.setStyleSheet(f"QFrame#errorBanner {{ background: {background}; border: 2px solid {border}; border-radius: 4px; }}")

