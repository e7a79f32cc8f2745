"""Dates are the records' own: a batch's compounding date and the times recorded come from the
records' clock — the server's on PostgreSQL (``CURRENT_TIMESTAMP`` of the transaction that
writes), this computer's on SQLite, read inside the transaction. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text

from compounder.records import clock as records_clock_module
from compounder.records import library as records_library
from compounder.records.clock import records_clock, records_now, records_today
from tests.records.records_cli import command_line

# A workstation whose clock is years behind: what it says must not date a batch on PostgreSQL.
BEHIND = dt.datetime(2020, 1, 1, 9, 0, tzinfo=dt.UTC)



@pytest.fixture(params=("sqlite", "postgresql"))
def cli(request, database_urls, tmp_path, catalog):
    """The records' command line on both databases (``tests/records/records_cli.py``)."""
    return command_line(database_urls(request.param, "records_cli"), tmp_path, catalog)

def test_the_records_clock_is_the_servers_on_postgresql_and_this_computers_on_sqlite(sessions, backend):
    with sessions.begin() as session:
        now = records_now(session, lambda: BEHIND)
        if backend == "postgresql":
            server = session.execute(text("SELECT now()")).scalar_one()  # the same transaction: the same instant
            assert now == server and now.tzinfo is not None and now != BEHIND
        else:
            assert now == BEHIND
    if backend == "sqlite":
        assert records_clock(sessions, lambda: BEHIND)() == BEHIND
    else:
        assert records_clock(sessions, lambda: BEHIND)() > BEHIND + dt.timedelta(days=365)


def test_a_batch_made_from_the_command_line_is_dated_by_the_records_clock(cli, monkeypatch, request):
    for module in (records_clock_module, records_library):  # this computer's clock, wherever it is read
        monkeypatch.setattr(module, "utc_now", lambda: BEHIND)
    tmp = cli.tmp
    (tmp / "lidocaine.json").write_text(json.dumps(
        {"batch": "60 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "4 %"}]}
    ), encoding="utf-8")
    (tmp / "order.json").write_text(json.dumps(
        {"prescription": {"directions": "Apply a thin layer to the knee twice a day", "quantity": "60 g"}}
    ), encoding="utf-8")
    assert cli("formulas", "add", str(tmp / "lidocaine.json"), "--name", "Lidocaine 4 % in Lipoderm", "--user", "tess")[0] == 0
    assert cli("formulas", "approve", "Lidocaine 4 % in Lipoderm", "--user", "paula")[0] == 0
    for ingredient, lot in (("lidocaine", "LB-1"), ("Lipoderm", "LD-1")):
        code, _, err = cli("lots", "receive", "--ingredient", ingredient, "--stock-form", ingredient, "--manufacturer", "PCCA",
                           "--lot", lot, "--expires", "2099-12-31", "--quantity", "500", "--user", "paula", "--release")
        assert code == 0, err
    code, out, err = cli("batches", "make", "--formula", "Lidocaine 4 % in Lipoderm", "--patient", "Jane Doe", "--born", "1978-03-02",
                         "--rx", "RX-2901", "--prescriber", "Dr. A. Smith", "--order", str(tmp / "order.json"), "--tolerance", "5",
                         "--lot", "1=LB-1", "--lot", "2=LD-1", "--user", "tess", "--pharmacy-settings", cli.settings, "--json")
    assert code == 0, err
    batch = json.loads(out)
    if request.node.callspec.params["cli"] == "postgresql":
        # the server's day, not the workstation's 2020-01-01 (the server's clock is this machine's real one)
        assert batch["compounded_on"] == records_today(dt.datetime.now(dt.UTC)).isoformat()
        assert not batch["batch_number"].startswith("200101-")
    else:
        assert batch["compounded_on"] == "2020-01-01" and batch["batch_number"].startswith("200101-")
