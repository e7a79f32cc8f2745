"""Column widths and row heights of the side panels, measured only when what they hold changes.

Qt's ``ResizeToContents`` measures every cell of a section again after every ``dataChanged``
that touches it: after each edit the findings panel laid out every word-wrapped message again,
and the daily-dose panel every number, which was a third of the time from an edit to the repaint.
Here a number column gets a fixed width, wide enough for the widest number it can show, and a
word-wrapped row is measured again only when its own text changes or the column it wraps in
changes width.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHeaderView, QTableView

_PADDING = 16  # the cell's margins and focus frame, on both sides, in the styles we ship with


def fix_number_columns(view: QTableView, font: QFont, widest: dict[int, str]) -> None:
    """Give each column in ``widest`` (column → the widest text it can show) a fixed width
    that fits that text in ``font`` and the column's title in the header's font."""
    header = view.horizontalHeader()
    numbers, titles = QFontMetrics(font), QFontMetrics(header.font())
    model = view.model()
    for column, text in widest.items():
        title = str(model.headerData(column, header.orientation()) or "")
        width = max(numbers.horizontalAdvance(text), titles.horizontalAdvance(title)) + _PADDING
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(column, width)


class WrappedRowHeights(QObject):
    """Keeps each row of a word-wrapped view as tall as its text, measuring a row again only
    when its data changes, and every row when rows come or go or the view changes width."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self._view = view
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        model = view.model()
        model.dataChanged.connect(self._rows_changed)
        model.modelReset.connect(self._all)
        model.rowsInserted.connect(self._inserted)
        model.layoutChanged.connect(self._all)
        view.horizontalHeader().sectionResized.connect(self._all)
        view.viewport().installEventFilter(self)  # a stretched column changes width with the view
        self._width = -1
        self._pending = False
        self._all()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize and self._view.viewport().width() != self._width and not self._pending:
            # after the header has stretched its columns to the new width, which it does next
            self._pending = True
            QTimer.singleShot(0, self, self._resized)
        return False

    def _resized(self) -> None:
        self._pending = False
        self._width = self._view.viewport().width()
        self._all()

    def _rows_changed(self, first: QModelIndex, last: QModelIndex) -> None:
        for row in range(first.row(), last.row() + 1):
            self._view.resizeRowToContents(row)

    def _inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        for row in range(first, last + 1):
            self._view.resizeRowToContents(row)

    def _all(self, *_args: object) -> None:
        self._view.resizeRowsToContents()
