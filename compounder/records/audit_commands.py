"""What the ``db check``, ``db export-head``, ``db rotate-key`` and ``users unlock`` commands do,
apart from parsing and printing (the command line only wires them in)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from compounder.records import audit, head_file, people, trail_check
from compounder.records.audit_keys import (
    CONNECTION_INFO,
    AuditKeyError,
    append_key,
    load_keys,
    new_key,
)
from compounder.records.database import HEAD_REVISION, current_revision, user_data_dir
from compounder.records.maintenance import integrity
from compounder.records.policy import may_manage_users


def head_path(option: Path | None) -> Path:
    return option.expanduser() if option else head_file.default_path(user_data_dir())


@dataclass(frozen=True)
class CheckReport:
    """What ``db check`` found (one sentence each) and what it read."""

    problems: list[str]
    entries: int  # entries whose signature was checked
    rows: int  # rows replayed to the present
    since: int | None  # the checkpoint it started after; None: the whole trail
    head: int  # the entry the trail ends at


def run_check(engine: Engine, path: Path, now: dt.datetime, *, full: bool = False) -> CheckReport:
    """``db check``: the head this workstation recorded (rolled back? replaced? the file edited?),
    then the trail — from the last checkpoint, or whole with ``full`` (and the database's own
    integrity and foreign-key checks, which read every page). When nothing is wrong the head and
    the new checkpoint are recorded, signed."""
    problems: list[str] = []
    with engine.connect() as connection:
        revision = current_revision(connection)
        if revision != HEAD_REVISION:
            problems = integrity(engine)
            problems.append(f"the schema is at revision {revision or 'none'}, this version of Compounder expects {HEAD_REVISION}; run `compounder db migrate`")
            return CheckReport(problems, 0, 0, None, 0)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # one snapshot for the head, the chain and the rows
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        ring = audit.key_ring(connection)
        comparison = head_file.compare(connection, path, ring)
        problems += comparison.problems
        start = None if full or comparison.problems or _full_is_due(comparison.head, now) else head_file.checkpoint(comparison.head)
        if start is None:  # the whole trail is read: the database's own checks too
            problems = integrity(engine) + problems
        outcome = trail_check.verify(connection, ring, since=trail_check.Checkpoint(*start) if start else None)
        problems += [str(problem) for problem in outcome.problems]
        from compounder.records.stock_ledger import controlled_stock_problems  # loads the lots' modules only for a check

        problems += controlled_stock_problems(connection)
        if not problems:
            full_at = now if outcome.since is None else (comparison.head.full_at if comparison.head else None)
            head_file.export_head(connection, path, ring, now, checked=(outcome.head.sequence, outcome.head.hash), full_at=full_at)
    return CheckReport(problems, outcome.entries, outcome.rows, outcome.since, outcome.head.sequence)


#: An incremental check reads what changed since the last one; this long after the last full
#: check, `db check` reads everything again (an old entry or an untouched row edited with SQL).
FULL_EVERY = dt.timedelta(days=7)


def _full_is_due(head: head_file.Head | None, now: dt.datetime) -> bool:
    if head is None or head.full_at is None:
        return True
    try:
        return now - dt.datetime.fromisoformat(head.full_at) >= FULL_EVERY
    except ValueError:
        return True


def check_and_export(engine: Engine, path: Path, now: dt.datetime, *, full: bool = False) -> list[str]:
    return run_check(engine, path, now, full=full).problems


def export(engine: Engine, path: Path, now: dt.datetime) -> head_file.Head:
    """Accept the database as it is: record its present head (a restore made on purpose)."""
    with engine.connect() as connection:
        return head_file.export_head(connection, path, audit.key_ring(connection), now)


def rotate(engine: Engine, admin: str, password: str, now: dt.datetime) -> tuple[str, Path]:
    """A new key appended to this workstation's key file, and the entry (signed with the old key)
    that makes it the one that signs from now on. Returns the new key's id and the file."""
    with Session(engine) as session:
        ring = audit.key_ring(session)
    if ring.path is None:
        raise AuditKeyError(
            f"the audit key comes from {ring.source}, not a key file; add the new key there yourself "
            "(see the README, 'Audit key') or use a key file to rotate with this command"
        )
    actor = people.sign_in(lambda: Session(engine), admin, password, now)
    may_manage_users(actor)  # before the key file is touched
    key = new_key()
    append_key(ring.path, key)
    updated = load_keys(ring.path.parent, {"COMPOUNDER_AUDIT_KEY_FILE": str(ring.path)})
    with Session(engine) as session, session.begin():
        session.connection().info[CONNECTION_INFO] = updated
        new_id = audit.rotate_key(session, actor, key, now)
    return new_id, ring.path


def unlock(engine: Engine, admin: str, password: str, username: str, now: dt.datetime) -> None:
    actor = people.sign_in(lambda: Session(engine), admin, password, now)
    with Session(engine) as session, session.begin():
        people.unlock(session, actor, username, now)
