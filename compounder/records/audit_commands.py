"""What the ``db check``, ``db export-head``, ``db rotate-key`` and ``users unlock`` commands do,
apart from parsing and printing (the command line only wires them in)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from compounder.records import audit, head_file, people
from compounder.records.audit_keys import (
    CONNECTION_INFO,
    AuditKeyError,
    append_key,
    load_keys,
    new_key,
)
from compounder.records.database import masked, user_data_dir
from compounder.records.maintenance import check
from compounder.records.policy import may_manage_users


def head_path(option: Path | None) -> Path:
    return option.expanduser() if option else head_file.default_path(user_data_dir())


def check_and_export(engine: Engine, path: Path, now: dt.datetime) -> list[str]:
    """``maintenance.check`` plus the comparison with the head last exported; when nothing is
    wrong the present head is exported, so the next check notices a database rolled back."""
    database = masked(engine.url)
    problems = check(engine)
    if problems and any("schema is at revision" in problem for problem in problems):
        return problems
    with engine.connect() as connection:
        problems += head_file.compare_head(connection, database, path)
        if not problems:
            head_file.export_head(connection, database, path, now)
    return problems


def export(engine: Engine, path: Path, now: dt.datetime) -> head_file.ExportedHead:
    with engine.connect() as connection:
        return head_file.export_head(connection, masked(engine.url), path, now)


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
