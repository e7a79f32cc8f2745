"""Several workstations on one database: concurrent batches on SQLite and on PostgreSQL, a server
killed mid-transaction, copying a pharmacy's records between the two, and the command line's
answers to a database URL it cannot use."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from compounder.cli import run
from compounder.records import batches, trail_check
from compounder.records.database import DatabaseUnavailable, migrate, open_database
from compounder.records.lots import get_lot, to_grams
from compounder.records.model import Batch, BatchCounter, BatchLine
from tests.conftest import TODAY
from tests.pgcluster import Cluster
from tests.records import concurrency
from tests.records.helpers import make_pharmacy, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of

BACKENDS = ("sqlite", "postgresql")


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), load_catalog=lambda _p: None, today=TODAY, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- eight workstations at once


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_eight_processes_making_batches_at_once_on_the_same_lots(backend, database_urls):
    """8 writers × ``concurrency.per_writer()`` batches: 8 × 5 = 40 by default, 8 × 100 = 800 in CI."""
    url = database_urls(backend, "concurrent")
    pharmacy = concurrency.prepare(url)
    each = concurrency.per_writer()
    total = concurrency.WRITERS * each
    outcome = concurrency.run(url, pharmacy, processes=concurrency.WRITERS, per_process=each)

    assert len(outcome.batch_numbers) == total
    assert len(set(outcome.batch_numbers)) == total
    # One day's numbers, 261123-001 to 261123-<total> with none skipped.
    assert sorted(outcome.batch_numbers) == [f"261123-{n:03d}" for n in range(1, total + 1)]

    engine = open_database(url, create=False)
    try:
        with sessionmaker(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Batch)) == total
            assert session.scalar(select(func.count(func.distinct(Batch.batch_number)))) == total
            assert set(session.scalars(select(Batch.status))) == {"prepared"}
            assert session.scalar(select(BatchCounter.last).where(BatchCounter.day == "261123")) == total
            for name, lot in pharmacy.lots.items():
                target = next(Decimal(str(line["grams_rounded"])) for line in pharmacy.plan["lines"] if line["name"] == name)
                drawn = to_grams(session.scalar(select(func.sum(BatchLine.actual_ug)).where(BatchLine.lot_id == lot.id)))
                remaining = get_lot(session, lot.id).remaining
                # Every batch weighed exactly the target: drawn = total × target.
                assert drawn == total * target
                # received − total × target, e.g. for a line of 3.6 g and 800 batches: 100000 − 800 × 3.6 = 97120 g
                assert remaining == Decimal(concurrency.LOT_GRAMS) - total * target, name
            assert trail_check.problems(session) == []
            per_batch = 1 + 2 * len(pharmacy.plan["lines"]) + len(pharmacy.plan["lines"]) + len(pharmacy.plan["lines"]) * 2 + 1
            # entries per batch: create batch, create each line, assign lot and enter weight per line, a draw per line, prepared
            entries = session.scalar(text("SELECT sequence FROM audit_head"))
            assert entries == session.scalar(text("SELECT count(*) FROM audit_entry"))
            assert entries >= total * (per_batch - len(pharmacy.plan["lines"]))
    finally:
        engine.dispose()


def test_the_stress_size_is_quick_by_default_full_in_ci_and_refuses_anything_else(monkeypatch):
    monkeypatch.delenv("COMPOUNDER_STRESS", raising=False)
    assert concurrency.per_writer() == 5  # 8 × 5 = 40 batches
    monkeypatch.setenv("COMPOUNDER_STRESS", "full")
    assert concurrency.per_writer() == 100  # 8 × 100 = 800 batches
    monkeypatch.setenv("COMPOUNDER_STRESS", "huge")
    with pytest.raises(ValueError, match="COMPOUNDER_STRESS: 'huge' is not accepted; use quick or full"):
        concurrency.per_writer()


# --------------------------------------------------------------------------- the server goes away


@pytest.fixture
def own_cluster():
    cluster = Cluster().start()
    yield cluster
    cluster.remove()


@pytest.mark.slow
def test_a_server_killed_mid_transaction_keeps_no_partial_batch_and_the_app_recovers(own_cluster, clock, catalog):
    url = own_cluster.create_database("killed")
    engine = open_database(url)
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog)
    with sessions() as session:
        entries_before = session.scalar(text("SELECT sequence FROM audit_head"))
    remaining_before = {name: lot.remaining for name, lot in pharmacy.lots.items()}

    session = sessions()
    session.begin()
    record = batches.create_batch(
        session, pharmacy.technician, formula_version_id=pharmacy.version_id, patient=pharmacy.patient, rx_number="RX-CRASH",
        prescriber="Dr. A. Smith", plan=pharmacy.plan, compounded_on=clock().date(), tolerance_percent="5", now=clock(),
    )
    assert record.batch_number == "261123-001"  # written (flushed) inside the open transaction
    own_cluster.stop("immediate")  # a crash: connections dropped, no clean shutdown
    with pytest.raises(DatabaseUnavailable) as caught:
        session.commit()
    assert str(caught.value).startswith("the database server cannot be reached: postgresql+psycopg://postgres@127.0.0.1:")
    session.close()

    with pytest.raises(DatabaseUnavailable):  # while it is down, every attempt says so
        with sessions() as down:
            down.scalar(select(func.count()).select_from(Batch))

    own_cluster.start()  # back: the same engine works again (dead pooled connections replaced)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 0
        assert session.scalar(select(func.count()).select_from(BatchLine)) == 0
        assert session.scalar(select(func.count()).select_from(BatchCounter)) == 0
        assert session.scalar(text("SELECT sequence FROM audit_head")) == entries_before
        assert trail_check.problems(session) == []
    again = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx="RX-CRASH"))
    assert again.batch_number == "261123-001"  # the number of the lost transaction is used again
    with sessions.begin() as session:
        batches.sign_prepared(session, credentials_of(pharmacy.technician), again.batch_number, clock())
    with sessions() as session:
        for name, lot in pharmacy.lots.items():
            target = next(line.target for line in again.lines if line.name == name)
            assert get_lot(session, lot.id).remaining == remaining_before[name] - target  # 500 g − one batch's target
        assert trail_check.problems(session) == []
    engine.dispose()


# --------------------------------------------------------------------------- db copy


def filled(url, clock, catalog, count=3):
    engine = open_database(url)
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog)
    for n in range(count):
        record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx=f"RX-{n}"))
        with sessions.begin() as s:
            batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    engine.dispose()
    return pharmacy


def table_rows(url):
    from compounder.records.copy import tables

    engine = open_database(url, create=False)
    with engine.connect() as connection:
        found = {t.name: [tuple(row) for row in connection.execute(select(t).order_by(*t.primary_key.columns))] for t in tables()}
    engine.dispose()
    return found


@pytest.mark.parametrize(("source", "target"), [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_db_copy_moves_every_record_and_the_audit_chain_verifies(source, target, database_urls, clock, catalog):
    source_url, target_url = database_urls(source, "copy_from"), database_urls(target, "copy_to")
    pharmacy = filled(source_url, clock, catalog)
    assert cli("db", "migrate", "--database", target_url)[0] == 0

    code, out, err = cli("db", "copy", source_url, target_url)
    assert (code, err) == (0, ""), err
    assert "batch " in out and "audit chain verified on the target" in out
    assert table_rows(target_url) == table_rows(source_url)  # every row, ids and values alike
    code, out, err = cli("db", "check", "--database", target_url)
    assert (code, err) == (0, ""), out

    # The copy is a working database: a new batch gets the next id and number.
    engine = open_database(target_url, create=False)
    sessions = sessionmaker(engine, expire_on_commit=False)
    record = new_batch(sessions, clock, pharmacy, rx="RX-AFTER")
    assert record.batch_number == "261123-004" and record.id == 4
    engine.dispose()

    code, out, err = cli("db", "copy", source_url, target_url)  # again: the target has records now
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "already holds records" in err and "copy only into an empty, migrated database" in err


def test_db_copy_refuses_an_unmigrated_target_and_the_same_database(database_urls, clock, catalog):
    source_url = database_urls("sqlite", "copy_src")
    filled(source_url, clock, catalog, count=1)
    bare = database_urls("postgresql", "bare")
    code, out, err = cli("db", "copy", source_url, bare)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "has no Compounder schema" in err and "compounder db migrate" in err
    code, _out, err = cli("db", "copy", source_url, source_url)
    assert code == 2 and "the same database" in err


# --------------------------------------------------------------------------- URLs the command line cannot use


def test_an_unknown_scheme_is_refused_naming_what_is_accepted():
    code, out, err = cli("db", "check", "--database", "mysql://rx:secret@db.example/compounder")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "'mysql' databases are not supported" in err and "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE" in err
    assert "secret" not in err and "***" in err


def test_an_unreachable_server_is_one_line_without_the_password():
    from tests.pgcluster import free_port

    url = f"postgresql://rx:s3cret-pw@127.0.0.1:{free_port()}/compounder"
    for argv in (("db", "check", "--database", url), ("db", "migrate", "--database", url), ("history", "--patient", "jane", "--database", url)):
        code, out, err = cli(*argv)
        assert (code, out) == (2, ""), argv
        assert err.count("\n") == 1, err
        assert err.startswith("compounder: the database server cannot be reached: postgresql+psycopg://rx:***@127.0.0.1:"), err
        assert "s3cret-pw" not in err


def test_db_backup_of_a_server_points_to_pg_dump(database_urls):
    url = database_urls("postgresql", "backup")
    assert cli("db", "migrate", "--database", url)[0] == 0
    code, out, err = cli("db", "backup", "/tmp/never-written.sqlite", "--database", url)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "pg_dump" in err


def test_migrating_a_server_says_no_file_backup_is_made(database_urls):
    code, out, err = cli("db", "migrate", "--database", database_urls("postgresql", "migrated"))
    assert (code, err) == (0, "")
    assert "schema up to date (no file backup is made of a server database: back it up with pg_dump before an upgrade)" in out


def test_workstations_started_at_once_migrate_a_new_server_once(database_urls):
    from concurrent.futures import ThreadPoolExecutor

    from compounder.records.database import HEAD_REVISION, current_revision

    url = database_urls("postgresql", "started_at_once")
    engines = [open_database(url) for _ in range(4)]
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(migrate, engines))
        assert current_revision(engines[0]) == HEAD_REVISION
        with engines[0].connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
            assert connection.scalar(text("SELECT count(*) FROM audit_head")) == 1
    finally:
        for engine in engines:
            engine.dispose()


def test_on_sqlite_a_write_transaction_takes_the_lock_first_and_a_read_never_waits(tmp_path):
    from compounder.records.policy import RecordError
    from compounder.records.write_queue import WriteWaitTimeout

    url = f"sqlite:///{tmp_path / 'locks.sqlite'}"
    first = open_database(url)
    migrate(first)
    impatient = open_database(url + "?timeout=0.1")
    try:
        with sessionmaker(first)() as reading:  # a read (begun by its query) stays open …
            reading.scalar(select(func.count()).select_from(Batch))
            with sessionmaker(impatient).begin() as writing:  # … and holds no writer up
                writing.execute(text("UPDATE audit_head SET sequence = sequence"))
        with sessionmaker(first).begin() as writing:
            writing.connection()  # BEGIN IMMEDIATE: the write lock is held before anything is read
            # The second writer waits its turn behind the first for its 0.1 s, then gives up with
            # a records error that names the writer it waited for.
            with pytest.raises(WriteWaitTimeout, match=r"locks.sqlite stayed busy .* \(writing: .*\(process \d+\) since ") as caught:
                with sessionmaker(impatient).begin() as second:
                    second.connection()
            assert isinstance(caught.value, RecordError) and "nothing was saved" in str(caught.value)
            with sessionmaker(impatient)() as reading:  # reading still works meanwhile
                assert reading.scalar(select(func.count()).select_from(Batch)) == 0
    finally:
        first.dispose()
        impatient.dispose()


def test_start_up_on_an_unreachable_server_or_a_bad_url_says_so_without_the_password():
    from compounder.records.database import BadDatabaseUrl
    from compounder.records.maintenance import startup_problem
    from tests.pgcluster import free_port

    url = f"postgresql://rx:s3cret-pw@127.0.0.1:{free_port()}/compounder"
    engine = open_database(url)
    with pytest.raises(DatabaseUnavailable) as caught:
        migrate(engine)
    engine.dispose()
    text_ = startup_problem(caught.value, url)
    assert text_.startswith("the database server cannot be reached: postgresql+psycopg://rx:***@127.0.0.1:")
    assert text_.endswith("check the server and the database URL, then start Compounder again.") and "s3cret-pw" not in text_
    with pytest.raises(BadDatabaseUrl) as caught:
        open_database("postgresql://rx:s3cret-pw@server.example")
    assert "names no database" in str(caught.value) and "s3cret-pw" not in str(caught.value)
