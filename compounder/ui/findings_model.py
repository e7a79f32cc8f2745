"""The findings panel's model: the document's notices (engine findings and unusable fields),
errors first, each with its severity's colour and icon.

A thin adapter over ``FormulaDocument.evaluation.notices``; it resets when they change
(``modelAboutToBeReset`` / ``modelReset``), which a list of a dozen entries does in no time.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from compounder.ui import look
from compounder.ui.formula_document import FormulaDocument, Notice

TARGET_ROLE = Qt.ItemDataRole.UserRole + 1
SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 2
HEADERS = ("Severity", "Finding")


class FindingsModel(QAbstractTableModel):
    def __init__(self, document: FormulaDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._notices: tuple[Notice, ...] = document.evaluation.notices
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
        if not index.isValid() or not (0 <= index.row() < len(self._notices)):
            return None
        notice = self._notices[index.row()]
        if role == TARGET_ROLE:
            return notice.target
        if role == SEVERITY_ROLE:
            return notice.severity.value
        if index.column() == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                return look.WORDS[notice.severity]
            if role == Qt.ItemDataRole.DecorationRole:
                return look.icon(notice.severity)
            if role == Qt.ItemDataRole.ForegroundRole:
                return look.hue(notice.severity)
        if index.column() == 1:
            if role == Qt.ItemDataRole.DisplayRole:
                return notice.message
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{notice.code}: {notice.message}"
        if role == Qt.ItemDataRole.BackgroundRole:
            return look.tint(notice.severity, strength=0.12)
        return None

    def _refresh(self) -> None:
        notices = self._document.evaluation.notices
        if notices == self._notices:
            return
        self.beginResetModel()
        self._notices = notices
        self.endResetModel()
