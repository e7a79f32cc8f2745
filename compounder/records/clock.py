"""The records' clock: the time a batch is dated and signed by comes from the records, not from
the workstation that happens to write them.

On PostgreSQL it is the server's: ``CURRENT_TIMESTAMP``, the time the transaction began, the
same for every row the transaction writes; a workstation whose clock is days behind cannot date a
batch into the past, nor make the audit trail's times run backwards between workstations. On
SQLite the records are a file on this workstation: its clock (``local``), read inside the
transaction, is the records' clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from compounder.records.boundary import Sessions, reading
from compounder.records.errors import DatabaseFailed

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def records_now(session: Session, local: Clock | None = None) -> dt.datetime:
    """Now, by the records' clock, for what ``session``'s transaction writes (timezone-aware UTC);
    ``local`` is this computer's clock (``utc_now`` when not given)."""
    if session.get_bind().dialect.name == "postgresql":
        now = session.execute(select(func.current_timestamp())).scalar_one()
        return now.astimezone(dt.UTC)
    return (local or utc_now)()


def records_today(now: dt.datetime) -> dt.date:
    """The calendar day of ``now`` where the pharmacy is (this workstation's time zone): the
    compounding date of a batch made at ``now``."""
    return now.astimezone().date()


def records_clock(sessions: Sessions, local: Clock | None = None) -> Clock:
    """A clock that reads the records' time in a short transaction of its own, for the times the
    window takes outside a writing transaction (sign-in, weighings at the station, prints); on
    SQLite it is ``local`` and opens nothing.

    While the server cannot be reached it reads ``local``: nothing can be written then (the
    write that follows fails and says so), and what is only shown — a lot's days to expiry —
    needs the day, which a screen must still be able to draw."""

    def now() -> dt.datetime:
        bind = sessions.kw.get("bind")
        if bind is not None and bind.dialect.name != "postgresql":
            return (local or utc_now)()
        try:
            with reading(sessions) as session:
                return records_now(session, local)
        except DatabaseFailed:
            return (local or utc_now)()

    return now
