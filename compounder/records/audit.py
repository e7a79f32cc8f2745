"""The append-only audit trail, chained and signed with the pharmacy's key (HMAC-SHA256).

Every change the records make is written as an entry: who, when, what (table and row), the row's
columns before and after (canonical JSON). Each entry's hash covers the previous entry's hash and
its own fields, so editing or deleting an entry breaks the chain from there on; and ``verify``
compares every audited row with the last state the trail recorded for it, so a row edited or
deleted with plain SQL is named too.

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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, select, update
from sqlalchemy.orm import Session

from compounder.records.audit_keys import (
    CONNECTION_INFO,
    AuditKeyError,
    KeyRing,
    key_id,
)
from compounder.records.model import AuditEntry, AuditHead, Base
from compounder.records.policy import Actor

GENESIS = "0" * 64
#: The entry that starts the keyed part of the chain, and the one that changes the key.
KEYED = "sign with audit key"
ROTATED = "rotate audit key"

#: The tables whose every row is accounted for by the trail.
AUDITED = (
    "app_user", "patient", "ingredient_lot", "master_formula", "master_formula_version", "batch", "batch_line",
    "batch_acknowledgement", "batch_counter", "pharmacy_rule", "weighing_event", "aliquot_weighing",
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


def row_key(table_name: str, row: Mapping[str, Any]) -> int:
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


def record(
    session: Session, actor: Actor | None, action: str, table_name: str, row_id: int, old: Mapping[str, Any] | None,
    at: dt.datetime, *, system: str = "(system)",
) -> dict[str, Any] | None:
    """Append one entry for the row's change from ``old`` to its present state (read back from
    the database after a flush). Returns the new state. Taking the head row first serialises
    writers, so two workstations never chain onto the same entry."""
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


def verify(connection: Connection | Session, keys: KeyRing | None = None) -> list[Problem]:
    """Walk the chain, check each entry's signature (its hash before the key was introduced)
    and compare every audited row with the trail's last word on it."""
    keys = keys if keys is not None else key_ring(connection)
    problems: list[Problem] = []
    previous, expected_sequence = GENESIS, 1
    last_state: dict[tuple[str, int], str | None] = {}
    head = connection.execute(select(AuditHead.__table__).where(AuditHead.id == 1)).mappings().one_or_none()
    keyed_from = head["keyed_from"] if head is not None else None
    key: bytes | None = None  # None: the unkeyed part of the chain
    unverifiable: str | None = None
    entries = connection.execute(select(AuditEntry.__table__).order_by(AuditEntry.sequence)).mappings()
    for entry in entries:
        sequence = entry["sequence"]
        if sequence != expected_sequence:
            problems.append(Problem("audit_entry", entry["id"], f"entries missing before sequence {sequence} (expected {expected_sequence}): the trail was cut"))
        if entry["previous_hash"] != previous:
            problems.append(Problem("audit_entry", entry["id"], "does not chain onto the entry before it: an entry was removed or changed"))
        if keyed_from is not None and sequence >= keyed_from:
            if sequence == keyed_from:
                key, unverifiable = _introduced_key(entry, keys, problems, first=sequence == keyed_from)
            if key is not None and _fast_mac(key, entry) != entry["hash"]:
                problems.append(Problem("audit_entry", entry["id"], f"sequence {sequence} is not signed with the pharmacy key: the entry was forged or edited"))
            elif key is not None and entry["action"] == ROTATED and entry["table_name"] == "audit_head":
                key, unverifiable = _introduced_key(entry, keys, problems, first=False)
        elif entry_hash(entry["previous_hash"], entry) != entry["hash"]:
            problems.append(Problem("audit_entry", entry["id"], "its hash does not match its content: the entry was edited"))
        previous, expected_sequence = entry["hash"], sequence + 1
        last_state[(entry["table_name"], entry["row_id"])] = entry["new"]
    if unverifiable:
        problems.append(Problem("audit_entry", None, unverifiable))
    if head is None:
        problems.append(Problem("audit_head", None, "the audit head row is missing"))
    elif head["sequence"] != expected_sequence - 1 or head["last_hash"] != previous:
        problems.append(Problem("audit_head", 1, f"the trail ends at sequence {expected_sequence - 1} but the head says {head['sequence']}: entries at the end were removed or changed"))
    elif keyed_from is None and expected_sequence > 1:
        problems.append(Problem("audit_head", 1, "no entry of the audit trail is signed with the pharmacy key: the trail was never keyed (run `compounder db migrate`) or its signatures were stripped by hand"))
    elif keyed_from is not None and keyed_from >= expected_sequence:
        problems.append(Problem("audit_head", 1, f"the head says the signed trail starts at sequence {keyed_from}, after its last entry: the head was changed by hand"))
    for table_name in AUDITED:
        problems.extend(_compare_rows(connection, table_name, last_state))
    return problems


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


def _compare_rows(connection, table_name: str, last_state: dict[tuple[str, int], str | None]) -> Iterator[Problem]:
    t = table(table_name)
    seen = set()
    for row in connection.execute(select(t).order_by(t.c[_KEY_COLUMN.get(table_name, "id")])).mappings():
        row_id = row_key(table_name, row)
        seen.add(row_id)
        recorded = last_state.get((table_name, row_id))
        if (table_name, row_id) not in last_state:
            yield Problem(table_name, row_id, f"{_label(table_name, row)} is not in the audit trail: it was added outside the app")
            continue
        if recorded is None:
            yield Problem(table_name, row_id, f"{_label(table_name, row)} was deleted according to the audit trail but is present")
            continue
        current = canonical(row)
        if current == recorded:
            continue  # the usual case, without reading the recorded JSON
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
    if table_name == "batch_counter":
        return f"the batch-number counter of {row['day']}"
    if table_name == "pharmacy_rule":
        return f"the pharmacy rule {row['name']}"
    if table_name == "master_formula":
        return f"master formula {row['name']!r}"
    if table_name == "ingredient_lot":
        return f"lot {row['lot_number']} of {row['stock_form']}"
    return table_name.replace("_", " ")
