"""Column widths and row heights, measured only when what they hold changes: the side panels'
fixed number columns and word-wrapped rows, and the records lists' columns sized once from a
sample of their rows (or as the user dragged them, kept per screen).

Qt's ``ResizeToContents`` measures every cell of a section again after every ``dataChanged``
that touches it: after each edit the findings panel laid out every word-wrapped message again,
and the daily-dose panel every number, which was a third of the time from an edit to the repaint.
Here a number column gets a fixed width, wide enough for the widest number it can show, and a
word-wrapped row is measured again only when its own text changes or the column it wraps in
changes width.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractScrollArea, QHeaderView, QTableView, QWidget

from compounder.ui.common.when_drawn import when_drawn

if TYPE_CHECKING:  # a hint only: QEvent's class is set up with the first event watched, after the window is drawn
    from PySide6.QtCore import QEvent

_PADDING = 16  # the cell's margins and focus frame, on both sides, in the styles we ship with
_SORT_MARK = 20  # room beside a header's title for the sort arrow
SAMPLE_ROWS = 50  # rows measured to size a records list's columns
WIDEST_COLUMN = 640  # wider than a formula's name with its strengths; beyond it a text is cut short with "…"


def known_viewport(view: QAbstractScrollArea) -> QWidget:
    """``view.viewport()``, handed to Python without PySide6 working out its most derived class.

    The viewport is a QWidget Qt makes itself; the first such widget ``viewport()`` hands to Python
    has PySide6 set up every QWidget subclass it knows (~70 classes, ~15 ms) to look for a better
    match. Found by the name Qt gives it, as the QWidget it is, it is wrapped directly, and later
    ``viewport()`` calls return that wrapper.
    """
    view.findChild(QWidget, "qt_scrollarea_viewport", Qt.FindChildOption.FindDirectChildrenOnly)  # wrapped as a QWidget
    return view.viewport()  # that wrapper (were it another child, viewport() still answers, as before)


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
        self._width = -1
        self._pending = False
        self._all()
        # A stretched column changes width with the view: its viewport's resizes are watched once
        # its window is drawn (then any width change before is caught up). The first event Qt hands
        # to a Python filter has PySide6 set up every QEvent subclass (~50 classes, ~7 ms), which
        # the window's first paint does without.
        when_drawn(view, self._watch_width, self)

    def _watch_width(self) -> None:
        self._view.viewport().installEventFilter(self)
        self._width_may_have_changed()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        from PySide6.QtCore import QEvent  # set up with the first event watched, after the window is drawn

        if event.type() == QEvent.Type.Resize:
            self._width_may_have_changed()
        return False

    def _width_may_have_changed(self) -> None:
        if self._view.viewport().width() != self._width and not self._pending:
            # after the header has stretched its columns to the new width, which it does next
            self._pending = True
            QTimer.singleShot(0, self, self._resized)

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


class ColumnWidthStore(Protocol):
    """Where a screen's column widths are kept between sessions (``window_settings.Settings``)."""

    def column_widths(self, screen: str) -> list[int] | None: ...

    def set_column_widths(self, screen: str, widths: list[int]) -> None: ...


class SampledColumnWidths(QObject):
    """Sizes a records list's columns once, from the first rows it shows (at most ``SAMPLE_ROWS``
    of them), or as the user left them on this screen last time; then keeps what the user drags.

    Qt's ``ResizeToContents`` asks every role of every cell whenever rows change (73,638
    ``data()`` calls to show a 1,000-batch recall) and would read every page of a paged list."""

    def __init__(self, view: QTableView, store: ColumnWidthStore | None = None, screen: str = "") -> None:
        super().__init__(view)
        self._view, self._store, self._screen = view, store, screen
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        view.setWordWrap(False)  # every row one line high: a row is never measured
        self._sized = False
        self._applying = False
        saved = store.column_widths(screen) if store is not None and screen else None
        if saved is not None and len(saved) == view.model().columnCount():
            self._apply(saved)
            self._sized = True
        model = view.model()
        model.modelReset.connect(self._rows_shown)
        model.rowsInserted.connect(self._rows_shown)
        header.sectionResized.connect(self._user_resized)

    def _rows_shown(self, *_args: object) -> None:
        model = self._view.model()
        if self._sized or model.rowCount() == 0:
            return
        self._sized = True
        header = self._view.horizontalHeader()
        cells, titles = QFontMetrics(self._view.font()), QFontMetrics(header.font())
        rows = min(model.rowCount(), SAMPLE_ROWS)
        # A rows model's texts as it holds them (``table_model.RowsModel.row``, what it shows):
        # asked cell by cell through a QModelIndex, 450 cells took 13 ms, half the sizing.
        held = getattr(model, "row", None)
        sample = [held(row) for row in range(rows)] if callable(held) else None
        widths = []
        for column in range(model.columnCount()):
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            texts = (str(cells_of[column] or "") for cells_of in sample) if sample is not None else (
                str(model.index(row, column).data() or "") for row in range(rows))
            widest = max((cells.horizontalAdvance(text) for text in texts), default=0)
            widths.append(min(max(widest, titles.horizontalAdvance(title) + _SORT_MARK) + _PADDING, WIDEST_COLUMN))
        self._apply(widths)

    def _apply(self, widths: list[int]) -> None:
        self._applying = True
        header = self._view.horizontalHeader()
        for column, width in enumerate(widths):
            header.resizeSection(column, width)
        self._applying = False

    def _user_resized(self, *_args: object) -> None:
        """A width the user dragged is this screen's from now on (the last column stretches to
        the window's width whatever was kept)."""
        if self._applying or self._store is None or not self._screen or not self._sized:
            return
        header = self._view.horizontalHeader()
        widths = [header.sectionSize(column) for column in range(header.count())]
        self._store.set_column_widths(self._screen, widths)
