"""The findings panel's model: the document's notices (engine findings and unusable fields),
errors first, each with its severity's colour and icon.

A thin adapter over ``FormulaDocument.evaluation.notices``. After an edit, findings that went
are removed and new ones inserted (``rowsRemoved`` / ``rowsInserted``), and a finding whose words
changed (a number in a message) signals ``dataChanged``; opening a whole formula resets the
model. Each row's answers are worked out once per change, not on every paint.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from compounder.ui.common import look
from compounder.ui.common.role_data import fill
from compounder.ui.common.table_model import HeaderedTableModel
from compounder.ui.workbench.formula_document import FormulaDocument
from compounder.ui.workbench.formula_draft import Notice

TARGET_ROLE = Qt.ItemDataRole.UserRole + 1
SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 2
HEADERS = ("Severity", "Finding")


class FindingsModel(HeaderedTableModel):
    def __init__(self, document: FormulaDocument, parent: QObject | None = None) -> None:
        super().__init__(HEADERS, parent)
        self._document = document
        self._notices: tuple[Notice, ...] = document.evaluation.notices
        self._cells = [_cells(notice) for notice in self._notices]
        document.about_to_reset.connect(self._about_to_reset)
        document.was_reset.connect(self._was_reset)
        document.changed.connect(self._refresh)

    def notice(self, row: int) -> Notice:
        return self._notices[row]

    def row_total(self) -> int:
        return len(self._notices)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._cells) and 0 <= column < len(HEADERS)):
            return None
        return self._cells[row][column].get(role)

    def multiData(self, index: QModelIndex | QPersistentModelIndex, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:  # noqa: N802 - Qt's name
        """All the roles a delegate paints a cell with, in one call (see ``role_data``)."""
        row, column = index.row(), index.column()
        cell = self._cells[row][column] if 0 <= row < len(self._cells) and 0 <= column < len(HEADERS) else {}
        fill(roleDataSpan, cell.get)

    def _about_to_reset(self) -> None:
        self.beginResetModel()

    def _was_reset(self) -> None:
        self._notices = self._document.evaluation.notices
        self._cells = [_cells(notice) for notice in self._notices]
        self.endResetModel()

    def _refresh(self) -> None:
        """Follow an edit with the fewest changes: findings that went are removed, new ones
        inserted, reworded ones changed in place. A reset would measure and paint every row
        again and lose the row the pharmacist selected."""
        notices = self._document.evaluation.notices
        if notices == self._notices:
            return
        from difflib import SequenceMatcher  # imported with the first edit that changes the findings, not at start-up

        steps = SequenceMatcher(None, [_identity(n) for n in self._notices], [_identity(n) for n in notices], autojunk=False)
        current, cells = list(self._notices), list(self._cells)
        for tag, i1, i2, j1, j2 in reversed(steps.get_opcodes()):  # from the end: earlier rows keep their numbers
            if tag == "equal":
                continue
            if i2 > i1:
                self.beginRemoveRows(QModelIndex(), i1, i2 - 1)
                del current[i1:i2], cells[i1:i2]
                self._notices, self._cells = tuple(current), cells
                self.endRemoveRows()
            if j2 > j1:
                self.beginInsertRows(QModelIndex(), i1, i1 + j2 - j1 - 1)
                current[i1:i1] = notices[j1:j2]
                cells[i1:i1] = [_cells(notice) for notice in notices[j1:j2]]
                self._notices, self._cells = tuple(current), cells
                self.endInsertRows()
        self._notices = notices
        for row, (now, before) in enumerate(zip(notices, current, strict=True)):
            if now != before:  # the same finding in other words (a number in it moved)
                self._cells[row] = _cells(now)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))


def _identity(notice: Notice) -> tuple:
    """What makes two findings the same finding, whatever their words."""
    return (notice.severity, notice.code, notice.target, notice.key)


def _cells(notice: Notice) -> tuple[dict[int, object], dict[int, object]]:
    """The answers of one row's two cells, by role."""
    background = look.tint(notice.severity, strength=0.12)
    common = {TARGET_ROLE: notice.target, SEVERITY_ROLE: notice.severity.value, Qt.ItemDataRole.BackgroundRole: background}
    severity: dict[int, object] = {
        **common,
        Qt.ItemDataRole.DisplayRole: look.WORDS[notice.severity],
        Qt.ItemDataRole.DecorationRole: look.icon(notice.severity),
        Qt.ItemDataRole.ForegroundRole: look.hue(notice.severity),
    }
    finding: dict[int, object] = {
        **common,
        Qt.ItemDataRole.DisplayRole: notice.brief,
        Qt.ItemDataRole.ToolTipRole: f"{notice.code}: {notice.brief}" + (f"\nSource: {notice.source}" if notice.source else ""),
    }
    return severity, finding
