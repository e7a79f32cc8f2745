"""The audit trail's last exported head, kept outside the database to notice a rolled-back one.

A signed trail cannot be forged, but a whole database can be put back to an older copy (a
restored backup, a file swapped on the disk): every entry of the old copy is genuine. So the
head (its sequence and signature) is exported to a small file outside the database — by
``compounder db export-head`` and by every ``db check`` that finds nothing wrong — and ``db check``
compares the database with it: the exported entry must still be there, with the same signature.

The file is JSON, one head per database (by its URL without password), in the user data folder
unless a path is given.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, select

from compounder.files import FileRefused, read_regular_file
from compounder.records.model import AuditEntry, AuditHead
from compounder.records.policy import RecordError

HEAD_FILE_NAME = "audit-heads.json"
#: One head is about 150 bytes; a megabyte holds thousands of databases' heads.
MAX_HEAD_FILE_BYTES = 1_000_000


class HeadFileRefused(RecordError):
    """The head file named is not a regular file or is too large: it is neither read nor replaced."""


class HeadFileUnwritable(OSError):
    """The head could not be written (disk full, folder not writable); the old file is untouched."""


@dataclass(frozen=True)
class ExportedHead:
    sequence: int
    hash: str
    exported_at: str


def default_path(data_folder: Path) -> Path:
    return data_folder / HEAD_FILE_NAME


def read_heads(path: Path) -> dict[str, ExportedHead]:
    """The heads in the file; an empty dict when there is no file. A damaged file is ValueError."""
    try:
        data = json.loads(read_regular_file(path, MAX_HEAD_FILE_BYTES, "JSON audit head").decode("utf-8"))
    except FileNotFoundError:
        return {}
    except FileRefused as error:
        raise HeadFileRefused(f"the exported audit heads {path}: {error}") from None
    except (OSError, UnicodeDecodeError, RecursionError, json.JSONDecodeError) as error:
        raise ValueError(f"the exported audit heads {path} cannot be read ({error}); export the head again after checking the database") from None
    try:
        return {url: ExportedHead(int(item["sequence"]), str(item["hash"]), str(item.get("exported_at", "?"))) for url, item in data.items()}
    except (AttributeError, KeyError, TypeError, ValueError):
        raise ValueError(f"the exported audit heads {path} are not in the expected form; export the head again after checking the database") from None


def current_head(connection: Connection) -> tuple[int, str]:
    head = connection.execute(select(AuditHead.sequence, AuditHead.last_hash).where(AuditHead.id == 1)).one()
    return head.sequence, head.last_hash


def export_head(connection: Connection, database: str, path: Path, now: dt.datetime) -> ExportedHead:
    """Write the database's present head into the file (atomically, keeping other databases')."""
    sequence, digest = current_head(connection)
    try:
        heads = read_heads(path)
    except HeadFileRefused:
        raise  # a device or FIFO is not replaced by a file
    except ValueError:
        heads = {}
    exported = ExportedHead(sequence, digest, now.astimezone(dt.UTC).isoformat(timespec="seconds"))
    heads[database] = exported
    text = json.dumps({url: vars(head) for url, head in heads.items()}, indent=2) + "\n"
    temporary = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:  # disk full, a folder not writable: the old head file stays as it was
        temporary.unlink(missing_ok=True)
        raise HeadFileUnwritable(error.errno, f"cannot write the audit head to {path} ({error.strerror or error}); the file is unchanged") from None
    return exported


def compare_head(connection: Connection, database: str, path: Path) -> list[str]:
    """Sentences saying how the database differs from the head last exported for it: fewer
    entries (rolled back) or another entry at that place (replaced). Empty when it matches or
    none was exported."""
    try:
        exported = read_heads(path).get(database)
    except HeadFileRefused:
        raise
    except ValueError as error:
        return [str(error)]
    if exported is None:
        return []
    sequence, digest = current_head(connection)
    accept = "if a backup was restored on purpose, accept it with `compounder db export-head`"
    if sequence < exported.sequence:
        return [
            (f"audit trail: it ends at entry {sequence}, but on {exported.exported_at} it had reached entry {exported.sequence} "
            f"(exported to {path}): the database was rolled back to an older copy or its last entries removed; {accept}")
        ]
    if sequence == exported.sequence:  # nothing written since (an empty trail has no entry 0, only its head)
        stored: str | None = digest
    else:
        stored = connection.execute(select(AuditEntry.hash).where(AuditEntry.sequence == exported.sequence)).scalar_one_or_none()
    if stored != exported.hash:
        return [
            (f"audit trail: entry {exported.sequence} is not the one exported on {exported.exported_at} (to {path}): "
            f"the database was replaced by another copy or its trail rewritten; {accept}")
        ]
    return []
