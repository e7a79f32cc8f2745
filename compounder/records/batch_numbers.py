"""Batch numbers: the day's next ``YYMMDD-NNN``, handed out by the records in the transaction that
saves the batch, so two workstations never print the same number (issue 28, "two numbering
systems")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from compounder.records import audit
from compounder.records.model import BatchCounter
from compounder.records.policy import Actor, RecordError, batch_day, format_batch_number

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert


def allocate_batch_number(session: Session, on: dt.date, actor: Actor | None = None, now: dt.datetime | None = None) -> str:
    """The next ``YYMMDD-NNN`` for the day, from one atomic statement in the saving transaction:
    ``INSERT … ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last`` (SQLite 3.35+
    and PostgreSQL). The day's counter row stays locked until the transaction ends, so two
    workstations never get the same number, and a number of a transaction that fails is used
    again by the next."""
    day = batch_day(on)
    sequence = session.execute(_counter_upsert(session, day).returning(BatchCounter.last)).scalar_one()
    # Audited, so a counter set back by hand (to hand out a number twice) is found by `db check`;
    # the state before is known exactly: the statement added one.
    old = {"day": day, "last": sequence - 1} if sequence > 1 else None
    audit.record(session, actor, "next batch number", "batch_counter", int(day), old, now or dt.datetime.now(dt.UTC))
    return format_batch_number(on, sequence)


def _counter_upsert(session: Session, day: str) -> PostgresInsert | SqliteInsert:
    """The day's counter row inserted at 1, or its ``last`` raised by one, in the database's own
    dialect (imported here: the other dialect's module is not loaded for nothing)."""
    name = session.get_bind().dialect.name
    conflict: dict[str, Any] = {"index_elements": [BatchCounter.day], "set_": {"last": BatchCounter.last + 1}}
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgres_insert

        return postgres_insert(BatchCounter).values(day=day, last=1).on_conflict_do_update(**conflict)
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(BatchCounter).values(day=day, last=1).on_conflict_do_update(**conflict)
    raise RecordError(f"batch numbers cannot be allocated on a {name} database")  # pragma: no cover - open_database accepts only these two
