"""The append-only audit trail, chained and signed with the pharmacy's key (HMAC-SHA256).

Every change the records make is written as an entry: who, when, what (table and row), the row's
columns before and after (canonical JSON). Each entry's hash covers the previous entry's hash and
its own fields, so editing or deleting an entry breaks the chain from there on; and ``verify``
replays every audited row to the present (each entry's "before" is the previous entry's "after",
the last "after" is the row), so a row edited or deleted with plain SQL is named too. A write
refuses a row that is not in the state the trail last recorded (``check_unchanged``), so the app
never writes over such a change and makes it look like its own.

The hash format (``canonical`` and ``entry_hash``) is part of the stored records: migration 0002
uses it, and changing it would make every existing chain look tampered with.

A plain SHA-256 chain can be recomputed by anyone who can write to the database. From migration
0005 on, entries are signed instead with HMAC-SHA256 under the pharmacy's audit key, which is kept
outside the database (``compounder.records.audit_keys``). The chain written before the key was
introduced is verified as before, up to the entry that introduces the key (``audit_head.keyed_from``,
action ``KEYED``); every entry from there on must carry a valid signature. A key rotation is an
entry (``ROTATED``) signed with the old key that names the new one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, select, update
from sqlalchemy.orm import Session

from compounder.records import head_file
from compounder.records import model_formulation as _model_formulation  # noqa: F401 - its tables on the same metadata (issue 25)
from compounder.records.audit_keys import (
    CONNECTION_INFO,
    AuditKeyError,
    KeyRing,
    key_id,
)
from compounder.records.model import AuditEntry, AuditHead, Base
from compounder.records.policy import Actor, RecordError

GENESIS = "0" * 64
#: The entry that starts the keyed part of the chain, and the one that changes the key.
KEYED = "sign with audit key"
ROTATED = "rotate audit key"

#: The tables whose every row is accounted for by the trail.
AUDITED = (
    "app_user", "patient", "ingredient_lot", "master_formula", "master_formula_version", "batch", "batch_line",
    "batch_acknowledgement", "batch_counter", "pharmacy_rule", "weighing_event", "aliquot_weighing",
    "batch_qc_result", "batch_deviation", "batch_remake",
)
#: Audited tables whose key is not an integer ``id``: the column, and its value as the entry's row_id.
_KEY_COLUMN = {"batch_counter": "day"}

_HASHED = ("sequence", "at", "user_id", "username", "action", "table_name", "row_id", "old", "new")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    raise TypeError(f"cannot put {type(value).__name__} in the audit trail")


def canonical(values: Mapping[str, Any]) -> str:
    """Sorted keys, no spaces, dates in ISO form, decimals without trailing zeros."""
    return json.dumps(dict(values), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def entry_hash(previous_hash: str, fields: Mapping[str, Any] | RowMapping) -> str:
    payload = canonical({"previous_hash": previous_hash, **{key: fields[key] for key in _HASHED}})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def entry_mac(key: bytes, previous_hash: str, fields: Mapping[str, Any]) -> str:
    """The keyed form: HMAC-SHA256 under the pharmacy key of the same canonical text."""
    payload = canonical({"previous_hash": previous_hash, **{key_: fields[key_] for key_ in _HASHED}})
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def _fast_mac(key: bytes, entry: Mapping[str, Any] | RowMapping) -> str:
    """``entry_mac`` of a stored entry, the same bytes made with fewer steps (``db check`` signs
    every entry again: on a trail of a million entries this is most of its time)."""
    at = entry["at"]
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    payload = json.dumps(
        {
            "action": entry["action"], "at": at.isoformat(), "new": entry["new"], "old": entry["old"], "previous_hash": entry["previous_hash"],
            "row_id": entry["row_id"], "sequence": entry["sequence"], "table_name": entry["table_name"], "user_id": entry["user_id"],
            "username": entry["username"],
        },
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def key_ring(bind: Session | Connection) -> KeyRing:
    """The keys of the engine the session or connection uses (``open_database`` puts them on
    every connection)."""
    connection = bind.connection() if isinstance(bind, Session) else bind
    ring = connection.info.get(CONNECTION_INFO)
    if ring is None:
        return KeyRing(problem="this database connection carries no audit key; open the database with compounder.records.database.open_database")
    return ring


def row_key(table_name: str, row: Mapping[Any, Any]) -> int:
    column = _KEY_COLUMN.get(table_name)
    return int(row[column]) if column else row["id"]


def _key_value(table_name: str, row_id: int) -> Any:
    return f"{row_id:06d}" if table_name == "batch_counter" else row_id


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def snapshot(session: Session | Connection, table_name: str, row_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    """The row as the database holds it (typed by the model), or None when it is gone. With
    ``lock`` the row is locked until the transaction ends (PostgreSQL ``FOR UPDATE``; an SQLite
    transaction holds the write lock from its BEGIN IMMEDIATE), so the "old" state recorded is the
    one the change is made to, however many workstations change the row at once."""
    t = table(table_name)
    query = select(t).where(t.c[_KEY_COLUMN.get(table_name, "id")] == _key_value(table_name, row_id))
    row = session.execute(query.with_for_update() if lock else query).mappings().one_or_none()
    return None if row is None else dict(row)


class ChangedOutsideApp(RecordError):
    """A row the app is about to write (or a signer's account) is not in the state the audit trail
    last recorded for it: it was changed with plain SQL. Writing over it would hide the change."""


def last_recorded(session: Session | Connection, table_name: str, row_id: int) -> tuple[bool, str | None]:
    """Whether the trail has an entry for the row, and the state (canonical JSON, None when the
    row was deleted) its last entry left it in: one indexed read (``ix_audit_entry_target``)."""
    found = session.execute(
        select(AuditEntry.new).where(AuditEntry.table_name == table_name, AuditEntry.row_id == row_id)
        .order_by(AuditEntry.sequence.desc()).limit(1)
    ).first()
    return (found is not None, found[0] if found is not None else None)


def state_difference(recorded: str, state: Mapping[str, Any]) -> str | None:
    """None when ``state`` is the state ``recorded`` (columns a later migration added and left
    empty do not count); else the columns that differ, as a sentence."""
    current = canonical(state)
    if current == recorded:
        return None
    current = canonical(_as_recorded(dict(state), recorded))
    if current == recorded:
        return None
    before, now = json.loads(recorded), json.loads(current)
    changed = sorted(key for key in set(before) | set(now) if before.get(key) != now.get(key))
    return "; ".join(f"{key} is {now.get(key)!r}, the audit trail says {before.get(key)!r}" for key in changed)


def check_unchanged(session: Session | Connection, table_name: str, row_id: int, state: Mapping[str, Any] | None) -> None:
    """Raise ``ChangedOutsideApp`` unless ``state`` (the row as read now, None when absent) is
    the state the trail's last entry for the row left it in. Asked before every write, so a row
    changed with SQL is never written over (which would make the change look like the app's)."""
    known, recorded = last_recorded(session, table_name, row_id)
    label = _label(table_name, state) if state is not None else f"{table_name.replace('_', ' ')} {row_id}"
    advice = "nothing was saved; an administrator runs `compounder db check` and restores the record from a backup"
    if state is None:
        if known and recorded is not None:
            raise ChangedOutsideApp(f"{label} was deleted outside the app (the audit trail records it); {advice}")
        return
    if not known:
        raise ChangedOutsideApp(f"{label} is not in the audit trail: it was added outside the app; {advice}")
    if recorded is None:
        raise ChangedOutsideApp(f"{label} was deleted according to the audit trail but is present; {advice}")
    difference = state_difference(recorded, state)
    if difference is not None:
        raise ChangedOutsideApp(f"{label} was changed outside the app: {difference}; {advice}")


def record(
    session: Session, actor: Actor | None, action: str, table_name: str, row_id: int, old: Mapping[str, Any] | None,
    at: dt.datetime, *, system: str = "(system)",
) -> dict[str, Any] | None:
    """Append one entry for the row's change from ``old`` to its present state (read back from
    the database after a flush). Returns the new state. Taking the head row first serialises
    writers, so two workstations never chain onto the same entry. ``old`` must be the state the
    trail last recorded for the row (``ChangedOutsideApp`` otherwise, nothing written)."""
    check_unchanged(session, table_name, row_id, old)
    session.flush()
    new = snapshot(session, table_name, row_id)
    fields = {
        "at": at,
        "user_id": actor.id if actor else None,
        "username": actor.username if actor else system,
        "action": action,
        "table_name": table_name,
        "row_id": row_id,
        "old": canonical(old) if old is not None else None,
        "new": canonical(new) if new is not None else None,
    }
    append(session, fields)
    return new


#: Entries about no row of an audited table: a sign-in failed for a user name no account has.
#: ``row_id`` is 0 and ``new`` holds what was typed; ``verify`` checks their signature and chain
#: like every entry's, and compares no row with them.
SIGN_IN = "sign_in"


def record_event(session: Session, action: str, table_name: str, values: Mapping[str, Any], at: dt.datetime, *, system: str) -> None:
    """Append one entry that belongs to no audited row (``table_name`` is not in ``AUDITED``):
    ``values`` are kept as its ``new`` state, signed and chained like every other entry."""
    if table_name in AUDITED:
        raise ValueError(f"{table_name} rows are audited by audit.record, with their state")
    append(session, {
        "at": at, "user_id": None, "username": system, "action": action, "table_name": table_name, "row_id": 0,
        "old": None, "new": canonical(values),
    })


def append(session: Session, fields: dict[str, Any]) -> None:
    """Chain one entry (``fields`` without its sequence) onto the head, signed with the key the
    head names. On a trail not yet keyed, the entry that introduces this workstation's newest key
    comes first. Raises ``AuditKeyError`` (nothing is written) without the key."""
    # One statement takes the head row's lock and the next sequence (RETURNING: SQLite ≥ 3.35, PostgreSQL).
    head = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(sequence=AuditHead.sequence + 1)
        .returning(AuditHead.sequence, AuditHead.last_hash, AuditHead.keyed_from, AuditHead.key_id),
        execution_options={"synchronize_session": False},
    ).one()
    ring = key_ring(session)
    sequence, previous = head.sequence, head.last_hash
    if head.keyed_from is None:
        current, key = ring.newest_key()
        previous = _add(session, key, previous, _key_fields(sequence, fields["at"], KEYED, current))
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(keyed_from=sequence, key_id=current))
        sequence += 1
    else:
        key = ring.get(head.key_id)
    digest = _add(session, key, previous, {**fields, "sequence": sequence})
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(sequence=sequence, last_hash=digest))
    session.flush()


def _key_fields(sequence: int, at: dt.datetime, action: str, new_key_id: str, actor: Actor | None = None) -> dict[str, Any]:
    return {
        "sequence": sequence, "at": at, "user_id": actor.id if actor else None, "username": actor.username if actor else "(system)",
        "action": action, "table_name": "audit_head", "row_id": 1, "old": None, "new": canonical({"key_id": new_key_id}),
    }


def _add(session: Session, key: bytes, previous: str, fields: dict[str, Any]) -> str:
    digest = entry_mac(key, previous, fields)
    session.add(AuditEntry(**fields, previous_hash=previous, hash=digest))
    session.info[head_file.PENDING] = True  # the commit records the new head outside the database
    return digest


def ensure_keyed(session: Session, at: dt.datetime) -> bool:
    """Sign a trail written before the key existed: its next entry introduces the key. Does
    nothing (and returns False) when the trail is empty or already keyed."""
    head = session.execute(select(AuditHead.sequence, AuditHead.keyed_from).where(AuditHead.id == 1)).one_or_none()
    if head is None or head.keyed_from is not None or head.sequence == 0:
        return False
    row = session.execute(
        update(AuditHead).where(AuditHead.id == 1, AuditHead.keyed_from.is_(None)).values(sequence=AuditHead.sequence + 1)
        .returning(AuditHead.sequence, AuditHead.last_hash), execution_options={"synchronize_session": False},
    ).one_or_none()
    if row is None:  # another workstation keyed it meanwhile
        return False
    current, key = key_ring(session).newest_key()
    digest = _add(session, key, row.last_hash, _key_fields(row.sequence, at, KEYED, current))
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=digest, keyed_from=row.sequence, key_id=current))
    session.flush()
    return True


def rotate_key(session: Session, actor: Actor, new_key: bytes, at: dt.datetime) -> str:
    """Sign the trail with ``new_key`` from now on: an entry signed with the present key names
    the new one. The caller has added the new key to the key file first. Returns its id."""
    from compounder.records.policy import may_manage_users

    may_manage_users(actor)
    head = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(sequence=AuditHead.sequence + 1)
        .returning(AuditHead.sequence, AuditHead.last_hash, AuditHead.keyed_from, AuditHead.key_id),
        execution_options={"synchronize_session": False},
    ).one()
    if head.keyed_from is None:
        raise AuditKeyError("the audit trail is not keyed yet; run `compounder db migrate` first")
    old_key = key_ring(session).get(head.key_id)
    new_id = key_id(new_key)
    digest = _add(session, old_key, head.last_hash, _key_fields(head.sequence, at, ROTATED, new_id, actor))
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=digest, key_id=new_id))
    session.flush()
    return new_id


@dataclass(frozen=True)
class Problem:
    """Something ``verify`` found wrong, naming the table and row."""

    table: str
    row_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.table} row {self.row_id}" if self.row_id is not None else self.table
        return f"{where}: {self.message}"


def _introduced_key(entry: Mapping[str, Any] | RowMapping, keys: KeyRing, problems: list[Problem], *, first: bool) -> tuple[bytes | None, str | None]:
    """The key an introducing (or rotating) entry names, or why it cannot be had."""
    if first and (entry["action"] != KEYED or entry["table_name"] != "audit_head"):
        problems.append(Problem("audit_entry", entry["id"], f"sequence {entry['sequence']} should introduce the pharmacy key but is a {entry['action']!r}: the head was changed by hand"))
        return None, None
    try:
        wanted = json.loads(entry["new"] or "{}").get("key_id", "")
        return keys.get(wanted), None
    except AuditKeyError as error:
        return None, f"the entries from sequence {entry['sequence']} on cannot be checked: {error}"


def _as_recorded(row: dict[str, Any], recorded: str) -> dict[str, Any]:
    """The row without columns a later migration added that are still empty: the trail's last
    entry for a row written before that migration cannot mention them, and an empty new column
    is not a change. A value put into such a column outside the app still shows."""
    known = json.loads(recorded)
    return {key: value for key, value in row.items() if key in known or value is not None}


def _label(table_name: str, row: Mapping[Any, Any]) -> str:
    if table_name == "batch":
        return f"batch {row['batch_number']}"
    if table_name == "app_user":
        return f"user {row['username']}"
    if table_name == "batch_counter":
        return f"the batch-number counter of {row['day']}"
    if table_name == "pharmacy_rule":
        return f"the pharmacy rule {row['name']}"
    if table_name == "master_formula":
        return f"master formula {row['name']!r}"
    if table_name == "ingredient_lot":
        return f"lot {row['lot_number']} of {row['stock_form']}"
    return table_name.replace("_", " ")
