"""The one base of the window's table models (row and column counts and the column headers are
written here once), the plain rows-of-text model the records screens share, and its view."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QTableView

from compounder.ui.common.view_sizing import ColumnWidthStore, SampledColumnWidths


class HeaderedTableModel(QAbstractTableModel):
    """A flat table under fixed column headers. A subclass says how many rows it has
    (``row_total``) and, if a header shows more than its title, ``header_role``."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = tuple(headers)

    def row_total(self) -> int:
        raise NotImplementedError

    def header_role(self, section: int, role: int) -> object:
        """A horizontal header's value for a role other than its title (tip, alignment); None: none."""
        return None

    def row_header(self, section: int, role: int) -> object:
        """A vertical (row) header's value; None: Qt's own (the row number)."""
        return None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.row_total()

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Vertical:
            return self.row_header(section, role)
        if not 0 <= section < len(self._headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return self.header_role(section, role)


class RowsModel(HeaderedTableModel):
    """Rows of display text under fixed headers; a row may carry a warning or error hue and a tip."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(headers, parent)
        self._rows: list[tuple[str, ...]] = []
        self._hues: list[QColor | None] = []
        self._tips: list[str | None] = []

    def set_rows(self, rows: Sequence[Sequence[str]], hues: Sequence[QColor | None] | None = None, tips: Sequence[str | None] | None = None) -> None:
        self.beginResetModel()
        self._rows = [tuple(row) for row in rows]
        self._hues = list(hues) if hues is not None else [None] * len(self._rows)
        self._tips = list(tips) if tips is not None else [None] * len(self._rows)
        self.endResetModel()

    def row(self, row: int) -> tuple[str, ...]:
        return self._rows[row]

    def row_total(self) -> int:
        return len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        # Qt asks about nine roles of each cell it paints; the six this model leaves to Qt are
        # answered first, before any call on the index (each a crossing into Qt).
        kind = _ROLES.get(role)
        if kind is None:
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows)) or not (0 <= column < len(self._headers)) or not index.isValid():
            return None
        if kind == 0:
            return self._rows[row][column]
        return self._hues[row] if kind == 1 else self._tips[row]


_ROLES: dict[object, int] = {Qt.ItemDataRole.DisplayRole: 0, Qt.ItemDataRole.ForegroundRole: 1, Qt.ItemDataRole.ToolTipRole: 2}
_ROLES.update({int(role.value): kind for role, kind in list(_ROLES.items()) if isinstance(role, Qt.ItemDataRole)})  # Qt passes the role as a number


def rows_table(model: RowsModel, widths: ColumnWidthStore | None = None, screen: str = "") -> QTableView:
    """A read-only view of whole rows, its columns sized once from the first rows shown, or as
    the user left them on this ``screen`` (kept in ``widths``)."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    SampledColumnWidths(view, widths, screen)
    return view


def selected_key(view: QTableView, model: RowsModel) -> str | None:
    """The first column of the selected row of ``rows_table(model)`` (a batch number, a user
    name), or None when nothing is selected."""
    rows = view.selectionModel().selectedRows()
    return model.row(rows[0].row())[0] if rows else None


def select_key(view: QTableView, model: RowsModel, key: str) -> None:
    """Select the row whose first column is ``key``; nothing when no row is."""
    for row in range(model.rowCount()):
        if model.row(row)[0] == key:
            view.selectRow(row)
            return
