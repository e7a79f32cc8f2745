"""Issue 27: the records screens read a page at a time, sorted and found in the query, on both
databases. The history showed 500 batches of a search and read every one of a recall (1,000 rows
to show 20) and every lot; their columns were sized to the contents of every cell.

A database of 3,000 batches (1,000 for each of three patients, 100 a day over 30 days, each
with the same lot on its first line) and 2,500 lots more than the pharmacy's own. Nothing here
is timed (benchmarks/bench_screens.py measures); these check what is read and shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import QPoint, Qt
from sqlalchemy import insert, select
from sqlalchemy.orm import sessionmaker

from compounder.records import batches, history, lots, people
from compounder.records.database import migrate, open_database
from compounder.records.model import Batch, BatchLine, IngredientLot
from compounder.records.policy import RecordError
from tests.records.conftest import Clock
from tests.records.helpers import make_pharmacy

BATCHES = 3_000
PER_DAY = 100
EXTRA_LOTS = 2_500
PATIENTS = ("Jane Q. Doe", "Ann Smith", "Bob Young")  # batch i is for PATIENTS[i % 3]
PAGE = 100


@pytest.fixture(scope="module")
def big(backend, database_urls, catalog):
    """(sessions, the pharmacy, the lot every batch used, every batch number, the extra lots'
    numbers). One batch is made through the records API; the rest are copies of its rows."""
    engine = open_database(database_urls(backend, "screens"))
    migrate(engine)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    clock = Clock()
    pharmacy = make_pharmacy(sessions, clock, catalog)
    lot = pharmacy.lots[pharmacy.plan["lines"][0]["name"]]
    start = clock().date()
    with sessions.begin() as s:
        patients = [pharmacy.patient.id] + [people.patient(s, pharmacy.technician, name, dt.date(1950, 1, 2), clock()).id for name in PATIENTS[1:]]
        first = batches.create_batch(
            s, pharmacy.technician, formula_version_id=pharmacy.version_id, patient=pharmacy.patient, rx_number="RX-0",
            prescriber="Dr. A. Smith", plan=pharmacy.plan, compounded_on=start, tolerance_percent="5", now=clock(),
        )
        batches.assign_lot(s, pharmacy.technician, first.batch_number, 1, lot.id, clock())
        batch = dict(s.execute(select(Batch.__table__).where(Batch.batch_number == first.batch_number)).mappings().one())
        lines = [{k: v for k, v in row.items() if k != "id"} for row in s.execute(select(BatchLine.__table__).where(BatchLine.batch_id == batch["id"])).mappings()]
        copies = []
        for index in range(1, BATCHES):
            day = start + dt.timedelta(days=index // PER_DAY)
            copy = {**batch, "batch_number": f"{day:%y%m%d}-{index % PER_DAY + 1:03d}", "compounded_on": day, "rx_number": f"RX-{index:04d}",
                    "patient_id": patients[index % 3]}
            del copy["id"]
            copies.append(copy)
        ids = s.execute(insert(Batch.__table__).returning(Batch.__table__.c.id, sort_by_parameter_order=True), copies).scalars().all()
        s.execute(insert(BatchLine.__table__), [{**line, "batch_id": batch_id} for batch_id in ids for line in lines])
        extra = [f"P{i:05d}" for i in range(EXTRA_LOTS)]
        s.execute(insert(IngredientLot.__table__), [
            {"ingredient": "ketoprofen", "stock_form": "ketoprofen", "manufacturer": "Spectrum", "lot_number": number,
             "expires": dt.date(2027, 1, 1) + dt.timedelta(days=i * 7 % 500), "potency_percent": None, "received_ug": 10**9,
             "remaining_ug": 10**9, "received_at": clock()}
            for i, number in enumerate(extra)
        ])
    numbers = [first.batch_number] + [c["batch_number"] for c in copies]
    yield sessions, pharmacy, lot, numbers, extra
    engine.dispose()


def _pages(read, limit: int = PAGE) -> list:
    """Every row ``read(offset, limit)`` gives, page after page, until a page is not full."""
    rows: list = []
    while True:
        page = read(len(rows), limit)
        rows += page
        if len(page) < limit:
            return rows


# -- the records' paged queries
def test_history_pages_follow_one_another_in_each_order(big):
    sessions, _pharmacy, _lot, numbers, _extra = big
    with sessions() as s:
        first = history.find(s, limit=PAGE)
        assert (len(first.rows), first.total) == (PAGE, BATCHES)
        # Newest first: YYMMDD-NNN sorts as the day, then the number in the day.
        newest = _pages(lambda offset, limit: history.find(s, limit=limit, offset=offset, counted=False).rows)
        assert [b.batch_number for b in newest] == sorted(numbers, reverse=True)
        by_number = _pages(lambda offset, limit: history.find(s, limit=limit, offset=offset, order_by="batch_number", descending=False, counted=False).rows)
        assert [b.batch_number for b in by_number] == sorted(numbers)
        # Rx numbers RX-0 and RX-0001 … RX-2999 sort as text: RX-0, RX-0001, …
        by_rx = _pages(lambda offset, limit: history.find(s, limit=limit, offset=offset, order_by="rx_number", descending=True, counted=False).rows)
        assert [b.rx_number for b in by_rx] == sorted(["RX-0"] + [f"RX-{i:04d}" for i in range(1, BATCHES)], reverse=True)
        # A page not counted again says only what it holds from its offset on.
        assert history.find(s, limit=PAGE, offset=2 * PAGE, counted=False).total == 3 * PAGE
        # Found in the query: 1,000 batches for each patient, counted from the batch table.
        ann = history.find(s, patient="ann", limit=PAGE)
        assert (len(ann.rows), ann.total, {b.patient for b in ann.rows}) == (PAGE, BATCHES // 3, {"Ann Smith"})


def test_sorting_by_a_date_of_birth_not_known_puts_it_last_and_a_bad_page_is_refused(big):
    sessions, pharmacy, _lot, _numbers, _extra = big
    with sessions() as s:
        rows = history.find(s, limit=None, order_by="date_of_birth", descending=True).rows
        assert len(rows) == BATCHES  # every patient's date of birth is known here
        assert rows[0].date_of_birth == dt.date(1950, 1, 2) and rows[-1].date_of_birth == pharmacy.patient.date_of_birth
        with pytest.raises(RecordError, match="cannot be sorted by 'plan'"):
            history.find(s, order_by="plan")
        with pytest.raises(RecordError, match="at least one row"):
            history.find(s, limit=0)
        with pytest.raises(RecordError, match="starts at 0 or later"):
            lots.lot_page(s, offset=-1)


def test_recall_pages_and_counts_in_the_query(big):
    sessions, pharmacy, lot, numbers, _extra = big
    with sessions() as s:
        assert history.recall_count(s, lot.id) == (BATCHES, 3)
        oldest = _pages(lambda offset, limit: history.recall_page(s, lot.id, limit=limit, offset=offset))
        assert [r.batch_number for r in oldest] == sorted(numbers)
        by_patient = _pages(lambda offset, limit: history.recall_page(s, lot.id, limit=limit, offset=offset, order_by="patient"))
        assert [r.patient for r in by_patient] == ["Ann Smith"] * 1_000 + ["Bob Young"] * 1_000 + ["Jane Q. Doe"] * 1_000
        # The first line is weighed on no batch here (drafts): no grams used, sorted last either way.
        assert {r.grams_used for r in history.recall_page(s, lot.id, limit=PAGE, order_by="grams_used", descending=True)} == {None}
        other = pharmacy.lots[pharmacy.plan["lines"][1]["name"]]
        assert history.recall_count(s, other.id) == (0, 0)
        with pytest.raises(RecordError, match="no ingredient lot number 999999"):
            history.recall_count(s, 999_999)


def test_lots_page_found_and_sorted_in_the_query(big):
    sessions, pharmacy, _lot, _numbers, extra = big
    with sessions() as s:
        every = len(extra) + len(pharmacy.lots)
        assert lots.lot_count(s) == every
        soonest = _pages(lambda offset, limit: lots.lot_page(s, limit=limit, offset=offset))
        assert len(soonest) == every and len({lot.id for lot in soonest}) == every
        assert [lot.expires for lot in soonest] == sorted(lot.expires for lot in soonest)
        by_number = _pages(lambda offset, limit: lots.lot_page(s, limit=limit, offset=offset, order_by="lot_number", descending=True))
        assert [lot.lot_number for lot in by_number] == sorted([*extra, *(lot.lot_number for lot in pharmacy.lots.values())], reverse=True)
        # "p012" starts P01200 … P01299 (any case); "SPEC" every extra lot's manufacturer.
        assert lots.lot_count(s, matching="p012") == 100
        assert [lot.lot_number for lot in lots.lot_page(s, matching="p012", order_by="lot_number", limit=3)] == ["P01200", "P01201", "P01202"]
        assert lots.lot_count(s, matching=" SPEC ") == EXTRA_LOTS
        assert lots.lot_count(s, matching="100%") == 0  # the wildcard is a character here
        assert lots.lot_page(s, matching="P00001", limit=5)[0].remaining == Decimal(1000)  # 10⁹ µg = 1,000 g


# -- the screens, on the same database
def _context(sessions):
    """The screens as a pharmacist sees them: signed in, so patients' names are shown (issue 24)."""
    from compounder.ui.common.records_context import RecordsContext
    from tests.records.helpers import PASSWORD

    context = RecordsContext(sessions, Clock())
    context.sign_in("paula", PASSWORD)
    return context


def _shown(qtbot, dialog):
    qtbot.add_widget(dialog)
    dialog.resize(1000, 600)
    dialog.show()
    qtbot.wait_exposed(dialog)
    return dialog


def _click_header(qtbot, view, section: int) -> None:
    header = view.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(header.sectionViewportPosition(section) + 5, header.height() // 2))


def _keys(model) -> list[str]:
    return [model.row(r)[0] for r in range(model.rowCount())]


def test_history_shows_its_first_page_and_more_as_it_is_scrolled(qtbot, big):
    from compounder.ui.records.history_dialog import HistoryDialog

    sessions, _pharmacy, _lot, numbers, _extra = big
    dialog = _shown(qtbot, HistoryDialog(_context(sessions)))
    dialog.search()
    assert _keys(dialog.model) == sorted(numbers, reverse=True)[:PAGE]
    assert dialog.found.text() == "3,000 batches match; the list shows more as it is scrolled." and dialog.message.text() == ""
    dialog.view.scrollToBottom()  # Qt asks the model for more when the list reaches its end
    assert _keys(dialog.model) == sorted(numbers, reverse=True)[: 2 * PAGE]
    while dialog.model.canFetchMore():
        dialog.view.scrollToBottom()
    assert _keys(dialog.model) == sorted(numbers, reverse=True)
    # Sorted in the query: a click on the batch number's header reads the first page again.
    _click_header(qtbot, dialog.view, 0)
    assert _keys(dialog.model) in (sorted(numbers)[:PAGE], sorted(numbers, reverse=True)[:PAGE])
    order = _keys(dialog.model)
    # The status is sorted by no index: a click on it leaves the order (and the header says so).
    _click_header(qtbot, dialog.view, 2)
    assert _keys(dialog.model) == order and dialog.view.horizontalHeader().sortIndicatorSection() == 0
    # Found in the query, the sort kept.
    dialog.patient.setText("Bob")
    dialog.search()
    assert dialog.model.rowCount() == PAGE and {dialog.model.row(r)[3] for r in range(PAGE)} == {"Bob Young"}
    assert dialog.found.text() == "1,000 batches match; the list shows more as it is scrolled." and dialog.message.text() == ""
    dialog.batch.setText(numbers[0][:6])  # the first day's 100 batches: Bob's are index 2, 5, …, 98, (98 - 2) / 3 + 1 = 33
    dialog.search()
    assert dialog.model.rowCount() == 33 and dialog.message.text() == ""


def test_recall_reads_a_page_at_a_time_and_exports_every_batch(qtbot, big, tmp_path):
    from compounder.ui.records.recall_dialog import RecallDialog

    sessions, _pharmacy, lot, numbers, _extra = big
    target = tmp_path / "recall.csv"
    dialog = _shown(qtbot, RecallDialog(_context(sessions), ask_path=lambda _parent, _suggested: target))
    asked: set[int] = set()
    data = dialog.model.data
    dialog.model.data = lambda index, role=Qt.ItemDataRole.DisplayRole: (asked.add(index.row()), data(index, role))[1]  # type: ignore[method-assign]
    row = dialog.model.row  # the column sizing reads its sample of rows' texts here
    dialog.model.row = lambda r: (asked.add(r), row(r))[1]  # type: ignore[method-assign]
    dialog.lot_number.setText(lot.lot_number)
    dialog.find()
    dialog.view.viewport().repaint()
    dialog.model.row = row  # type: ignore[method-assign]
    assert dialog.summary.text().endswith(": 3,000 batches, 3 patients.")
    assert _keys(dialog.model) == sorted(numbers)[:PAGE]
    # Only the first page's rows were ever asked for (the columns were sized from a sample of them):
    # every column sized to its contents asked every role of every one of 1,000 rows.
    assert asked and max(asked) < PAGE
    dialog.view.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # patient, Z to A
    assert {dialog.model.row(r)[3] for r in range(PAGE)} == {"Jane Q. Doe"}
    while dialog.model.canFetchMore():
        dialog.view.scrollToBottom()
    assert dialog.model.rowCount() == BATCHES and sorted(_keys(dialog.model)) == sorted(numbers)
    dialog.export()
    assert len(target.read_text(encoding="utf-8").splitlines()) == 1 + BATCHES


def test_lots_open_on_their_first_page_found_as_typed(qtbot, big):
    from compounder.ui.records.lots_dialog import LotsDialog

    sessions, pharmacy, _lot, _numbers, extra = big
    dialog = _shown(qtbot, LotsDialog(_context(sessions)))
    assert dialog.model.rowCount() == PAGE and dialog.model.canFetchMore()
    assert dialog.shown.text() == f"{len(extra) + len(pharmacy.lots):,} lots"
    dialog.matching.setText("p0120")  # P01200 … P01209
    assert sorted(_keys(dialog.model)) == [f"P0120{i}" for i in range(10)] and dialog.shown.text() == "10 lots found"
    dialog.view.selectRow(0)
    assert dialog._selected_lot().lot_number == dialog.model.row(0)[0]
    dialog.matching.setText("")
    dialog.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert _keys(dialog.model)[:3] == ["L000A", "L001A", "L002A"]  # the pharmacy's own lots sort before P…


def test_column_widths_are_sized_once_and_kept_per_screen(qtbot, big):
    from compounder.ui.records.history_dialog import HistoryDialog

    sessions, _pharmacy, _lot, _numbers, _extra = big

    class Widths:
        def __init__(self) -> None:
            self.kept: dict[str, list[int]] = {}

        def column_widths(self, screen: str) -> list[int] | None:
            return self.kept.get(screen)

        def set_column_widths(self, screen: str, widths: list[int]) -> None:
            self.kept[screen] = widths

    widths = Widths()
    dialog = _shown(qtbot, HistoryDialog(_context(sessions), widths=widths))
    dialog.search()
    header = dialog.view.horizontalHeader()
    sized = [header.sectionSize(c) for c in range(header.count() - 1)]
    assert all(width > 0 for width in sized)
    header.resizeSection(3, 333)  # the user drags the patient column wider
    assert widths.kept["history"][3] == 333
    dialog.patient.setText("Bob")
    dialog.search()
    assert header.sectionSize(3) == 333  # not sized again by the new rows
    again = _shown(qtbot, HistoryDialog(_context(sessions), widths=widths))
    assert again.view.horizontalHeader().sectionSize(3) == 333


# -- the history's first page: a count that stops, the amendment links read only where there are some
def test_a_history_count_stops_past_its_limit_and_says_more_than(big):
    """Counting every one of 100,000 batches to say how many match took longer than the page
    shown (PostgreSQL): a screen counts up to a limit and says "more than" past it."""
    sessions, _pharmacy, _lot, _numbers, _extra = big
    with sessions() as s:
        stopped = history.find(s, limit=PAGE, count_up_to=1_000)
        assert (len(stopped.rows), stopped.total, stopped.more_than, stopped.cut) == (PAGE, 1_000, True, True)
        assert stopped.describe() == "first 100 of more than 1,000 batches"
        # 3,000 batches: a count up to 3,000 reads them all and finds no more; one up to 2,999 stops.
        assert (history.find(s, limit=PAGE, count_up_to=3_000).total, history.find(s, limit=PAGE, count_up_to=3_000).more_than) == (3_000, False)
        assert (history.find(s, limit=PAGE, count_up_to=2_999).total, history.find(s, limit=PAGE, count_up_to=2_999).more_than) == (2_999, True)
        # Ann's batches are every third: 3,000 / 3 = 1,000, exactly the limit.
        ann = history.find(s, patient="ann", limit=PAGE, count_up_to=1_000)
        assert (ann.total, ann.more_than, ann.describe()) == (1_000, False, "first 100 of 1,000 batches")
        # Past the first page the count is not read again, whatever the limit.
        later = history.find(s, limit=PAGE, offset=PAGE, counted=False, count_up_to=1_000)
        assert (later.total, later.more_than) == (2 * PAGE, False)


def _statements(engine):
    """The SQL statements sent through ``engine`` while the block runs (a list filled as they go)."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def recording():
        sent: list[str] = []

        def record(_conn, _cursor, statement, *_args) -> None:
            sent.append(" ".join(statement.split()))

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield sent
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return recording()


def test_a_history_page_links_its_amendments_reading_them_only_for_rows_that_have_some(big):
    """The history read both ends of every amendment for each page shown: two queries over the
    page's batch numbers (8-110 ms on PostgreSQL with 100,000 batches) for pages with none. The
    page's own query now says which rows amend or are amended; only those are looked up."""
    from sqlalchemy import update

    sessions, _pharmacy, _lot, numbers, _extra = big
    newest = sorted(numbers, reverse=True)
    with sessions() as s:
        plain = history.find(s, limit=PAGE, links=True)
        assert plain.links == {}
        with _statements(s.get_bind()) as sent:
            history.find(s, limit=PAGE, links=True, count_up_to=10_000)
        # The page, then the count (stopped by a LIMIT): no amendment query for a page with none.
        assert len(sent) == 2 and "amends_id" in sent[0] and sent[1].startswith("SELECT count(*)") and "LIMIT" in sent[1]
        # Corrections (rolled back below): the 6th newest amends the 3rd newest, the 9th the 6th
        # (a correction corrected) and the 200th (on the next page) the 3rd. A batch's links are
        # in the order of the correcting batch's id, and the ids follow the batch numbers here
        # (inserted oldest first): the 200th newest's id is the lowest of the three, the 3rd's the highest.
        ids = dict(s.execute(select(Batch.__table__.c.batch_number, Batch.__table__.c.id)).all())
        for correction, original in ((newest[5], newest[2]), (newest[8], newest[5]), (newest[199], newest[2])):
            s.execute(update(Batch.__table__).where(Batch.__table__.c.id == ids[correction]).values(amends_id=ids[original]))
        first = history.find(s, limit=PAGE, links=True)
        assert first.links == {
            newest[2]: f"amended by {newest[199]}; amended by {newest[5]}",
            newest[5]: f"amended by {newest[8]}; amends {newest[2]}",
            newest[8]: f"amends {newest[5]}",
        }
        assert first.links == history.amendment_links(s, [b.batch_number for b in first.rows])  # as read for every row
        second = history.find(s, limit=PAGE, offset=PAGE, links=True, counted=False)
        assert second.links == {newest[199]: f"amends {newest[2]}"}
        s.rollback()


def test_history_says_more_than_its_count_limit_and_links_amendments(qtbot, big, monkeypatch):
    """The window's message past the count's limit (10,000 in use; 1,000 here, of 3,000)."""
    from compounder.ui.records import history_dialog
    from compounder.ui.records.history_dialog import HistoryDialog

    sessions, _pharmacy, _lot, numbers, _extra = big
    monkeypatch.setattr(history_dialog, "HISTORY_COUNT_UP_TO", 1_000)
    dialog = _shown(qtbot, HistoryDialog(_context(sessions)))
    dialog.search()
    assert _keys(dialog.model) == sorted(numbers, reverse=True)[:PAGE]
    assert dialog.found.text() == "More than 1,000 batches match; the list shows more as it is scrolled." and dialog.message.text() == ""
    assert {dialog.model.row(r)[-1] for r in range(PAGE)} == {""}  # no amendment here
    dialog.patient.setText("Bob")  # 1,000 batches: counted to the limit, no more
    dialog.search()
    assert dialog.found.text() == "1,000 batches match; the list shows more as it is scrolled." and dialog.message.text() == ""
