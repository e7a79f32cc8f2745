"""The audit trail's times: an entry dated earlier than the one before it by more than the
writers' own waits explain was written with a clock set back or a time entered into the past
(issue 28, "Dates are the records' own"); ``trail_check`` reports it as it walks the chain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from compounder.records.database import SQLITE_BUSY_TIMEOUT_S

#: How much earlier than the entry before it an entry may be dated before ``db check`` reports
#: it. An entry's time is taken when its action starts, before it waits its turn to write: on
#: SQLite up to ``SQLITE_BUSY_TIMEOUT_S`` in the write queue (``write_queue``) and as long again
#: for SQLite's own write lock; on PostgreSQL ``CURRENT_TIMESTAMP`` is when the transaction
#: began, before it waited for the head row. So two writers legitimately land seconds (on a busy
#: machine, a minute or two) out of order. Both waits plus three minutes' margin (five minutes in
#: all); a clock set back or a time typed into the past is hours or days, far beyond it.
TIME_RUNS_BACK_TOLERANCE = dt.timedelta(seconds=2 * SQLITE_BUSY_TIMEOUT_S) + dt.timedelta(minutes=3)


def _utc(at: dt.datetime) -> dt.datetime:
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)


def runs_backwards(before: tuple[int, dt.datetime] | None, entry: Mapping[Any, Any]) -> str | None:
    """What is wrong when ``entry`` is dated earlier than the entry ``before`` it by more than
    ``TIME_RUNS_BACK_TOLERANCE``, naming both entries and both times; None otherwise."""
    if before is None or entry["at"] is None:
        return None
    sequence, previous_at = before
    at, previous_at = _utc(entry["at"]), _utc(previous_at)
    if previous_at - at <= TIME_RUNS_BACK_TOLERANCE:
        return None
    shown = "%Y-%m-%d %H:%M:%S UTC"
    return (
        f"entry {entry['sequence']} is dated {at.strftime(shown)}, {previous_at - at} before entry {sequence} "
        f"({previous_at.strftime(shown)}) which precedes it; entries are written in the order of their times give or take "
        f"{TIME_RUNS_BACK_TOLERANCE}: a clock was set back or a time was entered into the past"
    )
