"""The append-only audit trail, chained by SHA-256.

Every change the records make is written as an entry: who, when, what (table and row), the row's
columns before and after (canonical JSON). Each entry's hash covers the previous entry's hash and
its own fields, so editing or deleting an entry breaks the chain from there on; and ``verify``
compares every audited row with the last state the trail recorded for it, so a row edited or
deleted with plain SQL is named too.

The hash format (``canonical`` and ``entry_hash``) is part of the stored records: migration 0002
uses it, and changing it would make every existing chain look tampered with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.orm import Session

from compounder.records.model import AuditEntry, AuditHead, Base
from compounder.records.rules import Actor

GENESIS = "0" * 64

#: The tables whose every row is accounted for by the trail.
AUDITED = ("app_user", "patient", "ingredient_lot", "master_formula_version", "batch", "batch_line", "batch_acknowledgement", "weighing_event")

_HASHED = ("sequence", "at", "user_id", "username", "action", "table_name", "row_id", "old", "new")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    raise TypeError(f"cannot put {type(value).__name__} in the audit trail")


def canonical(values: Mapping[str, Any]) -> str:
    """Sorted keys, no spaces, dates in ISO form, decimals without trailing zeros."""
    return json.dumps(dict(values), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def entry_hash(previous_hash: str, fields: Mapping[str, Any]) -> str:
    payload = canonical({"previous_hash": previous_hash, **{key: fields[key] for key in _HASHED}})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def snapshot(session: Session | Connection, table_name: str, row_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    """The row as the database holds it (typed by the model), or None when it is gone. With
    ``lock`` the row is locked until the transaction ends (PostgreSQL ``FOR UPDATE``; an SQLite
    transaction holds the write lock from its BEGIN IMMEDIATE), so the "old" state recorded is the
    one the change is made to, however many workstations change the row at once."""
    t = table(table_name)
    query = select(t).where(t.c.id == row_id)
    row = session.execute(query.with_for_update() if lock else query).mappings().one_or_none()
    return None if row is None else dict(row)


def record(
    session: Session, actor: Actor | None, action: str, table_name: str, row_id: int, old: Mapping[str, Any] | None,
    at: dt.datetime, *, system: str = "(system)",
) -> dict[str, Any] | None:
    """Append one entry for the row's change from ``old`` to its present state (read back from
    the database after a flush). Returns the new state. Taking the head row first serialises
    writers, so two workstations never chain onto the same entry."""
    session.flush()
    new = snapshot(session, table_name, row_id)
    # One statement takes the head row's lock and the next sequence (RETURNING: SQLite ≥ 3.35, PostgreSQL).
    head = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(sequence=AuditHead.sequence + 1)
        .returning(AuditHead.sequence, AuditHead.last_hash),
        execution_options={"synchronize_session": False},
    ).one()
    fields = {
        "sequence": head.sequence,
        "at": at,
        "user_id": actor.id if actor else None,
        "username": actor.username if actor else system,
        "action": action,
        "table_name": table_name,
        "row_id": row_id,
        "old": canonical(old) if old is not None else None,
        "new": canonical(new) if new is not None else None,
    }
    digest = entry_hash(head.last_hash, fields)
    session.add(AuditEntry(**fields, previous_hash=head.last_hash, hash=digest))
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=digest))
    session.flush()
    return new


@dataclass(frozen=True)
class Problem:
    """Something ``verify`` found wrong, naming the table and row."""

    table: str
    row_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.table} row {self.row_id}" if self.row_id is not None else self.table
        return f"{where}: {self.message}"


def verify(connection: Connection | Session) -> list[Problem]:
    """Walk the chain and compare every audited row with the trail's last word on it."""
    problems: list[Problem] = []
    previous, expected_sequence = GENESIS, 1
    last_state: dict[tuple[str, int], str | None] = {}
    entries = connection.execute(select(AuditEntry.__table__).order_by(AuditEntry.sequence)).mappings()
    for entry in entries:
        if entry["sequence"] != expected_sequence:
            problems.append(Problem("audit_entry", entry["id"], f"entries missing before sequence {entry['sequence']} (expected {expected_sequence}): the trail was cut"))
        if entry["previous_hash"] != previous:
            problems.append(Problem("audit_entry", entry["id"], "does not chain onto the entry before it: an entry was removed or changed"))
        if entry_hash(entry["previous_hash"], entry) != entry["hash"]:
            problems.append(Problem("audit_entry", entry["id"], "its hash does not match its content: the entry was edited"))
        previous, expected_sequence = entry["hash"], entry["sequence"] + 1
        last_state[(entry["table_name"], entry["row_id"])] = entry["new"]
    head = connection.execute(select(AuditHead.sequence, AuditHead.last_hash).where(AuditHead.id == 1)).one_or_none()
    if head is None:
        problems.append(Problem("audit_head", None, "the audit head row is missing"))
    elif head.sequence != expected_sequence - 1 or head.last_hash != previous:
        problems.append(Problem("audit_head", 1, f"the trail ends at sequence {expected_sequence - 1} but the head says {head.sequence}: entries at the end were removed or changed"))
    for table_name in AUDITED:
        problems.extend(_compare_rows(connection, table_name, last_state))
    return problems


def _compare_rows(connection, table_name: str, last_state: dict[tuple[str, int], str | None]) -> Iterator[Problem]:
    t = table(table_name)
    seen = set()
    for row in connection.execute(select(t).order_by(t.c.id)).mappings():
        row_id = row["id"]
        seen.add(row_id)
        recorded = last_state.get((table_name, row_id))
        if (table_name, row_id) not in last_state:
            yield Problem(table_name, row_id, f"{_label(table_name, row)} is not in the audit trail: it was added outside the app")
            continue
        if recorded is None:
            yield Problem(table_name, row_id, f"{_label(table_name, row)} was deleted according to the audit trail but is present")
            continue
        current = canonical(_as_recorded(dict(row), recorded))
        if current != recorded:
            before = json.loads(recorded)
            now = json.loads(current)
            changed = sorted(key for key in set(before) | set(now) if before.get(key) != now.get(key))
            details = "; ".join(f"{key} is {now.get(key)!r}, the audit trail says {before.get(key)!r}" for key in changed)
            yield Problem(table_name, row_id, f"{_label(table_name, row)} was changed outside the app: {details}")
    for (name, row_id), state in last_state.items():
        if name == table_name and state is not None and row_id not in seen:
            yield Problem(table_name, row_id, "was deleted outside the app (the audit trail records it)")


def _as_recorded(row: dict[str, Any], recorded: str) -> dict[str, Any]:
    """The row without columns a later migration added that are still empty: the trail's last
    entry for a row written before that migration cannot mention them, and an empty new column
    is not a change. A value put into such a column outside the app still shows."""
    known = json.loads(recorded)
    return {key: value for key, value in row.items() if key in known or value is not None}


def _label(table_name: str, row: Mapping[str, Any]) -> str:
    if table_name == "batch":
        return f"batch {row['batch_number']}"
    if table_name == "app_user":
        return f"user {row['username']}"
    if table_name == "ingredient_lot":
        return f"lot {row['lot_number']} of {row['stock_form']}"
    return table_name.replace("_", " ")
