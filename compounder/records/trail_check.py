"""``db check``'s reading of the audit trail: the chain, the signatures, and the replay of every
audited row to the present — streamed, so memory stays flat however long the trail is.

Three things are checked.

* **The chain**: entries in sequence order, each chaining onto the one before and signed with the
  pharmacy key (plain SHA-256 before the key was introduced), ending at the head row — and each
  dated no earlier than the one before it, give or take ``trail_times.TIME_RUNS_BACK_TOLERANCE``.
* **The signatures against history**: each entry with a user is valid only if the trail's own
  state of that account at that moment allowed it (``compounder.records.signatures``).
* **The replay**: for every audited row, each entry's "before" must be the previous entry's
  "after", and the last "after" must be the row as it is. A gap means the row was changed outside
  the app between two entries — even when the app wrote the row again afterwards (which the
  records now refuse, ``audit.check_unchanged``, but a trail written before may hold it).

Full (``db check --full``): every entry, and every row of every audited table merged with its
entries in key order (two server-side cursors; ``ix_audit_entry_target`` gives the entries in
row order). Incremental (``db check``): from the last checkpoint a clean check left in the signed
head file — the entries after it, the rows they touch (replayed from their last entry before
the checkpoint), rows added beyond the trail's highest id (one indexed ``max`` per table), and
the small tables that decide who may sign (``ALWAYS_REPLAYED``) replayed whole, entries and rows.
Its other reads are indexed ranges and lookups, so its time follows the entries since the
checkpoint and the size of those small tables, not the size of the trail or of the batches
(``benchmarks/bench_db_check.py``). An entry from
before the checkpoint edited, or a batch, line, lot or patient edited with SQL and not touched by
the app since, is found by the next full check — which ``db check`` runs by itself when its last
one is ``FULL_EVERY`` old (and the app refuses to write over such a row meanwhile).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from compounder.records import audit
from compounder.records.audit import AUDITED, GENESIS, KEYED, ROTATED, Problem
from compounder.records.audit_keys import AuditKeyError, KeyRing
from compounder.records.model import AuditEntry, AuditHead
from compounder.records.signatures import Accounts
from compounder.records.trail_times import runs_backwards

#: Small tables that decide who may sign and what is approved: the incremental check replays every
#: row of them whatever changed (hundreds of rows), so an account, a rule or an approval edited with
#: SQL is found by the next `db check`, not only by the next full one — and so is an old entry of
#: them edited so that it no longer follows from the one before (their whole history is replayed).
ALWAYS_REPLAYED = ("app_user", "pharmacy_rule", "master_formula", "master_formula_version")
#: Rows fetched per round trip from a server-side cursor.
STREAM = 2000
#: Row ids asked for in one ``IN (…)`` by the incremental check.
CHUNK = 500

_ENTRY = AuditEntry.__table__
#: What the replay reads of an entry.
_REPLAYED = ("sequence", "action", "username", "row_id", "old", "new")
#: A row or an entry as read (SQLAlchemy's ``RowMapping``, or a dict of it).
Row = Mapping[Any, Any]


@dataclass(frozen=True)
class Checkpoint:
    """The trail verified up to this entry (its sequence and signature) by an earlier check."""

    sequence: int
    hash: str


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)
    entries: int = 0  # entries whose signature was checked
    rows: int = 0  # rows compared with the trail
    head: Checkpoint = Checkpoint(0, GENESIS)  # where the trail ends
    since: int | None = None  # the checkpoint started from; None for a full check


def _connection(bind: Connection | Session) -> Connection:
    return bind.connection() if isinstance(bind, Session) else bind


def _stream(connection: Connection, query) -> Iterator[Row]:
    # Per statement: ``Connection.execution_options`` would change the connection itself (and on
    # PostgreSQL put every later statement, a ROLLBACK TO SAVEPOINT too, in a server-side cursor).
    return iter(connection.execute(query, execution_options={"stream_results": True, "yield_per": STREAM}).mappings())


def verify(bind: Connection | Session, keys: KeyRing | None = None, *, since: Checkpoint | None = None) -> Outcome:
    """The whole trail (``since`` None) or what changed after a checkpoint; see the module."""
    connection = _connection(bind)
    keys = keys if keys is not None else audit.key_ring(connection)
    outcome = Outcome(since=since.sequence if since else None)
    head = connection.execute(select(AuditHead.__table__).where(AuditHead.id == 1)).mappings().one_or_none()
    if since is not None and not _checkpoint_holds(connection, since, outcome):
        since, outcome.since = None, None
    start = _Walk(connection, keys, head, outcome)
    if since is not None:
        start.resume(since)
    start.chain()
    if since is None:
        for table_name in AUDITED:
            outcome.problems.extend(_replay_table(connection, table_name, outcome))
    else:
        outcome.problems.extend(_replay_since(connection, start.touched, since, outcome))
        for table_name in ALWAYS_REPLAYED:
            outcome.problems.extend(_replay_table(connection, table_name, outcome))
    return outcome


def _checkpoint_holds(connection: Connection, since: Checkpoint, outcome: Outcome) -> bool:
    if since.sequence == 0:
        return True
    stored = connection.execute(select(_ENTRY.c.hash).where(_ENTRY.c.sequence == since.sequence)).scalar_one_or_none()
    if stored == since.hash:
        return True
    outcome.problems.append(Problem(
        "audit_entry", None, f"entry {since.sequence}, where the last check stopped, is {'gone' if stored is None else 'not the one checked'}: "
        "the trail was cut or rewritten since; the whole trail is checked",
    ))
    return False


class _Walk:
    """The chain in sequence order, with the key in force and the accounts as the trail has them."""

    def __init__(self, connection: Connection, keys: KeyRing, head: Row | None, outcome: Outcome) -> None:
        self.connection, self.keys, self.head, self.outcome = connection, keys, head, outcome
        self.keyed_from = head["keyed_from"] if head is not None else None
        self.key: bytes | None = None
        self.unverifiable: str | None = None
        self.previous, self.expected = GENESIS, 1
        #: The sequence and time of the entry before the next one read (None: there is none).
        self.before: tuple[int, dt.datetime] | None = None
        self.accounts = Accounts()
        #: From a checkpoint: the entries after it on each audited row, kept as the chain is read
        #: (a day's work), for ``_replay_since`` — one read of them, not two.
        self.touched: dict[str, dict[int, list[Row]]] = {}
        self._keep = False

    def resume(self, since: Checkpoint) -> None:
        """Start after the checkpoint: its hash, the key named by the last key entry before it,
        and each account's last state before it (one read, from ``ix_audit_entry_target``)."""
        self.previous, self.expected = since.hash, since.sequence + 1
        self._keep = True
        at = self.connection.execute(select(_ENTRY.c.at).where(_ENTRY.c.sequence == since.sequence)).scalar_one_or_none()
        self.before = (since.sequence, at) if at is not None else None
        if self.keyed_from is not None and since.sequence >= self.keyed_from:
            named = self.connection.execute(
                select(_ENTRY.c.new).where(_ENTRY.c.table_name == "audit_head", _ENTRY.c.action.in_((KEYED, ROTATED)), _ENTRY.c.sequence <= since.sequence)
                .order_by(_ENTRY.c.sequence.desc()).limit(1)
            ).scalar_one_or_none()
            try:
                self.key = self.keys.get(json.loads(named or "{}").get("key_id", ""))
            except AuditKeyError as error:
                self.unverifiable = f"the entries after {since.sequence} cannot be checked: {error}"
        for last in self.connection.execute(select(_ENTRY).where(_ENTRY.c.sequence.in_(_last_sequences("app_user", until=since.sequence)))).mappings():
            self.accounts.learn(last)

    def chain(self) -> None:
        problems = self.outcome.problems
        query = select(_ENTRY).where(_ENTRY.c.sequence >= self.expected).order_by(_ENTRY.c.sequence)
        for entry in _stream(self.connection, query):
            sequence = entry["sequence"]
            self.outcome.entries += 1
            if sequence != self.expected:
                problems.append(Problem("audit_entry", entry["id"], f"entries missing before sequence {sequence} (expected {self.expected}): the trail was cut"))
            if entry["previous_hash"] != self.previous:
                problems.append(Problem("audit_entry", entry["id"], "does not chain onto the entry before it: an entry was removed or changed"))
            if self.keyed_from is not None and sequence >= self.keyed_from:
                if sequence == self.keyed_from:
                    self.key, self.unverifiable = audit._introduced_key(entry, self.keys, problems, first=True)
                if self.key is not None and audit._fast_mac(self.key, entry) != entry["hash"]:
                    problems.append(Problem("audit_entry", entry["id"], f"sequence {sequence} is not signed with the pharmacy key: the entry was forged or edited"))
                elif self.key is not None and entry["action"] == ROTATED and entry["table_name"] == "audit_head":
                    self.key, self.unverifiable = audit._introduced_key(entry, self.keys, problems, first=False)
            elif audit.entry_hash(entry["previous_hash"], entry) != entry["hash"]:
                problems.append(Problem("audit_entry", entry["id"], "its hash does not match its content: the entry was edited"))
            signer = self.accounts.problem(entry)
            if signer is not None:
                problems.append(Problem("audit_entry", entry["id"], signer))
            backwards = runs_backwards(self.before, entry)
            if backwards is not None:
                problems.append(Problem("audit_entry", entry["id"], backwards))
            self.accounts.learn(entry)
            self.previous, self.expected = entry["hash"], sequence + 1
            self.before = (sequence, entry["at"])
            if self._keep and entry["table_name"] in AUDITED:
                self.touched.setdefault(entry["table_name"], {}).setdefault(entry["row_id"], []).append({key: entry[key] for key in _REPLAYED})
        self._end()

    def _end(self) -> None:
        problems, head, last = self.outcome.problems, self.head, self.expected - 1
        self.outcome.head = Checkpoint(last, self.previous)
        if self.unverifiable:
            problems.append(Problem("audit_entry", None, self.unverifiable))
        if head is None:
            problems.append(Problem("audit_head", None, "the audit head row is missing"))
        elif head["sequence"] != last or head["last_hash"] != self.previous:
            problems.append(Problem("audit_head", 1, f"the trail ends at sequence {last} but the head says {head['sequence']}: entries at the end were removed or changed"))
        elif self.keyed_from is None and last > 0:
            problems.append(Problem("audit_head", 1, "no entry of the audit trail is signed with the pharmacy key: the trail was never keyed (run `compounder db migrate`) or its signatures were stripped by hand"))
        elif self.keyed_from is not None and self.keyed_from > last:
            problems.append(Problem("audit_head", 1, f"the head says the signed trail starts at sequence {self.keyed_from}, after its last entry: the head was changed by hand"))


# --------------------------------------------------------------------------- the replay, row by row


def _differences(before: str, after: str) -> str | None:
    """The columns in which the state ``after`` differs from ``before`` (canonical JSON each;
    a column a later migration added and left empty is no difference), or None."""
    if before == after:
        return None
    was, now = json.loads(before), json.loads(after)
    now = {key: value for key, value in now.items() if key in was or value is not None}
    changed = sorted(key for key in set(was) | set(now) if was.get(key) != now.get(key))
    if not changed:
        return None
    return "; ".join(f"{key} {was.get(key)!r} → {now.get(key)!r}" for key in changed)


def _replay_entries(table_name: str, row_id: int, entries: Iterable[Row], previous: Row | None = None) -> tuple[list[Problem], Row | None]:
    """Each entry's "before" against the "after" of the one before it (``previous``: the last
    entry before these, for the incremental check). Returns the problems and the last entry."""
    problems: list[Problem] = []
    for entry in entries:
        if previous is not None and previous["new"] is not None and entry["old"] == previous["new"]:
            previous = entry  # the usual case: nothing to say, nothing parsed
            continue
        gap = _gap(previous, entry)
        if gap is not None:
            label = _row_label(table_name, row_id, entry["old"] or entry["new"])
            problems.append(Problem(table_name, row_id, f"{label}: the audit trail does not replay: {gap}"))
        previous = entry
    return problems, previous


def _gap(previous: Row | None, entry: Row) -> str | None:
    """What does not follow between the entry before (None: there is none) and this one."""
    this = f"entry {entry['sequence']} ({entry['action']!r} by {entry['username']})"
    if previous is None:
        return None if entry["old"] is None else f"{this} changes a row that no earlier entry created"
    if previous["new"] is None:
        return None if entry["old"] is None else f"entry {previous['sequence']} deleted the row, but {this} changes it: it was put back outside the app"
    if entry["old"] is None:
        return f"{this} creates a row that entry {previous['sequence']} left present: it was deleted outside the app"
    difference = _differences(previous["new"], entry["old"])
    if difference is None:
        return None
    return f"between entry {previous['sequence']} ({previous['action']!r}) and {this} the row was changed outside the app: {difference}"


def _row_label(table_name: str, row_id: int, state: str | None) -> str:
    try:
        return audit._label(table_name, json.loads(state)) if state else f"{table_name.replace('_', ' ')} {row_id}"
    except (KeyError, TypeError, ValueError):
        return f"{table_name.replace('_', ' ')} {row_id}"


def _compare_row(table_name: str, row: Row | None, row_id: int, last: Row | None) -> Problem | None:
    """The row as it is against the trail's last entry for it (None: no entry)."""
    if row is None:
        if last is not None and last["new"] is not None:
            return Problem(table_name, row_id, "was deleted outside the app (the audit trail records it)")
        return None
    if last is None:
        return Problem(table_name, row_id, f"{audit._label(table_name, row)} is not in the audit trail: it was added outside the app")
    if last["new"] is None:
        return Problem(table_name, row_id, f"{audit._label(table_name, row)} was deleted according to the audit trail but is present")
    difference = audit.state_difference(last["new"], row)
    if difference is not None:
        return Problem(table_name, row_id, f"{audit._label(table_name, row)} was changed outside the app: {difference}")
    return None


def _key_column(table_name: str) -> str:
    return audit._KEY_COLUMN.get(table_name, "id")


def _replay_table(connection: Connection, table_name: str, outcome: Outcome) -> Iterator[Problem]:
    """Every row of the table merged with its entries, both in key order (constant memory)."""
    entries = _stream(connection, select(
        _ENTRY.c.sequence, _ENTRY.c.action, _ENTRY.c.username, _ENTRY.c.row_id, _ENTRY.c.old, _ENTRY.c.new,
    ).where(_ENTRY.c.table_name == table_name).order_by(_ENTRY.c.row_id, _ENTRY.c.sequence))
    replayed = ((row_id, *_replay_entries(table_name, row_id, group)) for row_id, group in itertools.groupby(entries, key=lambda entry: entry["row_id"]))
    return _merge_rows(connection, table_name, replayed, outcome)


def _merge_rows(connection: Connection, table_name: str, replayed: Iterable[tuple[int, list[Problem], Row | None]], outcome: Outcome) -> Iterator[Problem]:
    """The table's rows, in key order, merged with (row id, problems of its entries, its last
    entry) in the same order: each row compared with its last entry, a row without one is not in
    the trail, an entry without its row was deleted outside the app."""
    t = audit.table(table_name)
    rows = _stream(connection, select(t).order_by(t.c[_key_column(table_name)]))
    row = next(rows, None)
    for row_id, problems, last in replayed:
        yield from problems
        while row is not None and audit.row_key(table_name, row) < row_id:
            outcome.rows += 1
            yield from filter(None, [_compare_row(table_name, row, audit.row_key(table_name, row), None)])
            row = next(rows, None)
        if row is not None and audit.row_key(table_name, row) == row_id:
            outcome.rows += 1
            yield from filter(None, [_compare_row(table_name, row, row_id, last)])
            row = next(rows, None)
        else:
            yield from filter(None, [_compare_row(table_name, None, row_id, last)])
    while row is not None:
        outcome.rows += 1
        yield from filter(None, [_compare_row(table_name, row, audit.row_key(table_name, row), None)])
        row = next(rows, None)


def _last_sequences(table_name: str, *, ids: list[int] | None = None, until: int | None = None):
    """The sequence of the last entry of each row of the table (of the rows ``ids``, up to the
    entry ``until``): a subquery that ``ix_audit_entry_target`` answers alone."""
    query = select(func.max(_ENTRY.c.sequence)).where(_ENTRY.c.table_name == table_name)
    if ids is not None:
        query = query.where(_ENTRY.c.row_id.in_(ids))
    if until is not None:
        query = query.where(_ENTRY.c.sequence <= until)
    return query.group_by(_ENTRY.c.row_id)


def _replay_since(connection: Connection, touched: dict[str, dict[int, list[Row]]], since: Checkpoint, outcome: Outcome) -> Iterator[Problem]:
    """The rows the entries after the checkpoint touch (``touched``: table → row id → its
    entries, in order), replayed from their last entry before it; and any row beyond the highest
    id the trail knows (added outside the app)."""
    for table_name in AUDITED:
        if table_name in ALWAYS_REPLAYED:  # replayed whole, ``_replay_table``
            continue
        by_row = touched.get(table_name, {})
        ids = sorted(by_row)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            before = _last_entries_before(connection, table_name, chunk, since.sequence)
            rows = _rows(connection, table_name, chunk)
            for row_id in chunk:
                problems, last = _replay_entries(table_name, row_id, by_row[row_id], before.get(row_id))
                yield from problems
                outcome.rows += 1
                found = _compare_row(table_name, rows.get(row_id), row_id, last)
                if found is not None:
                    yield found
    yield from _added_beyond_the_trail(connection, [name for name in AUDITED if name not in ALWAYS_REPLAYED])


def _last_entries_before(connection: Connection, table_name: str, ids: list[int], sequence: int) -> dict[int, Row]:
    found = connection.execute(select(
        _ENTRY.c.sequence, _ENTRY.c.action, _ENTRY.c.username, _ENTRY.c.row_id, _ENTRY.c.new,
    ).where(_ENTRY.c.sequence.in_(_last_sequences(table_name, ids=ids, until=sequence)))).mappings()
    return {entry["row_id"]: entry for entry in found}


def _rows(connection: Connection, table_name: str, ids: list[int]) -> dict[int, Row]:
    t = audit.table(table_name)
    keys = [audit._key_value(table_name, row_id) for row_id in ids]
    return {audit.row_key(table_name, row): dict(row) for row in connection.execute(select(t).where(t.c[_key_column(table_name)].in_(keys))).mappings()}


def _added_beyond_the_trail(connection: Connection, table_names: list[str], most: int = 20) -> Iterator[Problem]:
    """Rows beyond the highest id the trail knows, in each table (added outside the app): one
    read for the highest ids (an indexed ``max`` each), one for the first row beyond them (an
    indexed ``min`` each), and the rows only where there are some — two round trips, not two a
    table, which on a busy server is most of an incremental check's time."""
    highest = connection.execute(select(*[
        select(func.max(_ENTRY.c.row_id)).where(_ENTRY.c.table_name == name).scalar_subquery().label(f"h{index}") for index, name in enumerate(table_names)
    ])).one()
    bounds = {name: None if top is None else audit._key_value(name, top) for name, top in zip(table_names, highest, strict=True)}

    def column(name: str):
        return audit.table(name).c[_key_column(name)]

    def beyond(query, name: str):
        return query if bounds[name] is None else query.where(column(name) > bounds[name])

    first = connection.execute(select(*[
        beyond(select(func.min(column(name))), name).scalar_subquery().label(f"f{index}") for index, name in enumerate(table_names)
    ])).one()
    for name, found in zip(table_names, first, strict=True):
        if found is None:
            continue
        for row in connection.execute(beyond(select(audit.table(name)), name).order_by(column(name)).limit(most)).mappings():
            yield Problem(name, audit.row_key(name, row), f"{audit._label(name, row)} is not in the audit trail: it was added outside the app")


def problems(connection: Connection | Session, keys: KeyRing | None = None) -> list[Problem]:
    """Everything wrong with the whole trail: its chain and signatures, who signed what against
    the trail's own history, and every audited row replayed to the present (streamed)."""
    return verify(connection, keys).problems
