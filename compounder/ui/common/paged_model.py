"""A records list read a page at a time: the table holds the rows read so far, Qt asks for the
next page when the list is scrolled to its end (``canFetchMore``/``fetchMore``), and a click on a
column's header sorts in the query, reading the first page again.

A screen over years of batches then costs what it shows, not what the database holds: the
history's 100,000 batches are read 100 at a time. The screen gives the model a ``fetch``
(offset, limit, sort column, descending → the rows, or ``Failed``); each row carries a key (a
batch number, a lot's id), so a row that moved to a later page between two reads (a batch made
meanwhile, newest first) is shown once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableView

from compounder.ui.common.records_context import Failed
from compounder.ui.common.table_model import RowsModel, rows_table
from compounder.ui.common.view_sizing import ColumnWidthStore

PAGE_ROWS = 100  # a few screens' worth: the first rows show at once, the next come before the end is reached


@dataclass(frozen=True)
class PagedRow:
    """One row as shown, with what identifies it and what the screen acts on when it is chosen."""

    cells: tuple[str, ...]
    key: Hashable
    hue: QColor | None = None
    tip: str | None = None
    item: object = None


Fetch = Callable[[int, int, int, bool], "Sequence[PagedRow] | Failed"]
"""(offset, limit, sort column, descending) → at most ``limit`` rows from the ``offset``-th on."""


class PagedRowsModel(RowsModel):
    """Rows read a page at a time through ``fetch``; sorted by the query on the columns in
    ``sortable``. ``failed`` carries the text to show when a page cannot be read (the rows
    already shown stay, and no more are asked for until the list is loaded again)."""

    failed = Signal(str)

    def __init__(
        self, headers: Sequence[str], parent: QObject | None = None, *, sortable: Iterable[int] = (), sort_column: int = 0,
        descending: bool = False, page_rows: int = PAGE_ROWS,
    ) -> None:
        super().__init__(headers, parent)
        self.sortable = frozenset(sortable)
        self.sort_column, self.descending = sort_column, descending
        self._page_rows = page_rows
        self._fetch: Fetch | None = None
        self._more = False
        self._offset = 0  # rows read so far, shown or not (a row read twice is shown once)
        self._keys: list[Hashable] = []
        self._seen: set[Hashable] = set()
        self._items: list[object] = []

    def load(self, fetch: Fetch | None) -> bool:
        """Show the first page ``fetch`` gives (none: an empty list); False when it failed."""
        self._fetch = fetch
        self.beginResetModel()
        self._clear()
        page = self._read(0)
        if page is not None:
            self._append(page)
        self.endResetModel()
        return page is not None

    def clear(self) -> None:
        self.load(None)

    def item(self, row: int) -> object:
        """What the screen acts on for the row (a lot), as the fetch gave it."""
        return self._items[row]

    def key(self, row: int) -> Hashable:
        return self._keys[row]

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802 - Qt's name
        return not parent.isValid() and self._more

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008, N802 - Qt's name
        if parent.isValid() or not self._more:
            return
        page = self._read(self._offset)
        if page is None:
            return
        fresh = [row for row in page if row.key not in self._seen]
        if not fresh:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._append(fresh)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in the query and read the first page again; a column not in ``sortable`` is ignored."""
        descending = order == Qt.SortOrder.DescendingOrder
        if column not in self.sortable or (column, descending) == (self.sort_column, self.descending):
            return
        self.sort_column, self.descending = column, descending
        if self._fetch is not None:
            self.load(self._fetch)

    def set_rows(self, rows, hues=None, tips=None) -> None:  # noqa: ANN001 - RowsModel's
        raise TypeError("a paged list is loaded with load(fetch)")

    # -- the rows read so far
    def _read(self, offset: int) -> list[PagedRow] | None:
        """The page from ``offset``; None (said through ``failed``) when it could not be read."""
        self._more = False
        if self._fetch is None:
            return []
        page = self._fetch(offset, self._page_rows, self.sort_column, self.descending)
        if isinstance(page, Failed):
            self.failed.emit(page.text)
            return None
        page = list(page)
        self._offset = offset + len(page)
        self._more = len(page) >= self._page_rows  # a full page: there may be more
        return page

    def _clear(self) -> None:
        self._rows, self._hues, self._tips, self._keys, self._items = [], [], [], [], []
        self._seen = set()
        self._offset = 0

    def _append(self, page: Sequence[PagedRow]) -> None:
        for row in page:
            if row.key in self._seen:
                continue
            self._seen.add(row.key)
            self._rows.append(row.cells)
            self._hues.append(row.hue)
            self._tips.append(row.tip)
            self._keys.append(row.key)
            self._items.append(row.item)


def paged_table(model: PagedRowsModel, widths: ColumnWidthStore | None = None, screen: str = "") -> QTableView:
    """``rows_table`` for a paged list: a click on a sortable column's header sorts in the query
    (the header shows the model's order; a click on another column leaves it)."""
    view = rows_table(model, widths, screen)
    header = view.horizontalHeader()

    def current() -> tuple[int, Qt.SortOrder]:
        return model.sort_column, Qt.SortOrder.DescendingOrder if model.descending else Qt.SortOrder.AscendingOrder

    header.setSortIndicator(*current())
    header.setSortIndicatorShown(True)
    view.setSortingEnabled(True)  # sorts by the indicator: the order the model already has, nothing read

    def kept(section: int, _order: Qt.SortOrder) -> None:
        if section not in model.sortable:
            header.setSortIndicator(*current())

    header.sortIndicatorChanged.connect(kept)
    return view
