"""The audit trail as the window's viewer reads it (issue 24): a page of entries at a time, newest
first, filtered by batch, user, kind and date, and the trail's verification status as ``db check``
gives it — read only: the viewer never records a head or a checkpoint (``db check`` does).

A page is one indexed range (``sequence < before``, newest first, ``PAGE`` rows), so opening the
viewer on a trail of millions of entries reads one page; the batch filter uses the index on
(table, row): the batch's own entries and those of every audited row that belongs to it (its
lines, acknowledgements, weighings: each audited table with a ``batch_id`` column).

Only administrators and pharmacists read the trail (``may_read_trail``). Patient details in an
entry (a patient's row, an Rx number) are shown only to a user who sees them
(``compounder.records.privacy``); the others read "(hidden)".
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from compounder.records import audit, head_file, trail_check
from compounder.records.model import AuditEntry, Batch
from compounder.records.policy import Actor, PermissionRefused, RecordError, Role
from compounder.records.privacy import HIDDEN

#: Entries read at a time.
PAGE = 200
#: Columns of an entry that identify a patient wherever they appear (a patient's row is hidden whole).
PATIENT_KEYS = frozenset({"rx_number", "date_of_birth", "patient_name"})
#: How much of a change is shown in the list (the whole of it is the row's tip).
SHOWN_CHARACTERS = 160


@dataclass(frozen=True)
class TrailFilter:
    """What the viewer is asked for; every criterion given must match."""

    batch_number: str | None = None
    username: str | None = None
    kind: str | None = None  # the entry's action: "create", "sign prepared", "change rule"…
    since: dt.date | None = None  # on or after this day (local time)
    until: dt.date | None = None  # on or before this day


@dataclass(frozen=True)
class TrailRow:
    sequence: int
    at: dt.datetime
    username: str
    kind: str
    what: str
    change: str  # the columns changed, "status: draft → prepared"; "(hidden)" for a patient not shown
    detail: str  # the same in full, before and after


@dataclass(frozen=True)
class TrailStatus:
    """The trail's verification, as ``db check`` would report it now (without recording anything)."""

    problems: list[str]
    head: int  # the entry the trail ends at
    since: int | None  # the last clean check it continued from; None: the whole trail was read

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            count = len(self.problems)
            return f"{count} problem{'s' if count != 1 else ''} in the audit trail (as `compounder db check` reports them): tell the administrator"
        read = "the whole trail read" if self.since is None else f"read from the last clean check (entry {self.since:,})"
        return f"The audit trail is unbroken to entry {self.head:,} and replays to the records ({read})"


def may_read_trail(actor: Actor | None) -> Actor:
    """``actor``, when they may read the trail (an administrator or a pharmacist), else a refusal."""
    if actor is None:
        raise PermissionRefused("sign in as an administrator or a pharmacist to read the audit trail")
    if actor.role not in (Role.ADMINISTRATOR, Role.PHARMACIST):
        raise PermissionRefused(f"{actor.username} is a {actor.role.value}: administrators and pharmacists read the audit trail")
    return actor


def kinds(session: Session) -> list[str]:
    """The kinds of entry the trail holds, in order."""
    return sorted(session.scalars(select(AuditEntry.action).distinct()))


def page(
    session: Session, actor: Actor | None, wanted: TrailFilter, *, before: int | None = None, limit: int = PAGE,
    patients_shown: bool = False,
) -> list[TrailRow]:
    """Up to ``limit`` entries matching ``wanted``, newest first, before entry ``before`` (None:
    from the newest): the next page starts before the last one returned."""
    may_read_trail(actor)
    query = select(AuditEntry).order_by(AuditEntry.sequence.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEntry.sequence < before)
    if wanted.username and wanted.username.strip():
        query = query.where(AuditEntry.username == wanted.username.strip())
    if wanted.kind:
        query = query.where(AuditEntry.action == wanted.kind)
    if wanted.since is not None and wanted.until is not None and wanted.since > wanted.until:
        raise RecordError(f"the date range is empty: {wanted.since.isoformat()} is after {wanted.until.isoformat()}")
    if wanted.since is not None:
        query = query.where(AuditEntry.at >= _day_start(wanted.since))
    if wanted.until is not None:
        query = query.where(AuditEntry.at < _day_start(wanted.until + dt.timedelta(days=1)))
    if wanted.batch_number and wanted.batch_number.strip():
        query = query.where(_of_batch(session, wanted.batch_number.strip()))
    return [_row(entry, patients_shown) for entry in session.scalars(query)]


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` on this workstation's clock, as the trail's UTC time."""
    return dt.datetime.combine(day, dt.time()).astimezone().astimezone(dt.UTC)


def _of_batch(session: Session, batch_number: str):
    """The entries of a batch: its own and those of every audited row with its ``batch_id``."""
    batch_id = session.scalar(select(Batch.id).where(Batch.batch_number == batch_number))
    if batch_id is None:
        raise RecordError(f"no batch numbered {batch_number}")
    targets = [and_(AuditEntry.table_name == "batch", AuditEntry.row_id == batch_id)]
    for name in audit.AUDITED:
        table = audit.table(name)
        if "batch_id" in table.c and "id" in table.c:
            ids = select(table.c.id).where(table.c.batch_id == batch_id).scalar_subquery()
            targets.append(and_(AuditEntry.table_name == name, AuditEntry.row_id.in_(ids)))
    return or_(*targets)


#: Columns whose value the trail keeps (the replay checks them) but the viewer never shows: a
#: password's hash is of no use to a reader and of use to whoever would guess the password.
SECRET_KEYS = frozenset({"password_hash"})
SECRET = "(not shown)"


def _row(entry: AuditEntry, patients_shown: bool) -> TrailRow:
    old, new = _values(entry.old), _values(entry.new)
    changed = {key for key in SECRET_KEYS if old is not None and new is not None and old.get(key) != new.get(key)}
    old, new = _without_secrets(old), _without_secrets(new)
    if new is not None:  # a new password is said to be new, still not shown
        new.update({key: "(changed, not shown)" for key in changed if new.get(key) is not None})
    if not patients_shown:
        if entry.table_name == "patient":
            old = {key: HIDDEN for key in old} if old is not None else None
            new = {key: HIDDEN for key in new} if new is not None else None
        else:
            old, new = _without_patient(old), _without_patient(new)
    change = _change(old, new)
    detail = f"before: {json.dumps(old, ensure_ascii=False)}\nafter: {json.dumps(new, ensure_ascii=False)}"
    what = _what(entry.table_name, entry.row_id, new or old or {}, patients_shown)
    return TrailRow(
        entry.sequence, entry.at, entry.username, entry.action, what,
        change if len(change) <= SHOWN_CHARACTERS else change[:SHOWN_CHARACTERS - 1] + "…", detail,
    )


def _values(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        found = json.loads(text)
    except ValueError:
        return {"(not JSON)": text}
    return found if isinstance(found, dict) else {"(value)": found}


def _without_secrets(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {key: SECRET if key in SECRET_KEYS and value is not None else value for key, value in values.items()}


def _without_patient(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {key: HIDDEN if key in PATIENT_KEYS and value is not None else value for key, value in values.items()}


def _what(table_name: str, row_id: int, values: dict[str, Any], patients_shown: bool) -> str:
    if table_name == "patient" and not patients_shown:
        return f"patient {row_id}"
    try:
        label = audit._label(table_name, values)
    except KeyError:
        label = table_name.replace("_", " ")
    return label if label != table_name.replace("_", " ") else f"{label} {row_id}"


def _change(old: dict[str, Any] | None, new: dict[str, Any] | None) -> str:
    """The columns an entry changed, in words."""
    if old is None and new is None:
        return ""
    if old is None:
        return "new: " + ", ".join(f"{key} {_shown(value)}" for key, value in (new or {}).items() if value is not None)
    if new is None:
        return "removed"
    changed = [key for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
    return "; ".join(f"{key}: {_shown(old.get(key))} → {_shown(new.get(key))}" for key in changed) or "no column changed"


def _shown(value: Any) -> str:
    if value is None:
        return "–"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def trail_status(session: Session, path: Path | None = None) -> TrailStatus:
    """What ``db check`` would say now: the head this workstation recorded (``path``; None: the
    head file this database's connections record it in), then the
    trail from the last clean check (or whole, when there is none or the head is in doubt).
    Unlike ``db check`` it records nothing and does not run the database's own integrity check."""
    connection = session.connection()
    ring = audit.key_ring(connection)
    if path is None:
        path = connection.info.get(head_file.HEADS_INFO)
    if path is None:
        from compounder.records.database import user_data_dir

        path = head_file.default_path(user_data_dir())
    comparison = head_file.compare(connection, path, ring)
    start = None if comparison.problems else head_file.checkpoint(comparison.head)
    outcome = trail_check.verify(connection, ring, since=trail_check.Checkpoint(*start) if start else None)
    return TrailStatus(comparison.problems + [str(problem) for problem in outcome.problems], outcome.head.sequence, outcome.since)
