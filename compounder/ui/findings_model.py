"""The findings panel's model: the document's notices (engine findings and unusable fields),
errors first, each with its severity's colour and icon.

A thin adapter over ``FormulaDocument.evaluation.notices``. When an edit changes only the words
of findings (a number in a message), it signals ``dataChanged`` over the rows that changed; when
findings come or go, it resets (``modelAboutToBeReset`` / ``modelReset``). Each row's answers
are worked out once per change, not on every paint.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QModelRoleDataSpan, QObject, QPersistentModelIndex, Qt

from compounder.ui import look
from compounder.ui.formula_document import FormulaDocument, Notice
from compounder.ui.role_data import fill

TARGET_ROLE = Qt.ItemDataRole.UserRole + 1
SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 2
HEADERS = ("Severity", "Finding")


class FindingsModel(QAbstractTableModel):
    def __init__(self, document: FormulaDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._notices: tuple[Notice, ...] = document.evaluation.notices
        self._cells = [_cells(notice) for notice in self._notices]
        document.changed.connect(self._refresh)

    def notice(self, row: int) -> Notice:
        return self._notices[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._notices)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._cells) and 0 <= column < len(HEADERS)):
            return None
        return self._cells[row][column].get(role)

    def multiData(self, index: QModelIndex | QPersistentModelIndex, roleDataSpan: QModelRoleDataSpan) -> None:  # noqa: N802 - Qt's name
        """All the roles a delegate paints a cell with, in one call (see ``role_data``)."""
        row, column = index.row(), index.column()
        cell = self._cells[row][column] if 0 <= row < len(self._cells) and 0 <= column < len(HEADERS) else {}
        fill(roleDataSpan, cell.get)

    def _refresh(self) -> None:
        notices = self._document.evaluation.notices
        if notices == self._notices:
            return
        old = self._notices
        if len(notices) == len(old) and all(
            (a.severity, a.code, a.target, a.key) == (b.severity, b.code, b.target, b.key) for a, b in zip(notices, old, strict=False)
        ):
            self._notices = notices
            self._cells = [_cells(notice) for notice in notices]
            for row, (a, b) in enumerate(zip(notices, old, strict=False)):
                if a != b:  # only the rows that changed are repainted
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
            return
        self.beginResetModel()
        self._notices = notices
        self._cells = [_cells(notice) for notice in notices]
        self.endResetModel()


def _cells(notice: Notice) -> tuple[dict[int, object], dict[int, object]]:
    """The answers of one row's two cells, by role."""
    background = look.tint(notice.severity, strength=0.12)
    common = {TARGET_ROLE: notice.target, SEVERITY_ROLE: notice.severity.value, Qt.ItemDataRole.BackgroundRole: background}
    severity = {
        **common,
        Qt.ItemDataRole.DisplayRole: look.WORDS[notice.severity],
        Qt.ItemDataRole.DecorationRole: look.icon(notice.severity),
        Qt.ItemDataRole.ForegroundRole: look.hue(notice.severity),
    }
    finding = {
        **common,
        Qt.ItemDataRole.DisplayRole: notice.brief,
        Qt.ItemDataRole.ToolTipRole: f"{notice.code}: {notice.brief}" + (f"\nSource: {notice.source}" if notice.source else ""),
    }
    return severity, finding
