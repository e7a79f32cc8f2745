"""A table kept with what must follow it: the worksheet's signatures never stand alone on a page.

``KeepWithTail(table, follow)`` lays out the table and then ``follow`` (the signatures' heading and
table). When both fit, they are drawn together. When they do not, the table is split so that at
least its last row goes on with ``follow`` to the next page (its header row repeated there); a
table too short to split that way goes on whole with it. Only where the table and ``follow``
together are taller than a whole page does ``follow`` go after the table's end as it falls.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Table


class KeepWithTail(Flowable):
    def __init__(self, table: Flowable, follow: list[Flowable], page_room: float) -> None:
        super().__init__()
        self.table = table
        self.follow = follow
        self.page_room = page_room  # the height of a page's frame after the first
        self._sizes: list[tuple[float, float]] = []

    def _follow_height(self, width: float, height: float) -> float:
        total = 0.0
        self._sizes = []
        for index, flowable in enumerate(self.follow):
            _, h = flowable.wrap(width, height)
            before = flowable.getSpaceBefore() if index else 0.0  # the first one's space is the frame's
            after = flowable.getSpaceAfter() if index < len(self.follow) - 1 else 0.0
            self._sizes.append((before, h + after))
            total += before + h + after
        return total

    def getSpaceBefore(self) -> float:  # noqa: N802 - ReportLab's name
        return self.table.getSpaceBefore()

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        _, self._table_height = self.table.wrap(available_width, available_height)
        self._gap = self.follow[0].getSpaceBefore() if self.follow else 0.0
        self._rest = self._follow_height(available_width, available_height)
        self.width = available_width
        self.height = self._table_height + self._gap + self._rest
        return available_width, self.height

    def draw(self) -> None:
        y = self.height - self._table_height
        self.table.drawOn(self.canv, 0, y)
        y -= self._gap
        for flowable, (before, height) in zip(self.follow, self._sizes, strict=True):
            y -= before + height
            flowable.drawOn(self.canv, 0, y + (height - flowable.wrap(self.width, height)[1]))

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self.wrap(available_width, available_height)
        if self.height <= available_height:
            return [self.table, *self.follow]
        table: Any = self.table if isinstance(self.table, Table) else None  # its row heights and row split are not in ReportLab's stubs
        if table is not None and len(table._rowHeights or []) > 2:
            last_row = table._rowHeights[-1]
            room = min(available_height, self._table_height - last_row - 0.5)
            table._calc(available_width, available_height)
            parts = table._splitRows(room, doInRowSplit=0) if room > 0 else []  # between rows: the last row whole
            header_rows = table.repeatRows if isinstance(table.repeatRows, int) else len(table.repeatRows)
            if len(parts) == 2 and len(parts[0]._cellvalues) > header_rows:  # a first part of more than the header
                return [parts[0], KeepWithTail(parts[1], self.follow, self.page_room)]
        if self.height <= self.page_room:
            return []  # all of it on the next page, together
        # Taller than a page: the table splits as it would alone (a row within itself if it must),
        # and the signatures follow where it ends.
        parts = self.table.split(available_width, available_height)
        if len(parts) < 2:
            return []
        return [parts[0], KeepWithTail(parts[1], self.follow, self.page_room)] if len(parts) == 2 else [*parts, KeepTogether(self.follow)]
