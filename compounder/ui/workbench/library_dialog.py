"""Open a master formula from the library: a filterable list, reference formulas marked."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from compounder.records.library import LibraryEntry
from compounder.ui.common.table_model import HeaderedTableModel

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
HEADERS = ("Name", "Kind", "Approved", "Changed")


class LibraryModel(HeaderedTableModel):
    """The library's entries as rows; a thin adapter over a list of ``LibraryEntry``."""

    def __init__(self, entries: list[LibraryEntry], parent: QObject | None = None) -> None:
        super().__init__(HEADERS, parent)
        self._entries = list(entries)

    def set_entries(self, entries: list[LibraryEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def row_total(self) -> int:
        return len(self._entries)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._entries)):
            return None
        entry = self._entries[index.row()]
        if role == ENTRY_ROLE:
            return entry.id
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 2 and entry.name_problem is not None:
            return f"name: {entry.name_problem}"
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                entry.name,
                "reference (read-only)" if entry.read_only else "pharmacy",
                _approval(entry),
                entry.updated_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            )[index.column()]
        return None


def _approval(entry: LibraryEntry) -> str:
    """When it was approved; a name its content contradicts reads as such, never as approved."""
    if entry.name_problem is not None:
        return "not offered: the name contradicts the content"
    return entry.approved_at.astimezone().strftime("%Y-%m-%d %H:%M") if entry.approved_at else "not approved"


class LibraryDialog(QDialog):
    """Choose a master formula; ``chosen_id`` holds its id after ``accept``."""

    def __init__(self, entries: list[LibraryEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open from the formula library")
        self.chosen_id: int | None = None
        self.model = LibraryModel(entries, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(0)

        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter by name, e.g. ketoprofen")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.doubleClicked.connect(lambda _index: self.accept())
        if self.proxy.rowCount():
            self.table.selectRow(0)
        self.filter.returnPressed.connect(self.accept)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(820, 420)

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        if self.proxy.rowCount():
            self.table.selectRow(0)

    def accept(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        self.chosen_id = rows[0].data(ENTRY_ROLE)
        super().accept()
