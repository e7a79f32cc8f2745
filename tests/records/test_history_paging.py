"""Issue 21, observation 5: ``history`` showed at most 500 batches without saying so (`history
--lot` listed 500 of the 1,000 batches `recall` found for the same lot). A search now says how
many match in all, pages through them, and returns every one for an export. On both databases."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from compounder.cli import run
from compounder.records import batches, history
from compounder.records.database import migrate, open_database
from compounder.records.model import Batch, BatchLine
from tests.conftest import TODAY
from tests.records.conftest import Clock
from tests.records.helpers import make_pharmacy

BATCHES = 1_000
PER_DAY = 100  # a batch number holds 999 a day: the 1,000 are spread over 10 days


@pytest.fixture(scope="module")
def paged(backend, database_urls, catalog):
    """A database of its own holding 1,000 draft batches of one formula for one patient, each
    with the first line's lot, shared by the tests below: (its URL, its engine, the lot).

    One batch is made through the records API; the other 999 are copies of its rows inserted
    directly, in one transaction (making each through the API and its audit trail took 3 minutes;
    the history search reads only these rows)."""
    url = database_urls(backend, "paging")
    engine = open_database(url)
    migrate(engine)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    clock = Clock()
    pharmacy = make_pharmacy(sessions, clock, catalog)
    lot = pharmacy.lots[pharmacy.plan["lines"][0]["name"]]
    start = clock().date()
    with sessions.begin() as s:
        first = batches.create_batch(
            s, pharmacy.technician, formula_version_id=pharmacy.version_id, patient=pharmacy.patient, rx_number="RX-0",
            prescriber="Dr. A. Smith", plan=pharmacy.plan, compounded_on=start, tolerance_percent="5", now=clock(),
        )
        batches.assign_lot(s, pharmacy.technician, first.batch_number, 1, lot.id, clock())
        batch = dict(s.execute(select(Batch.__table__).where(Batch.batch_number == first.batch_number)).mappings().one())
        lines = [dict(row) for row in s.execute(select(BatchLine.__table__).where(BatchLine.batch_id == batch["id"])).mappings()]
        copies = []
        for index in range(1, BATCHES):
            day = start + dt.timedelta(days=index // PER_DAY)
            copies.append({**batch, "id": None, "batch_number": f"{day:%y%m%d}-{index % PER_DAY + 1:03d}", "compounded_on": day,
                           "rx_number": f"RX-{index}"})
        for copy in copies:
            del copy["id"]
        ids = s.execute(insert(Batch.__table__).returning(Batch.__table__.c.id, sort_by_parameter_order=True), copies).scalars().all()
        s.execute(insert(BatchLine.__table__), [{**line, "batch_id": batch_id} for batch_id in ids for line in _without_id(lines)])
    yield url, engine, lot
    engine.dispose()


def _without_id(rows):
    return [{key: value for key, value in row.items() if key != "id"} for row in rows]


def test_a_search_says_how_many_match_and_pages_through_all_of_them(paged):
    _url, engine, lot = paged
    with Session(engine) as s:
        assert len(history.recall(s, lot.id)) == BATCHES
        first = history.find(s, lot_number=lot.lot_number)
        assert (len(first.rows), first.total, first.offset, first.cut) == (500, 1_000, 0, True)
        assert first.describe() == "first 500 of 1,000 batches"
        second = history.find(s, lot_number=lot.lot_number, offset=500)
        assert (len(second.rows), second.total, second.cut) == (500, 1_000, True)
        assert second.describe() == "batches 501 to 1,000 of 1,000"
        # The two pages together are every batch, once, newest first.
        numbers = [b.batch_number for b in first.rows + second.rows]
        assert len(set(numbers)) == BATCHES
        assert numbers == sorted(numbers, reverse=True)  # YYMMDD-NNN sorts as the day and the number
        every = history.find(s, lot_number=lot.lot_number, limit=None)
        assert (len(every.rows), every.total, every.cut) == (1_000, 1_000, False)
        assert every.describe() == "all 1,000 batches"
        # A narrower search that fits is not cut: one day holds 100 of them.
        day = history.find(s, lot_number=lot.lot_number, since=first.rows[0].compounded_on)
        assert (len(day.rows), day.total, day.cut) == (PER_DAY, PER_DAY, False)


def test_the_command_line_says_when_history_is_cut(paged):
    """Text, JSON and --all, on the same 1,000 batches."""
    url, _engine, lot = paged

    def history_cli(*argv):
        out, err = io.StringIO(), io.StringIO()
        code = run(["history", "--lot", lot.lot_number, "--database", url, *argv], load_catalog=lambda _p: None, today=TODAY, stdout=out, stderr=err)
        # The module's database was made under another test's home, so this workstation has no head
        # recorded for it: the start-up warning says so (tests/records/test_head_identity.py); nothing else.
        assert code == 0 and all(line.startswith("compounder: WARNING: audit head:") for line in err.getvalue().splitlines()), err.getvalue()
        return out.getvalue()

    text = history_cli().splitlines()
    assert len(text) == 501
    assert text[-1] == "first 500 of 1,000 batches; the next with --offset 500, every one with --all"
    data = json.loads(history_cli("--json"))
    assert (data["total"], data["offset"], data["shown"], data["cut"], len(data["batches"])) == (1_000, 0, 500, True, 500)
    data = json.loads(history_cli("--json", "--all"))
    assert (data["total"], data["shown"], data["cut"], len(data["batches"])) == (1_000, 1_000, False, 1_000)
    text = history_cli("--offset", "900").splitlines()
    assert len(text) == 101 and text[-1] == "batches 901 to 1,000 of 1,000"
    assert len(history_cli("--all").splitlines()) == 1_000  # nothing cut: no line saying so


def test_the_history_window_says_how_many_match_and_reads_them_all_as_it_is_scrolled(qtbot, paged):
    """The window no longer stops at 500: it reads a page at a time as the list is scrolled
    (issue 27), and says how many match while some are not read yet."""
    from compounder.ui.common.records_context import RecordsContext
    from compounder.ui.records.history_dialog import HistoryDialog

    _url, engine, lot = paged
    dialog = HistoryDialog(RecordsContext(sessionmaker(engine, expire_on_commit=False), Clock()))
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.wait_exposed(dialog)
    dialog.lot.setText(lot.lot_number)
    dialog.search()
    assert dialog.model.rowCount() == 100
    assert dialog.found.text() == "1,000 batches match; the list shows more as it is scrolled." and dialog.message.text() == ""
    while dialog.model.canFetchMore():
        dialog.view.scrollToBottom()
    assert dialog.model.rowCount() == 1_000 and len({dialog.model.row(r)[0] for r in range(1_000)}) == 1_000
    dialog.since.setText(dialog.model.row(0)[1])  # the newest day: 100 batches, one full page
    dialog.search()
    assert dialog.model.rowCount() == 100 and dialog.message.text() == ""
