"""The paged list model on its own (issue 27): pages read as Qt asks for more, a row read twice
shown once, a sort read again from the first page, a page that cannot be read said and not
asked for again. The fetch here is a list in memory; tests/records/test_screens_paging.py runs
the screens on both databases."""

from __future__ import annotations

from PySide6.QtCore import Qt

from compounder.records.errors import DatabaseFailed
from compounder.ui.common.paged_model import PagedRow, PagedRowsModel
from compounder.ui.common.records_context import failure

ROWS = 250


def _numbers(column: int, descending: bool) -> list[int]:
    return sorted(range(ROWS), key=lambda n: (n % 7 if column == 1 else n), reverse=descending)


class Source:
    """Rows 0 … 249 ("row 7", "7 mod 7 = 0"), sorted by the number or by the number mod 7."""

    def __init__(self) -> None:
        self.asked: list[tuple[int, int, int, bool]] = []
        self.shift = 0  # rows "made" meanwhile, before the first: every later page starts that much later
        self.fail = False

    def __call__(self, offset: int, limit: int, column: int, descending: bool):
        self.asked.append((offset, limit, column, descending))
        if self.fail:
            return failure(DatabaseFailed("the database could not be reached"))
        start = max(offset - self.shift, 0)
        return [PagedRow((f"row {n}", f"{n} mod 7 = {n % 7}"), n) for n in _numbers(column, descending)[start:start + limit]]


def _shown(model: PagedRowsModel) -> list[str]:
    return [model.row(r)[0] for r in range(model.rowCount())]


def test_pages_are_read_as_qt_asks_for_more_and_the_model_passes_the_tester(qtmodeltester):
    source = Source()
    model = PagedRowsModel(("Row", "Mod 7"), sortable=(0,), page_rows=100)
    assert model.rowCount() == 0 and not model.canFetchMore()
    assert model.load(source)
    assert _shown(model) == [f"row {n}" for n in range(100)] and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 200
    model.fetchMore()
    assert model.rowCount() == 250 and not model.canFetchMore()  # a page of 50: the last
    assert [asked[0] for asked in source.asked] == [0, 100, 200]
    assert model.item(3) is None and model.key(249) == 249
    qtmodeltester.check(model, force_py=True)


def test_a_row_read_again_on_the_next_page_is_shown_once(qtbot):
    source = Source()
    model = PagedRowsModel(("Row", "Mod 7"), page_rows=100)
    model.load(source)
    source.shift = 3  # three rows made before the first meanwhile: the next page begins with the last three again
    model.fetchMore()
    assert _shown(model) == [f"row {n}" for n in range(197)]
    model.fetchMore()
    assert _shown(model) == [f"row {n}" for n in range(250)] and not model.canFetchMore()


def test_a_sort_reads_the_first_page_again_in_the_querys_order(qtbot):
    source = Source()
    model = PagedRowsModel(("Row", "Mod 7"), sortable=(0, 1), page_rows=100)
    model.load(source)
    model.fetchMore()
    with qtbot.wait_signal(model.modelReset):
        model.sort(1, order=Qt.SortOrder.DescendingOrder)
    assert source.asked[-1] == (0, 100, 1, True)
    assert _shown(model) == [f"row {n}" for n in _numbers(1, True)[:100]]
    asked = len(source.asked)
    model.sort(1, order=Qt.SortOrder.DescendingOrder)  # the order it has: nothing read
    model.sort(5)  # not a sortable column: nothing read
    assert len(source.asked) == asked and (model.sort_column, model.descending) == (1, True)


def test_a_page_that_cannot_be_read_is_said_and_not_asked_for_again(qtbot):
    source = Source()
    model = PagedRowsModel(("Row", "Mod 7"), page_rows=100)
    model.load(source)
    source.fail = True
    with qtbot.wait_signal(model.failed) as said:
        model.fetchMore()
    assert said.args == ["the database of this workstation could not be used: the database could not be reached"]
    assert model.rowCount() == 100 and not model.canFetchMore()  # the rows shown stay
    with qtbot.wait_signal(model.failed):
        assert not model.load(source)
    assert model.rowCount() == 0
