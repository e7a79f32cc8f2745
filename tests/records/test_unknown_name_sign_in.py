"""A sign-in with a user name no account has is audited like a wrong password (defect found in
the last round: a guessed name left no trace), on SQLite and on PostgreSQL: the name as typed,
cut to the user-name field's 64 characters, and when; no account is made, and the person at the
keyboard reads the same words as for a wrong password."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, update

from compounder.records import audit, people, trail_check
from compounder.records.model import AuditEntry, User
from tests.records.helpers import make_pharmacy


@pytest.fixture
def pharmacy(sessions, clock, catalog):
    return make_pharmacy(sessions, clock, catalog)


def _last_entry(session) -> AuditEntry:
    return session.scalars(select(AuditEntry).order_by(AuditEntry.sequence.desc()).limit(1)).one()


def _users(session) -> int:
    return session.scalar(select(func.count()).select_from(User))


def test_an_unknown_name_is_audited_with_the_same_message_as_a_wrong_password(sessions, clock, pharmacy):
    with sessions() as s:
        users_before = _users(s)
    clock.advance(minutes=7)  # 09:07 UTC
    with pytest.raises(people.AuthenticationFailed) as unknown:
        people.sign_in(sessions, "  Mallory ", "a guess", clock())
    with pytest.raises(people.AuthenticationFailed) as wrong_password:
        people.sign_in(sessions, "paula", "a guess", clock())
    assert str(unknown.value) == str(wrong_password.value) == "wrong user name or password"
    assert type(unknown.value) is type(wrong_password.value) is people.AuthenticationFailed
    with sessions() as s:
        assert _users(s) == users_before  # no account made for the guessed name
        entries = list(s.scalars(select(AuditEntry).order_by(AuditEntry.sequence.desc()).limit(2)))
        paula, mallory = entries  # newest first
        assert (paula.action, paula.table_name, paula.row_id) == ("failed sign-in", "app_user", pharmacy.pharmacist.id)
        assert (mallory.action, mallory.table_name, mallory.row_id) == ("failed sign-in (unknown name)", "sign_in", 0)
        assert (mallory.user_id, mallory.username, mallory.old) == (None, "(sign-in)", None)
        assert json.loads(mallory.new) == {"username": "Mallory"}  # as typed, without the blanks around it
        assert mallory.at.replace(tzinfo=None) == clock().replace(tzinfo=None)  # 2026-11-23 09:07 UTC, as every entry carries
        assert trail_check.problems(s) == []  # what `compounder db check` runs: the entry is signed and chained


def test_a_long_name_is_cut_to_the_field_limit_and_a_nul_does_not_break_the_server(sessions, clock, pharmacy):
    typed = "x" * 200
    with pytest.raises(people.AuthenticationFailed, match="^wrong user name or password$"):
        people.sign_in(sessions, typed, "a guess", clock())
    with sessions() as s:
        entry = _last_entry(s)
        # 64 characters kept (User.username is String(64), field_limits "username": 64), and how many were typed
        assert json.loads(entry.new) == {"username": "x" * 64, "typed_characters": 200}
    # PostgreSQL refuses a NUL in a text parameter: the name cannot be an account's and is not looked up
    with pytest.raises(people.AuthenticationFailed, match="^wrong user name or password$"):
        people.sign_in(sessions, "ad\x00min", "a guess", clock())
    with sessions() as s:
        assert json.loads(_last_entry(s).new) == {"username": "ad\x00min"}
        assert trail_check.problems(s) == []


def test_an_edited_unknown_name_entry_is_found(sessions, clock, pharmacy):
    with pytest.raises(people.AuthenticationFailed):
        people.sign_in(sessions, "mallory", "a guess", clock())
    with sessions.begin() as s:
        entry = _last_entry(s)
        s.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(new=audit.canonical({"username": "someone else"})))
        problems = [str(p) for p in trail_check.problems(s)]
        assert problems == [f"audit_entry row {entry.id}: sequence {entry.sequence} is not signed with the pharmacy key: the entry was forged or edited"]
        s.rollback()


def test_a_known_name_still_counts_on_its_account_and_locks(sessions, clock, pharmacy):
    for _ in range(4):
        with pytest.raises(people.AuthenticationFailed):
            people.sign_in(sessions, "nobody", "a guess", clock())
    # unknown names lock no account and count on none
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.failed_sign_ins.is_not(None))) == 0
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == people.UNKNOWN_NAME)) == 4


def test_an_empty_database_records_nothing(sessions, clock):
    with pytest.raises(people.NoAccounts):
        people.sign_in(sessions, "admin", "whatever", clock())
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == people.UNKNOWN_NAME)) == 0


def test_a_guessed_name_at_the_command_line_is_audited_and_db_check_passes(tmp_path, catalog):
    """End to end on a database file: `patients set-profile --user mallory` is refused with the
    wrong-password line and exit 2; `db check` then verifies the whole trail, the entry included."""
    import io

    from compounder.cli import run
    from compounder.records.database import migrate, open_database, session_factory
    from tests.conftest import TODAY
    from tests.records.conftest import Clock

    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    engine = open_database(url)
    migrate(engine)
    make_pharmacy(session_factory(engine), Clock(), catalog)
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"weight": "62.5 kg"}), encoding="utf-8")

    def cli(*argv, password="a guess"):
        out, err = io.StringIO(), io.StringIO()
        code = run(list(argv), load_catalog=lambda _p: catalog, today=TODAY, stdout=out, stderr=err, ask_password=lambda _prompt: password)
        return code, out.getvalue(), err.getvalue()

    code, _out, err = cli("patients", "--database", url, "set-profile", "Jane Q. Doe", "--profile", str(profile), "--user", "mallory")
    assert code == 2 and err.endswith("wrong user name or password\n") and err.count("\n") == 1
    with session_factory(engine)() as s:
        entry = _last_entry(s)
        assert (entry.action, entry.table_name, json.loads(entry.new)) == (people.UNKNOWN_NAME, audit.SIGN_IN, {"username": "mallory"})
        assert s.scalar(select(func.count()).select_from(User).where(User.username == "mallory")) == 0
    engine.dispose()
    code, out, err = cli("db", "check", "--database", url)  # against the head each commit recorded
    assert (code, err) == (0, "") and out.startswith("ok:") and "the audit trail is unbroken" in out
