"""Issue 22's rollback attacks and issue 21's "detect loss", on SQLite and on PostgreSQL: every
commit records the trail's head outside the database, signed and keyed by the database's own
identity; a database put back to an older copy is reported at start-up and by `db check` with the
number of entries missing, however its URL is spelled; a deleted, emptied or edited head file is
reported. Before: the head was written only by a clean `db check`, unsigned, under the URL's
spelling — `sqlite:////dir//c.sqlite`, a symlink or `localhost` found no head and passed."""

from __future__ import annotations

import itertools
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from compounder.records import audit, head_file
from compounder.records.audit_commands import check_and_export, head_path
from compounder.records.database import migrate, open_database
from compounder.records.model import AuditEntry
from tests.records.helpers import PASSWORD, make_pharmacy, new_batch

BACKENDS = ("sqlite", "postgresql")
_NUMBERS = itertools.count(1)


@dataclass
class Pharmacy:
    backend: str
    url: str
    restore: object  # () -> None: puts the older copy in the live database's place
    behind_by: int  # entries written after the copy was taken


def entries(url: str) -> int:
    engine = open_database(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def rolled_back(request, tmp_path, clock, catalog, postgres_cluster) -> Pharmacy:
    """A pharmacy that wrote a batch after an older copy of its database was taken; ``restore``
    puts the copy back. Nothing here runs `db check`: the head is recorded by each commit."""
    backend = request.param
    if backend == "sqlite":
        folder = tmp_path / "dir"
        folder.mkdir()
        url = f"sqlite:///{folder / 'c.sqlite'}"
    else:
        url = postgres_cluster.create_database(f"head_live_{next(_NUMBERS)}")
    engine = open_database(url)
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog)
    engine.dispose()
    before = entries(url)
    live = url.rsplit("/", 1)[1]
    if backend == "sqlite":
        shutil.copyfile(folder / "c.sqlite", tmp_path / "older.sqlite")
    else:
        with psycopg.connect(postgres_cluster.admin_dsn(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{live}_old" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{live}_old" TEMPLATE "{live}"')
    new_batch(sessions, clock, pharmacy)
    engine.dispose()
    after = entries(url)

    def restore() -> None:
        if backend == "sqlite":
            shutil.copyfile(tmp_path / "older.sqlite", folder / "c.sqlite")
        else:
            with psycopg.connect(postgres_cluster.admin_dsn(), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{live}" WITH (FORCE)')
                admin.execute(f'ALTER DATABASE "{live}_old" RENAME TO "{live}"')

    return Pharmacy(backend, url, restore, after - before)


def spellings(pharmacy: Pharmacy, tmp_path: Path) -> list[str]:
    """The same database under other names: a doubled slash and a symlink, or localhost."""
    if pharmacy.backend == "sqlite":
        path = Path(pharmacy.url.removeprefix("sqlite:///"))
        if not (tmp_path / "link.sqlite").is_symlink():
            (tmp_path / "link.sqlite").symlink_to(path)
        return [pharmacy.url, f"sqlite:///{path.parent}//{path.name}", f"sqlite:///{tmp_path / 'link.sqlite'}"]
    return [pharmacy.url, pharmacy.url.replace("@127.0.0.1:", "@localhost:")]


def loss(url: str) -> list[str]:
    engine = open_database(url)
    try:
        return head_file.loss_at_start(engine)
    finally:
        engine.dispose()


def check(url: str, clock) -> list[str]:
    engine = open_database(url)
    try:
        return check_and_export(engine, head_path(None), clock())
    finally:
        engine.dispose()


def test_a_rolled_back_database_is_reported_with_the_entries_missing_however_it_is_named(rolled_back, tmp_path, clock):
    assert rolled_back.behind_by > 3  # the counter, the batch and its lines
    for url in spellings(rolled_back, tmp_path):
        assert loss(url) == []
    rolled_back.restore()
    for url in spellings(rolled_back, tmp_path):
        [at_start] = loss(url)
        assert at_start.startswith(f"audit trail: {rolled_back.behind_by} entries missing: the database ends at entry "), (url, at_start)
        assert "the database was rolled back to an older copy or its last entries removed" in at_start
        [found] = check(url, clock)
        assert found == at_start


def test_new_work_on_a_rolled_back_database_does_not_hide_the_loss(rolled_back, clock, catalog):
    rolled_back.restore()
    engine = open_database(rolled_back.url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    from compounder.records import people

    # More new patients than the entries lost, so the trail grows past the recorded head again.
    for number in range(rolled_back.behind_by + 2):
        with sessions.begin() as s:
            people.patient(s, people.authenticate(s, "tess", PASSWORD), f"Patient Number {number}", None, clock())
    engine.dispose()
    [found] = loss(rolled_back.url)
    assert "is not the one this workstation wrote" in found and "the database was replaced by another copy or its trail rewritten" in found, found
    assert check(rolled_back.url, clock) == [found]


def test_a_deleted_emptied_or_edited_head_file_is_reported(rolled_back, clock):
    heads = head_path(None)
    recorded = heads.read_text()
    heads.unlink()
    if rolled_back.backend == "sqlite":  # its own file, on this workstation: the head file cannot be new
        [at_start] = loss(rolled_back.url)
        assert at_start.startswith("audit head: this workstation has no head recorded for this database")
    else:  # a workstation new to a shared server has none yet: said by db check, not at each start
        assert loss(rolled_back.url) == []
    [found] = check(rolled_back.url, clock)
    assert found.startswith("audit head: this workstation has no head recorded for this database") and "the head file was removed or edited" in found
    heads.write_text("")
    assert loss(rolled_back.url) == check(rolled_back.url, clock)
    assert loss(rolled_back.url)[0].startswith(f"audit head: the audit head file {heads} was emptied")
    data = json.loads(recorded)
    [name] = data["heads"]
    rolled_back.restore()
    data["heads"][name]["sequence"] -= rolled_back.behind_by  # edited to hide the rollback
    heads.write_text(json.dumps(data))
    [edited] = loss(rolled_back.url)
    assert edited.startswith(f"audit head: the head recorded for this database in {heads} was edited (its signature does not match)")
    assert check(rolled_back.url, clock) == [edited]


def test_a_clean_check_records_a_checkpoint_and_export_head_accepts_a_restore(rolled_back, clock):
    assert check(rolled_back.url, clock) == []
    [head] = json.loads(head_path(None).read_text())["heads"].values()
    assert head["checked_sequence"] == head["sequence"] == entries(rolled_back.url)
    rolled_back.restore()
    assert len(check(rolled_back.url, clock)) == 1
    engine = open_database(rolled_back.url)
    from compounder.records.audit_commands import export

    export(engine, head_path(None), clock())
    engine.dispose()
    assert loss(rolled_back.url) == []
    assert check(rolled_back.url, clock) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_db_check_reads_from_the_last_checkpoint_and_full_reads_everything(backend, database_urls, clock, catalog):
    from compounder.records.audit_commands import run_check

    url = database_urls(backend, "incremental")
    engine = open_database(url)
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog)
    first = run_check(engine, head_path(None), clock())
    assert (first.problems, first.since) == ([], None) and first.entries == entries(url)  # no checkpoint yet: everything
    before = entries(url)
    new_batch(sessions, clock, pharmacy)
    written = entries(url) - before
    since = run_check(engine, head_path(None), clock())
    assert (since.problems, since.since, since.head, since.entries) == ([], before, before + written, written)
    full = run_check(engine, head_path(None), clock(), full=True)
    assert (full.problems, full.since, full.entries) == ([], None, before + written)
    # A row edited with SQL and not touched since the checkpoint waits for --full (the app refuses to write over it meanwhile).
    with engine.begin() as connection:
        connection.execute(text("UPDATE patient SET name = 'Someone Else' WHERE id = :id"), {"id": pharmacy.patient.id})
    assert run_check(engine, head_path(None), clock()).problems == []
    [found] = run_check(engine, head_path(None), clock(), full=True).problems
    assert found.startswith(f"patient row {pharmacy.patient.id}: patient was changed outside the app: name is 'Someone Else'")
    # A week after the last clean full check, `db check` reads everything by itself.
    with engine.begin() as connection:
        connection.execute(text("UPDATE patient SET name = 'Jane Q. Doe' WHERE id = :id"), {"id": pharmacy.patient.id})
    assert run_check(engine, head_path(None), clock(), full=True).problems == []
    with engine.begin() as connection:
        connection.execute(text("UPDATE patient SET name = 'Someone Else' WHERE id = :id"), {"id": pharmacy.patient.id})
    clock.advance(days=6, hours=23)
    assert run_check(engine, head_path(None), clock()).problems == []
    clock.advance(hours=1)
    weekly = run_check(engine, head_path(None), clock())
    assert weekly.since is None and [p[:40] for p in weekly.problems] == [found[:40]]
    # An account is among the small tables replayed whole by every check.
    with engine.begin() as connection:
        connection.execute(text("UPDATE patient SET name = 'Jane Q. Doe' WHERE id = :id"), {"id": pharmacy.patient.id})
    assert run_check(engine, head_path(None), clock()).problems == []
    with engine.begin() as connection:
        connection.execute(text("UPDATE app_user SET role = 'pharmacist' WHERE username = 'tess'"))
    quick = run_check(engine, head_path(None), clock())
    engine.dispose()
    assert quick.since is not None and quick.problems == [
        f"app_user row {pharmacy.technician.id}: user tess was changed outside the app: role is 'pharmacist', the audit trail says 'technician'"
    ]


def test_a_key_file_others_can_read_is_refused_and_says_how_to_fix_it(tmp_path):
    from compounder.records.audit_keys import create_key_file, load_keys

    path = tmp_path / "audit.key"
    create_key_file(path)
    assert load_keys(tmp_path).problem is None
    path.chmod(0o644)
    ring = load_keys(tmp_path)
    assert ring.keys == {} and ring.problem == (
        f"the audit key file {path} can be read or changed by others than its owner (mode 0644): anyone who reads it "
        f"can forge the audit trail; make it private with `chmod 600 {path}` (and check who copied it), then start again"
    )
    path.chmod(0o600)
    assert load_keys(tmp_path).problem is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_db_check_streams_the_trail_and_the_rows(backend, database_urls, clock, catalog):
    """Issue 21, observation 7: `db check` held every entry and row in memory (2.48 GB on
    PostgreSQL at 100,000 batches). Every read of the whole trail or of a whole table now goes
    through a server-side cursor fetched in slices (``stream_results``); the memory is measured
    in benchmarks/bench_db_check.py."""
    from sqlalchemy import event

    from compounder.records.audit_commands import run_check

    url = database_urls(backend, "streams")
    engine = open_database(url)
    migrate(engine)
    make_pharmacy(sessionmaker(engine, expire_on_commit=False), clock, catalog)
    reads: list[tuple[str, bool]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_connection, _cursor, statement, _parameters, context, _executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and " LIMIT " not in statement.upper() and " IN (" not in statement.upper():
            flat = " ".join(statement.split())
            reads.append((flat[:60] + " … " + flat[flat.upper().find("ORDER BY"):], bool(context.execution_options.get("stream_results"))))

    assert run_check(engine, head_path(None), clock(), full=True).problems == []
    engine.dispose()
    whole = [(statement, streamed) for statement, streamed in reads if "ORDER BY" in statement.upper()]
    # The chain (by sequence), and each of the 29 audited tables with its entries (by row): 1 + 2 × 29.
    # (12 tables before migration 0015; blind_check and refill_change (0015); batch_qc_result,
    # batch_deviation and batch_remake (0016); lot_status, lot_event and controlled_receipt (0017);
    # balance, balance_check, balance_check_weight, equipment_entry, competency, complaint, sop,
    # patient_contact and prescription_detail (0018).)
    assert len(audit.AUDITED) == 29 and len(whole) == 1 + 2 * 29, whole
    assert all(streamed for _statement, streamed in whole), [statement for statement, streamed in whole if not streamed]
