"""Backup, check, migrations and faults on real database files (not the rolled-back fixture):
`db check` names a row edited with plain SQL; a corrupt, missing, read-only or locked file gets
a clear message; migrations run from every earlier revision."""

from __future__ import annotations

import io
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from compounder.cli import run
from compounder.records import batches
from compounder.records.database import HEAD_REVISION, current_revision, migrate, open_database
from compounder.records.maintenance import check
from tests.conftest import TODAY
from tests.records.helpers import PASSWORD, make_pharmacy, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of


def db(argv, url):
    out, err = io.StringIO(), io.StringIO()
    code = run(["db", "--database", url, *argv], load_catalog=lambda _p: None, today=TODAY, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def filled(tmp_path, clock, catalog):
    """A database file with four users, lots and one dispensed batch."""
    path = tmp_path / "pharmacy.sqlite"
    engine = open_database(f"sqlite:///{path}")
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog)
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    engine.dispose()
    return path


def test_check_passes_on_a_sound_database(filled):
    code, out, err = db(["check"], f"sqlite:///{filled}")
    assert (code, err) == (0, "")
    assert out.startswith("ok: integrity check passed")
    out = io.StringIO()
    assert run(["db", "check", "--database", f"sqlite:///{filled}"], load_catalog=lambda _p: None, today=TODAY, stdout=out) == 0


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        ("UPDATE batch SET status = 'dispensed' WHERE batch_number = '261123-001'",
         "batch row 1: batch 261123-001 was changed outside the app: status is 'dispensed', the audit trail says 'verified'"),
        ("UPDATE batch_line SET actual_ug = actual_ug + 1000 WHERE id = 1", "batch_line row 1: batch line was changed outside the app: actual_ug"),
        ("UPDATE ingredient_lot SET expires = '2030-01-01' WHERE id = 2", "ingredient_lot row 2: lot L001A"),
        ("UPDATE app_user SET role = 'pharmacist' WHERE username = 'tess'", "app_user row 2: user tess was changed outside the app: role"),
        ("UPDATE audit_entry SET username = 'mallory' WHERE sequence = 20", "sequence 20 is not signed with the pharmacy key: the entry was forged or edited"),
        ("DELETE FROM audit_entry WHERE sequence = 12", "entries missing before sequence 13"),
        ("DELETE FROM batch_line WHERE id = 3", "batch_line row 3: was deleted outside the app"),
        ("INSERT INTO patient (name, search_key, created_at) VALUES ('X', 'x', '2026-01-01 00:00:00')", "patient row 2: patient is not in the audit trail"),
    ],
)
def test_check_names_a_row_changed_with_plain_sql(filled, tamper, named):
    with sqlite3.connect(filled) as connection:
        connection.execute(tamper)
    code, out, err = db(["check"], f"sqlite:///{filled}")
    assert code == 1, out
    assert named in out
    assert "problem(s) found" in err


def test_removing_the_last_audit_entries_is_detected(filled):
    with sqlite3.connect(filled) as connection:
        connection.execute("DELETE FROM audit_entry WHERE sequence = (SELECT max(sequence) FROM audit_entry)")
    code, out, _err = db(["check"], f"sqlite:///{filled}")
    assert code == 1 and "audit_head row 1: the trail ends at sequence" in out


def test_backup_is_a_consistent_copy_that_passes_the_check(filled, tmp_path):
    code, out, err = db(["backup", str(tmp_path / "copy.sqlite")], f"sqlite:///{filled}")
    assert (code, err) == (0, ""), err
    assert db(["check"], f"sqlite:///{tmp_path / 'copy.sqlite'}")[0] == 0
    with sqlite3.connect(tmp_path / "copy.sqlite") as connection:
        assert connection.execute("SELECT batch_number, status FROM batch").fetchall() == [("261123-001", "verified")]
    code, _out, err = db(["backup", str(tmp_path / "copy.sqlite")], f"sqlite:///{filled}")
    assert code == 1 and "already exists" in err


def test_a_missing_database_is_named_not_created(tmp_path):
    code, _out, err = db(["check"], f"sqlite:///{tmp_path / 'nope.sqlite'}")
    assert code == 2 and "there is no database at" in err
    assert not (tmp_path / "nope.sqlite").exists()


def test_a_corrupt_file_gets_a_clear_message(tmp_path):
    path = tmp_path / "corrupt.sqlite"
    path.write_bytes(b"this is not a database" * 200)
    code, _out, err = db(["check"], f"sqlite:///{path}")
    assert code == 1 and "is damaged (not a valid database file); restore it from a backup" in err
    assert path.read_bytes() == b"this is not a database" * 200


def test_a_read_only_database_refuses_writes_with_a_clear_message_and_keeps_its_records(filled):
    from compounder.records.maintenance import describe

    engine = open_database(f"sqlite:///file:{filled}?mode=ro&uri=true")
    with pytest.raises(Exception) as caught, engine.begin() as connection:
        connection.execute(text("UPDATE patient SET name = 'x'"))
    assert "is read-only; nothing was changed" in describe(caught.value, str(filled))
    engine.dispose()
    code, out, _err = db(["check"], f"sqlite:///{filled}")
    assert code == 0, out


def test_a_locked_database_is_reported_and_nothing_is_lost(filled, clock):
    from compounder.records.maintenance import describe

    holder = sqlite3.connect(filled, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        engine = open_database(f"sqlite:///{filled}?timeout=0.1", create=False)
        with pytest.raises(Exception) as caught, engine.begin() as connection:
            connection.execute(text("UPDATE patient SET name = 'x'"))
        assert "locked by another program" in describe(caught.value, str(filled))
        engine.dispose()
    finally:
        holder.rollback()
        holder.close()
    assert db(["check"], f"sqlite:///{filled}")[0] == 0


# --------------------------------------------------------------------------- migrations


def revisions() -> list[str]:
    from importlib.resources import as_file, files

    from alembic.script import ScriptDirectory

    from compounder.records.database import alembic_config

    with as_file(files("compounder.records").joinpath("migrations")) as location:
        script = ScriptDirectory.from_config(alembic_config(location))
        return [r.revision for r in reversed(list(script.walk_revisions()))]


@pytest.mark.parametrize("start", [None, *revisions()[:-1]])
def test_migrates_up_from_empty_and_from_every_earlier_revision(tmp_path, start, clock):
    from importlib.resources import as_file, files

    from alembic import command

    from compounder.records.database import alembic_config
    from compounder.records.library import FormulaLibrary

    engine = open_database(f"sqlite:///{tmp_path / 'old.sqlite'}")
    if start is not None:
        with engine.begin() as connection, as_file(files("compounder.records").joinpath("migrations")) as location:
            config = alembic_config(location)
            config.attributes["connection"] = connection
            command.upgrade(config, start)
        if start == "0001":  # a library entry written by that version, approved
            with engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO master_formula (name, data, origin, created_at, updated_at, approved_at) "
                    "VALUES ('Mine', '{\"name\": \"Mine\"}', 'pharmacy', '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-02 00:00:00')"
                ))
    saved = migrate(engine)
    assert current_revision(engine) == HEAD_REVISION
    assert (saved is not None) == (start is not None)
    assert check(engine) == []
    if start == "0001":
        library = FormulaLibrary(sessionmaker(engine), clock)
        (entry,) = library.entries()
        assert entry.version == 1 and library.approved_version(entry.id).data == {"name": "Mine"}
    engine.dispose()


def test_rows_audited_before_0003_still_verify_and_its_new_columns_are_watched(tmp_path):
    """Migration 0003 adds empty profile columns to ``patient``; a patient whose last audit entry
    predates them must still verify, and a value put into a new column with SQL must be named."""
    import datetime as dt
    from importlib.resources import as_file, files

    from alembic import command

    from compounder.records.audit import GENESIS, canonical, entry_hash
    from compounder.records.database import alembic_config

    path = tmp_path / "old.sqlite"
    engine = open_database(f"sqlite:///{path}")
    with engine.begin() as connection, as_file(files("compounder.records").joinpath("migrations")) as location:
        config = alembic_config(location)
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(text(
            "INSERT INTO patient (id, name, search_key, date_of_birth, created_at) "
            "VALUES (1, 'Ada Byron', 'ada byron', '1948-03-02', '2026-01-01 00:00:00')"
        ))
        # The entry revision 0002 would have written: the row's five columns and nothing else.
        row = {"id": 1, "name": "Ada Byron", "search_key": "ada byron", "date_of_birth": dt.date(1948, 3, 2),
               "created_at": dt.datetime(2026, 1, 1)}
        fields = {"sequence": 1, "at": dt.datetime(2026, 1, 1), "user_id": None, "username": "(test)", "action": "create",
                  "table_name": "patient", "row_id": 1, "old": None, "new": canonical(row)}
        digest = entry_hash(GENESIS, fields)
        connection.execute(text(
            "INSERT INTO audit_entry (sequence, at, user_id, username, action, table_name, row_id, old, new, previous_hash, hash) "
            "VALUES (:sequence, :at, :user_id, :username, :action, :table_name, :row_id, :old, :new, :previous, :hash)"
        ), {**fields, "previous": GENESIS, "hash": digest})
        connection.execute(text("UPDATE audit_head SET sequence = 1, last_hash = :h WHERE id = 1"), {"h": digest})
    migrate(engine)
    assert current_revision(engine) == HEAD_REVISION
    assert check(engine) == []
    with engine.begin() as connection:
        connection.execute(text("UPDATE patient SET weight_kg = '90' WHERE id = 1"))
    (problem,) = check(engine)
    assert "weight_kg is '90', the audit trail says None" in str(problem)
    engine.dispose()


def test_the_backup_before_a_migration_holds_the_old_schema(tmp_path):
    from importlib.resources import as_file, files

    from alembic import command

    from compounder.records.database import alembic_config

    engine = open_database(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as connection, as_file(files("compounder.records").joinpath("migrations")) as location:
        config = alembic_config(location)
        config.attributes["connection"] = connection
        command.upgrade(config, revisions()[0])
    saved = migrate(engine)
    engine.dispose()
    with sqlite3.connect(saved) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (revisions()[0],)


# --------------------------------------------------------------------------- a process killed mid-save

SAVER = """
import datetime as dt, sys
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from compounder.records import batches, people
from compounder.records.model import Batch, Patient
from compounder.records.database import open_database

engine = open_database(sys.argv[1], create=False)
sessions = sessionmaker(engine, expire_on_commit=False)
with sessions() as s:
    tech = people.authenticate(s, "tess", sys.argv[2])
    model = s.scalars(select(Batch).limit(1)).one()
    patient = s.scalars(select(Patient).limit(1)).one()
    version_id, plan = model.formula_version_id, model.plan
    patient = people.PatientInfo(patient.id, patient.name, patient.date_of_birth)
print("ready", flush=True)
while True:
    with sessions.begin() as s:
        record = batches.create_batch(
            s, tech, formula_version_id=version_id, patient=patient, rx_number="RX-KILL", prescriber="Dr. K",
            plan=plan, compounded_on=dt.date(2026, 11, 23), tolerance_percent="5", now=dt.datetime.now(dt.timezone.utc),
        )
    print(record.batch_number, flush=True)
"""


@pytest.mark.parametrize("after", [5, 40])
def test_a_process_killed_while_saving_batches_leaves_a_sound_database_with_every_saved_batch(filled, after):
    from tests.records.helpers import PASSWORD

    url = f"sqlite:///{filled}"
    child = subprocess.Popen([sys.executable, "-c", SAVER, url, PASSWORD], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    saved = []
    try:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        while len(saved) < after:
            line = child.stdout.readline().strip()
            assert line, child.stderr.read()
            saved.append(line)
        time.sleep(0.003 * after % 0.02)  # land somewhere inside a later save
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    saved += [line.strip() for line in child.stdout.read().splitlines() if line.strip()]  # printed before the kill
    child.stdout.close()
    child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    code, out, _err = db(["check"], url)
    assert code == 0, out
    with sqlite3.connect(filled) as connection:
        stored = {row[0] for row in connection.execute("SELECT batch_number FROM batch WHERE rx_number = 'RX-KILL'")}
        lines = connection.execute("SELECT count(*) FROM batch_line JOIN batch ON batch.id = batch_id WHERE rx_number = 'RX-KILL'").fetchone()[0]
    assert set(saved) <= stored
    assert len(stored) - len(saved) <= 1  # at most the save that had committed but not yet printed
    assert lines == len(stored) * len(batches_lines(filled))


def batches_lines(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT id FROM batch_line WHERE batch_id = 1").fetchall()


# --------------------------------------------------------------------------- history and recall on the command line


def query(argv, url):
    out, err = io.StringIO(), io.StringIO()
    code = run([*argv, "--database", url], load_catalog=lambda _p: None, today=TODAY, stdout=out, stderr=err, ask_password=lambda _prompt: PASSWORD)
    return code, out.getvalue(), err.getvalue()


def test_history_and_recall_commands(filled, tmp_path):
    import csv
    import json

    url = f"sqlite:///{filled}"
    code, out, err = query(["history", "--patient", "jane", "--json", "--user", "tess"], url)  # patients only to a user who sees them
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["total"], data["shown"], data["cut"]) == (1, 1, False)
    (found,) = data["batches"]
    assert (found["batch_number"], found["status"], found["patient"]) == ("261123-001", "verified", "Jane Q. Doe")
    assert query(["history", "--patient", "nobody", "--user", "tess"], url)[1] == "no batch matches\n"
    code, _out, err = query(["history", "--since", "yesterday"], url)
    assert code == 2 and "--since: 'yesterday' is not a date" in err

    code, out, err = query(["recall", "L001A", "--out", str(tmp_path / "recall.csv"), "--user", "paula"], url)
    assert code == 0 and "1 batch(es) with lot L001A written to" in err
    rows = list(csv.DictReader(io.StringIO((tmp_path / "recall.csv").read_text(encoding="utf-8"))))
    assert [(r["batch number"], r["patient"], r["date of birth"]) for r in rows] == [("261123-001", "Jane Q. Doe", "1948-03-02")]
    code, _out, err = query(["recall", "NOPE"], url)
    assert code == 2 and "no lot NOPE" in err
    code, _out, err = query(["recall", "L001A", "--out", str(tmp_path)], url)  # a folder: one line, not an internal error
    assert code == 2 and err.startswith(f"--out: cannot write {tmp_path} (") and err.count("\n") == 1
    code, _out, err = query(["recall", "L001A"], f"sqlite:///{tmp_path / 'missing.sqlite'}")
    assert code == 2 and "there is no database at" in err


def test_with_nobody_signed_in_the_command_line_prints_no_patient(filled, tmp_path):
    """Issue 24: history, recall (its CSV too), batches show and patients show print no patient's
    name, date of birth or Rx number without a --user who sees them (an administrator does not)."""
    import csv
    import json

    url = f"sqlite:///{filled}"
    code, out, err = query(["history", "--json"], url)
    assert (code, err) == (0, "")
    (found,) = json.loads(out)["batches"]
    assert (found["batch_number"], found["patient"], found["date_of_birth"], found["rx_number"]) == ("261123-001", "(hidden)", None, "(hidden)")
    code, out, _err = query(["history"], url)
    assert "Jane" not in out and "(hidden)" in out
    code, out, err = query(["history", "--user", "admin"], url)
    assert code == 0 and "Jane" not in out and "(hidden)" in out
    for option in ("--patient", "--rx"):
        code, out, err = query(["history", option, "jane"], url)
        assert (code, out) == (2, "") and err == f"compounder: {option}: give --user, a user who sees patients' details, to search by patient or Rx number\n"
    code, out, err = query(["recall", "L001A", "--out", str(tmp_path / "recall.csv")], url)
    text = (tmp_path / "recall.csv").read_text(encoding="utf-8")
    assert code == 0 and "Jane" not in text and "1948" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["batch number"], r["patient"], r["date of birth"]) for r in rows] == [("261123-001", "(hidden)", "")]
    code, out, err = query(["recall", "L001A"], url)
    assert code == 0 and "Jane" not in out


def test_batches_and_patients_show_need_a_user_who_sees_patients(filled, catalog):
    url = f"sqlite:///{filled}"

    def show(*argv):
        out, err = io.StringIO(), io.StringIO()
        code = run([*argv, "--database", url], load_catalog=lambda _p: catalog, today=TODAY, stdout=out, stderr=err, ask_password=lambda _prompt: PASSWORD)
        return code, out.getvalue(), err.getvalue()

    code, out, err = show("batches", "show", "261123-001")
    assert code == 0 and "Jane" not in out and "(hidden), Rx (hidden)" in out, err
    code, out, err = show("batches", "show", "261123-001", "--user", "paula")
    assert code == 0 and "Jane Q. Doe, Rx" in out, err
    code, out, err = show("patients", "show", "Jane Q. Doe")
    assert (code, out) == (2, "") and err == "compounder: patients show: give --user, a user who sees patients' details (the password is asked for)\n"
    code, out, err = show("patients", "show", "Jane Q. Doe", "--user", "tess")
    assert code == 0 and out.startswith("patient:          Jane Q. Doe"), err


def test_users_are_added_on_the_command_line_the_first_being_an_administrator(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"

    def users(argv, answers):
        out, err = io.StringIO(), io.StringIO()
        code = run(["users", "--database", url, *argv], load_catalog=lambda _p: None, today=TODAY, stdout=out, stderr=err,
                   ask_password=lambda _prompt: answers.pop(0))
        return code, out.getvalue(), err.getvalue()

    code, _out, err = users(["add", "tess", "--name", "Tess T", "--role", "technician"], ["long enough 1", "long enough 1"])
    assert code == 2 and "the first account must be an administrator" in err
    assert users(["add", "ada", "--name", "Ada A", "--role", "administrator"], ["long enough 1", "long enough 2"])[2].endswith("the two passwords differ; nothing was saved\n")
    assert users(["add", "ada", "--name", "Ada A", "--role", "administrator"], ["long enough 1", "long enough 1"])[:2] == (0, "added administrator ada\n")
    code, _out, err = users(["add", "tess", "--name", "Tess T", "--role", "technician"], ["pw pw pw pw", "pw pw pw pw"])
    assert code == 2 and "sign in as an administrator" in err
    code, _out, err = users(["add", "tess", "--name", "Tess T", "--role", "technician", "--admin", "ada"], ["wrong one", "x", "x"])
    assert code == 2 and "wrong user name or password" in err
    assert users(["add", "tess", "--name", "Tess T", "--role", "technician", "--admin", "ada"], ["long enough 1", "tess pass 1", "tess pass 1"])[0] == 0
    code, out, _err = users(["list"], [])
    assert out.splitlines() == ["ada              administrator  Ada A", "tess             technician     Tess T"]
    assert db(["check"], url)[0] == 0


def test_start_up_on_a_corrupt_file_says_so_and_leaves_it_alone(tmp_path):
    from compounder.records.maintenance import startup_problem

    path = tmp_path / "corrupt.sqlite"
    path.write_bytes(b"garbage" * 1000)
    engine = open_database(f"sqlite:///{path}")
    with pytest.raises(Exception) as caught:
        migrate(engine)
    engine.dispose()
    assert startup_problem(caught.value, str(path)) == (
        f"the database {path} is damaged (not a valid database file); restore it from a backup made with `compounder db backup`."
    )
    assert path.read_bytes() == b"garbage" * 1000


def test_migration_0018_carries_a_0014_database_forward_with_its_records(tmp_path, clock):
    """A pharmacy's database at 0014 with a patient: after 0018 the quality logs and the contact
    details are written and the trail still checks."""
    from importlib.resources import as_file, files

    from alembic import command

    from compounder.records import contacts, people
    from compounder.records.database import alembic_config
    from compounder.records.policy import Role
    from compounder.records.quality_balance import TestWeight, record_check, register_balance

    engine = open_database(f"sqlite:///{tmp_path / 'at-0014.sqlite'}")
    with engine.begin() as connection, as_file(files("compounder.records").joinpath("migrations")) as location:
        config = alembic_config(location)
        config.attributes["connection"] = connection
        command.upgrade(config, "0014")
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions.begin() as s:  # written by the 0014 schema's tables only
        admin = people.create_user(s, None, "admin", "Ada Admin", Role.ADMINISTRATOR, "correct horse battery", clock())
        rph = people.create_user(s, admin, "paula", "Paula Pharmacist", Role.PHARMACIST, "correct horse battery", clock())
        jane = people.patient(s, rph, "Jane Doe", None, clock())
    assert migrate(engine) is not None and current_revision(engine) == "0018" == HEAD_REVISION
    with sessions.begin() as s:
        contacts.set_contact(s, rph, jane.id, "12 Elm St", "2175550142", clock())
        register_balance(s, rph, "BAL-1", "Ohaus PX224", "0.1", clock())
        record_check(s, rph, "BAL-1", [TestWeight("100 g F1", "100", "100.0001")], clock().astimezone().date(), clock())
    assert check(engine) == []
    engine.dispose()
