"""A database put back to an older copy holds only genuine, signed entries: `db check` notices it
by the signed head each commit records outside the database (`db export-head` accepts a restore).
Also: an old, unkeyed chain migrated to 0005 is verified as before and signed from then on."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from compounder.cli import run
from compounder.records import audit, head_file, people, trail_check
from compounder.records.audit_commands import check_and_export, head_path
from compounder.records.database import migrate, open_database
from compounder.records.model import AuditEntry, AuditHead
from tests.conftest import TODAY
from tests.records.helpers import PASSWORD, make_pharmacy, new_batch


def db(argv, url, password=PASSWORD):
    out, err = io.StringIO(), io.StringIO()
    code = run(["db", *argv, "--database", url], load_catalog=lambda _p: None, today=TODAY, stdout=out, stderr=err, ask_password=lambda _prompt: password)
    return code, out.getvalue(), err.getvalue()


def _heads() -> Path:
    """The head file every commit of these tests recorded into (the user data folder)."""
    return head_path(None)


def test_an_sqlite_file_restored_from_an_older_copy_is_noticed(tmp_path, clock, catalog):
    path = tmp_path / "pharmacy.sqlite"
    url = f"sqlite:///{path}"
    engine = open_database(url)
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog)
    engine.dispose()
    code, out, err = db(["check"], url)
    assert (code, err) == (0, ""), out
    older = tmp_path / "older.sqlite"
    shutil.copyfile(path, older)  # the attacker's (or a careless restore's) older copy
    with engine.connect() as connection:
        before = head_file.current_head_sequence(connection)
    new_batch(sessions, clock, pharmacy)  # recorded outside the database at its commit, no db check needed
    with engine.connect() as connection:
        after = head_file.current_head_sequence(connection)
        identity = head_file.identity(connection)
    engine.dispose()
    [(name, head)] = json.loads(_heads().read_text())["heads"].items()
    assert name == f"{identity.database_id} sqlite {path.resolve()}" and head["sequence"] == after
    shutil.copyfile(older, path)  # rolled back: every entry still genuine
    code, out, err = db(["check"], url)
    assert code == 1
    # new_batch wrote the batch-number counter, the batch and its lines: after - before entries
    assert f"audit trail: {after - before} entries missing: the database ends at entry {before}, but on {head['recorded_at']} this workstation wrote entry {after}" in out
    assert "the database was rolled back to an older copy" in out
    # A restore made on purpose is accepted by exporting the head again.
    assert db(["export-head"], url)[0] == 0
    assert db(["check"], url)[0] == 0


def test_a_server_database_replaced_by_an_older_copy_is_noticed(postgres_cluster, clock, catalog, tmp_path):
    url = postgres_cluster.create_database("rolled_live")
    engine = open_database(url)
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog)
    engine.dispose()
    with psycopg.connect(postgres_cluster.admin_dsn(), autocommit=True) as admin:
        admin.execute('DROP DATABASE IF EXISTS "rolled_old" WITH (FORCE)')
        admin.execute('CREATE DATABASE "rolled_old" TEMPLATE "rolled_live"')
    new_batch(sessions, clock, pharmacy)
    assert check_and_export(engine, _heads(), clock()) == []
    engine.dispose()
    with psycopg.connect(postgres_cluster.admin_dsn(), autocommit=True) as admin:  # the older copy put in its place
        admin.execute('DROP DATABASE "rolled_live" WITH (FORCE)')
        admin.execute('ALTER DATABASE "rolled_old" RENAME TO "rolled_live"')
    engine = open_database(url)
    problems = check_and_export(engine, _heads(), clock())
    engine.dispose()
    assert len(problems) == 1 and "the database was rolled back to an older copy" in problems[0], problems


def test_a_head_edited_to_match_another_database_is_noticed(tmp_path, clock, catalog):
    engine = open_database(f"sqlite:///{tmp_path / 'p.sqlite'}")
    migrate(engine)
    make_pharmacy(sessionmaker(engine, expire_on_commit=False), clock, catalog)
    assert check_and_export(engine, _heads(), clock()) == []
    data = json.loads(_heads().read_text())
    name = next(iter(data["heads"]))
    data["heads"][name]["hash"] = "f" * 64  # as if recorded from another database of the same length
    _heads().write_text(json.dumps(data))
    problems = check_and_export(engine, _heads(), clock())
    engine.dispose()
    assert problems == [
        (f"audit head: the head recorded for this database in {_heads()} was edited (its signature does not match); "
        "if a backup was restored on purpose, accept it with `compounder db export-head` after `compounder db check --full`")
    ]


def test_an_unkeyed_chain_from_before_0005_is_verified_as_before_then_signed(tmp_path, clock, catalog):
    """A database at 0004 with an SHA-256 chain (written by that version's code, reproduced here)
    migrates: its entries stay as they were, baseline entries account for the master formulas and
    counters, and one signed entry introduces the key; a forged old entry is still found."""
    from importlib.resources import as_file, files

    from alembic import command

    from compounder.records.database import alembic_config

    path = tmp_path / "old.sqlite"
    engine = open_database(f"sqlite:///{path}")
    with engine.begin() as connection, as_file(files("compounder.records").joinpath("migrations")) as location:
        config = alembic_config(location)
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    with engine.begin() as connection:
        # 0002 left one SHA-256 entry per shipped formula version (none here): append an old-style
        # entry for a user, as the code before 0005 did (no key).
        connection.exec_driver_sql(
            "INSERT INTO app_user (id, username, full_name, role, password_hash, active, created_at) "
            "VALUES (1, 'admin', 'Ada Admin', 'administrator', 'x', 1, '2026-11-23 09:00:00')"
        )
        connection.exec_driver_sql("INSERT INTO batch_counter (day, last) VALUES ('261122', 3)")
        head = connection.exec_driver_sql("SELECT sequence, last_hash FROM audit_head").one()
        fields = {
            "sequence": head.sequence + 1, "at": clock(), "user_id": None, "username": "(first administrator)", "action": "create",
            "table_name": "app_user", "row_id": 1, "old": None,
            "new": audit.canonical({"id": 1, "username": "admin", "full_name": "Ada Admin", "role": "administrator", "password_hash": "x", "active": True, "created_at": clock()}),
        }
        digest = audit.entry_hash(head.last_hash, fields)
        connection.execute(AuditEntry.__table__.insert().values(**fields, previous_hash=head.last_hash, hash=digest))
        connection.execute(AuditHead.__table__.update().values(sequence=head.sequence + 1, last_hash=digest))
    migrate(engine)
    with engine.connect() as connection:
        rows = connection.execute(select(AuditEntry.sequence, AuditEntry.username, AuditEntry.action, AuditEntry.table_name, AuditEntry.row_id).order_by(AuditEntry.sequence)).all()
        head = connection.execute(select(AuditHead.__table__)).mappings().one()
        # 1: the old entry; 2: the counter's baseline (0005); 3: the key introduced (signed).
        assert [tuple(r)[1:] for r in rows] == [
            ("(first administrator)", "create", "app_user", 1),
            ("(migration 0005)", "baseline", "batch_counter", 261122),
            ("(system)", audit.KEYED, "audit_head", 1),
        ]
        assert head["keyed_from"] == 3
        assert trail_check.problems(connection) == []
    with engine.begin() as connection:  # the old, unkeyed part can still not be edited unseen
        connection.exec_driver_sql("UPDATE audit_entry SET username = 'someone' WHERE sequence = 1")
    with engine.connect() as connection:
        assert next(str(p) for p in trail_check.problems(connection)).endswith("its hash does not match its content: the entry was edited")
    engine.dispose()


def test_rotate_key_and_unlock_from_the_command_line(tmp_path, clock, catalog):
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    engine = open_database(url)
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    make_pharmacy(sessions, clock, catalog)
    for _ in range(5):
        with pytest.raises(people.AuthenticationFailed):
            people.sign_in(sessions, "tess", "wrong password!", clock())
    engine.dispose()
    key_file = tmp_path / "home" / ".local" / "share" / "compounder" / "audit.key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    lines_before = [line for line in key_file.read_text().splitlines() if not line.startswith("#")]
    code, out, err = db(["rotate-key", "--admin", "paula"], url)
    assert (code, out) == (2, "") and "only an administrator may manage user accounts; paula is a pharmacist" in err
    code, out, err = db(["rotate-key", "--admin", "admin"], url)
    assert (code, err) == (0, ""), err
    lines_after = [line for line in key_file.read_text().splitlines() if not line.startswith("#")]
    assert lines_after[:-1] == lines_before and len(lines_after) == 2
    out_, err_ = io.StringIO(), io.StringIO()
    code = run(["users", "unlock", "tess", "--admin", "admin", "--database", url], load_catalog=lambda _p: None, today=TODAY,
               stdout=out_, stderr=err_, ask_password=lambda _prompt: PASSWORD)
    assert (code, out_.getvalue()) == (0, "unlocked tess\n"), err_.getvalue()
    code, out, err = db(["check"], url)
    assert (code, err) == (0, ""), out
