"""A row the records themselves point at, or a clear refusal when it is not there.

``Session.get`` answers ``None`` for a missing key. Where the key came from another row (a
batch's formula version, a line's lot), a missing row means the database no longer holds
together: it is refused in the records' own words (``RecordError``), naming the row, rather
than failing later on an attribute of ``None``.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from compounder.records.policy import RecordError

Row = TypeVar("Row")


def existing(session: Session, model: type[Row], key: int, what: str) -> Row:
    """The ``model`` row numbered ``key``; ``what`` names it for the pharmacist ("formula version")."""
    row = session.get(model, key)
    if row is None:
        raise RecordError(f"the records have no {what} number {key}; `compounder db check` tells what else is missing")
    return row
