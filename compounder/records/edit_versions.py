"""No lost update: a change is made on top of the version the person saw, or refused.

Two workstations open the same record; each saves its change on top of what it read minutes ago,
and the second silently undoes the first (issue 21: a formula back at 5 % after A saved 4 %, a
9 % version approved by a pharmacist looking at 5 %, a weight signed that another workstation had
overwritten). Every record a person edits counts its changes in ``row_version``
(``model.Versioned``), bumped here at each flush of a changed row, so the record functions can
compare the version the caller saw with the version the database holds, and a signature or an
approval can name the exact content shown (``content_hash``).

A refusal is ``EditConflict`` and says what changed, by whom and when, from the audit trail's
last entry for the row; the caller offers to reload, or to apply the person's change again on the
newest version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import String, Text, event, text
from sqlalchemy.orm import Session

from compounder.records.column_types import UtcDateTime
from compounder.records.policy import RecordError

#: Columns that are bookkeeping, not content: left out of "what changed".
_BOOKKEEPING = frozenset({"row_version", "updated_at", "approved_at", "profile_updated_at", "profile_updated_by", "changed_at", "changed_by"})


class EditConflict(RecordError):
    """The record changed since the person saw it; nothing was saved. ``current`` is the version
    the database holds now (the caller reloads it, or applies its change again on it)."""

    def __init__(self, message: str, current: int) -> None:
        super().__init__(message)
        self.current = current


@event.listens_for(Session, "before_flush")
def _count_changes(session: Session, _context, _instances) -> None:
    """A new versioned row is version 1; a changed one is one more than it was (NULL counts as 0)."""
    for row in session.new:
        if hasattr(row, "row_version") and row.row_version is None:
            row.row_version = 1
    for row in session.dirty:
        if hasattr(row, "row_version") and session.is_modified(row, include_collections=False):
            row.row_version = (row.row_version or 0) + 1


def version_of(row: Any) -> int:
    return row.row_version or 0


def content_hash(content: Any) -> str:
    """The SHA-256 of ``content`` as canonical JSON: what an approval or a signature is of."""
    text_ = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text_.encode()).hexdigest()


def refuse_if_changed(session: Session, row: Any, seen: int | None, what: str) -> None:
    """Raise ``EditConflict`` when ``row`` is no longer at version ``seen`` (None: the caller saw
    no version, nothing to compare — a command-line call working on the newest)."""
    if seen is None or version_of(row) == seen:
        return
    raise EditConflict(f"{what} was changed {changed_by(session, row.__tablename__, row.id)} since you opened it "
                       f"(it is at version {version_of(row)}, you saw version {seen}); nothing was saved — "
                       "reload it, or apply your change again on the newest", version_of(row))


def changed_by(session: Session, table_name: str, row_id: int) -> str:
    """"by tess at 09:14 UTC (actual_ug 12000000 → 12500000)": the trail's last entry on the row."""
    # The table by name, not the mapped class: the model imports this module (its flush hook).
    entry = session.execute(
        text(
            "SELECT username, at, action, old, new FROM audit_entry WHERE table_name = :table AND row_id = :row "
            "ORDER BY sequence DESC LIMIT 1"
        ).columns(username=String(), at=UtcDateTime(), action=String(), old=Text(), new=Text()),
        {"table": table_name, "row": row_id},
    ).first()
    if entry is None:
        return "on another workstation"
    at = entry.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if entry.at else "an unknown time"
    old, new = json.loads(entry.old or "{}"), json.loads(entry.new or "{}")
    changes = [f"{key} {old.get(key)!r} → {new.get(key)!r}" for key in sorted(set(old) | set(new))
               if key not in _BOOKKEEPING and old.get(key) != new.get(key)]
    shown = "; ".join(changes[:4]) + ("; …" if len(changes) > 4 else "")
    return f"by {entry.username} at {at} ({entry.action}{': ' + shown if shown else ''})"
