"""The audit trail's head, recorded outside the database at every commit and signed, to notice
a database put back to an older copy (every entry of which is genuine) or cut short.

Each commit that appended entries leaves the trail's new head (its sequence and signature) in a
small JSON file in the user data folder; a clean ``db check`` adds its checkpoint (where it
verified up to) so the next check starts there. Each head is:

* **keyed by the database's identity**, not by its URL: the random id the database holds
  (``audit_head.database_id``, migration 0009) and where it resolves to — the real path of an
  SQLite file (symlinks and ``//`` spellings resolved), or the server's address, port and
  database name as the server reports them (``localhost``, ``127.0.0.1`` and a socket are one
  server);
* **signed** with the pharmacy's audit key (HMAC-SHA256), so an edited head is noticed, and a
  head cannot be written by whoever can write the file but lacks the key.

A database behind its head (fewer entries), or holding another entry where the head was, is
reported at start-up (before any new work) and by ``db check``, with the number of entries
missing; so is an emptied, damaged or edited file, and — by ``db check`` — a database with entries
for which this workstation has no head. A commit never moves a head backwards or onto another
chain: the loss stays reported until someone accepts it (``compounder db export-head``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session

from compounder.records.audit_keys import CONNECTION_INFO as KEYS_INFO
from compounder.records.audit_keys import AuditKeyError, KeyRing
from compounder.records.policy import RecordError

HEAD_FILE_NAME = "audit-heads.json"
FORMAT = 2
#: Where the head file's path travels: the ``info`` of every connection of an engine ``open_database`` made.
HEADS_INFO = "compounder_head_file"
#: A session that appended entries says so here (``audit.append``); its commit records the head.
PENDING = "compounder_head_pending"
_READY = "compounder_head_ready"
_LOCATION = "compounder_database_location"
#: A head file larger than this is not read (it holds a few hundred bytes per database).
MAX_BYTES = 1_000_000
ACCEPT = "if a backup was restored on purpose, accept it with `compounder db export-head`"


class HeadFileProblem(ValueError):
    """The head file cannot be trusted: emptied, damaged, or not in the expected form."""


class HeadFileUnwritable(OSError):
    """The head could not be written (disk full, folder not writable); the old file is untouched."""


class HeadFileRefused(RecordError):
    """The head file named is not a regular file (a device, a FIFO, a folder): it is neither read
    nor replaced, and the command that named it is refused in one line."""


@dataclass(frozen=True)
class Identity:
    database_id: str
    location: str

    @property
    def key(self) -> str:
        return f"{self.database_id} {self.location}"


@dataclass(frozen=True)
class Head:
    """One database's head as this workstation last recorded it, with the last clean check."""

    database_id: str
    location: str
    sequence: int
    hash: str
    recorded_at: str
    key_id: str
    checked_sequence: int | None = None
    checked_hash: str | None = None
    checked_at: str | None = None
    full_at: str | None = None  # the last clean full check
    signature: str = ""

    def payload(self) -> bytes:
        fields = {name: value for name, value in asdict(self).items() if name != "signature"}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def signed(self, key: bytes) -> Head:
        return replace(self, signature=hmac.new(key, self.payload(), hashlib.sha256).hexdigest())

    def valid(self, key: bytes) -> bool:
        return hmac.compare_digest(self.signed(key).signature, self.signature)


def default_path(data_folder: Path) -> Path:
    return data_folder / HEAD_FILE_NAME


# --------------------------------------------------------------------------- identity


def identity(connection: Connection) -> Identity | None:
    """The database's identity, or None when it has none (before 0009, or cleared by hand)."""
    database_id = connection.execute(text("SELECT database_id FROM audit_head WHERE id = 1")).scalar_one_or_none()
    return Identity(database_id, location(connection)) if database_id else None


def location(connection: Connection) -> str:
    """Where the database resolves to (cached on the pooled connection)."""
    cached = connection.info.get(_LOCATION)
    if cached is not None:
        return cached
    if connection.dialect.name == "sqlite":
        database = connection.engine.url.database or ":memory:"
        where = f"sqlite {os.path.realpath(os.path.expanduser(database))}" if database != ":memory:" else "sqlite :memory:"
    else:
        address, port, name = connection.execute(text("SELECT host(inet_server_addr()), current_setting('port'), current_database()")).one()
        host = "local" if address is None or address.startswith("127.") or address == "::1" else address
        where = f"postgresql {host}:{port}/{name}"
    connection.info[_LOCATION] = where
    return where


# --------------------------------------------------------------------------- the file


def read_heads(path: Path) -> dict[str, Head]:
    """The heads in the file (no file: none). Emptied, damaged or foreign: ``HeadFileProblem``."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise HeadFileProblem(f"the audit head file {path} cannot be read ({error})") from None
    if not path.is_file():  # stat, never open: a FIFO would hang, /dev/zero never end
        raise HeadFileRefused(f"the audit head file {path}: not a regular file (a device, FIFO or folder); give a JSON audit head file")
    if size > MAX_BYTES:
        raise HeadFileProblem(f"the audit head file {path} is not a head file (over {MAX_BYTES:,} bytes)")
    if size == 0:
        raise HeadFileProblem(f"the audit head file {path} was emptied: the heads this workstation recorded are gone")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HeadFileProblem(f"the audit head file {path} is damaged or was edited ({error})") from None
    if isinstance(data, dict) and "format" not in data:
        return {}  # the unsigned heads of Compounder before 0009, by URL: not to be trusted, replaced at the next commit
    try:
        if data["format"] != FORMAT:
            raise ValueError
        return {name: Head(**item) for name, item in data["heads"].items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        raise HeadFileProblem(f"the audit head file {path} is not in the expected form: it was edited") from None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Read-modify-write of the file by one process at a time (a separate lock file: ``flock``
    on it is not released when another handle on the head file is closed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: os.replace keeps the file whole; two writers at once may lose one head
        yield
        return
    lock = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        os.close(lock)  # closing the descriptor releases the flock


def _write(path: Path, heads: Mapping[str, Head]) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    body = json.dumps({"format": FORMAT, "heads": {name: asdict(head) for name, head in heads.items()}}, indent=2) + "\n"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:  # disk full, a folder not writable: the old head file stays as it was
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise HeadFileUnwritable(error.errno, f"cannot write the audit head to {path} ({error.strerror or error}); the file is unchanged") from None


def _store(path: Path, head: Head, *, force: bool) -> None:
    """Put ``head`` in the file; unless ``force``, only over an older head of the same database."""
    with _locked(path):
        try:
            heads = read_heads(path)
        except HeadFileProblem:
            if not force:
                return  # reported by the checks; a commit does not paper over it
            heads = {}
        name = Identity(head.database_id, head.location).key
        stored = heads.get(name)
        if not force and stored is not None and stored.sequence >= head.sequence:
            return
        heads[name] = head
        _write(path, heads)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _current(connection: Connection) -> tuple[int, str, str | None]:
    row = connection.execute(text("SELECT sequence, last_hash, key_id FROM audit_head WHERE id = 1")).one()
    return row.sequence, row.last_hash, row.key_id


def current_head_sequence(connection: Connection) -> int:
    return _current(connection)[0]


def _hash_at(connection: Connection, sequence: int) -> str | None:
    return connection.execute(text("SELECT hash FROM audit_entry WHERE sequence = :s"), {"s": sequence}).scalar_one_or_none()


def _signing_key(ring: KeyRing) -> tuple[str, bytes]:
    return ring.newest_key()


# --------------------------------------------------------------------------- recorded at every commit


@event.listens_for(Session, "before_commit")
def _prepare_head(session: Session) -> None:
    """In the committing transaction: the head to record, unless the recorded one is not on this
    chain (the database is behind it or was replaced: that stays reported, not overwritten)."""
    if not session.info.pop(PENDING, False):
        return
    connection = session.connection()
    path, ring = connection.info.get(HEADS_INFO), connection.info.get(KEYS_INFO)
    if path is None or ring is None:
        return
    try:
        found = identity(connection)
        if found is None:
            return
        sequence, digest, _key = _current(connection)
        stored = read_heads(path).get(found.key)
        key_id, key = _signing_key(ring)
        if stored is not None and (
            not stored.valid(ring.get(stored.key_id)) or stored.sequence > sequence or _hash_at(connection, stored.sequence) != stored.hash
        ):
            return
    except (HeadFileProblem, HeadFileRefused, AuditKeyError, OSError):
        return
    head = Head(found.database_id, found.location, sequence, digest, _now(), key_id)
    if stored is not None:  # the last clean check's checkpoint stays
        head = replace(head, checked_sequence=stored.checked_sequence, checked_hash=stored.checked_hash, checked_at=stored.checked_at, full_at=stored.full_at)
    head = head.signed(key)
    session.info[_READY] = (path, head)


@event.listens_for(Session, "after_commit")
def _record_head(session: Session) -> None:
    ready = session.info.pop(_READY, None)
    if ready is None:
        return
    path, head = ready
    with contextlib.suppress(OSError):  # a full disk costs the head, never the commit
        _store(path, head, force=False)


@event.listens_for(Session, "after_rollback")
def _forget_head(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(_READY, None)


# --------------------------------------------------------------------------- compared at start-up and by db check


@dataclass(frozen=True)
class Comparison:
    problems: list[str]
    head: Head | None  # the verified head of this database, when there is one
    identity: Identity | None


def compare(connection: Connection, path: Path, ring: KeyRing, *, at_start: bool = False) -> Comparison:
    """How the database stands against the head this workstation recorded for it. At start-up
    a database this workstation has no head for is not reported (it may never have written
    to it) unless the file holds a head for another database at the same place."""
    sequence, _digest, _key = _current(connection)
    found = identity(connection)
    if found is None:
        return Comparison([
            "audit head: the database has no identity (audit_head.database_id is empty): it was cleared by hand, "
            "or the database is not migrated (run `compounder db migrate`)"
        ], None, None)
    try:
        heads = read_heads(path)
    except HeadFileProblem as error:
        return Comparison([f"audit head: {error}; a rolled-back database could go unnoticed: run `compounder db check --full`, then {ACCEPT[3:]}"], None, found)
    head = heads.get(found.key)
    if head is None:
        if sequence == 0:
            return Comparison([], None, found)
        elsewhere = [other for other in heads.values() if other.location == found.location]
        if elsewhere:
            return Comparison([(
                f"audit head: the database at {found.location} is not the one this workstation recorded there (its identity is "
                f"{found.database_id}, the head file {path} has {elsewhere[0].database_id}): it was replaced by another database or its identity changed by hand"
            )], None, found)
        if any(other.database_id == found.database_id for other in heads.values()):
            return Comparison([], None, found)  # a copy (a backup) of a database recorded at another place
        if at_start and (path.exists() or connection.dialect.name != "sqlite"):
            # A workstation new to a shared server has no head for it yet; an SQLite file with
            # entries but no head file at all beside its user data means the file was removed.
            return Comparison([], None, found)
        return Comparison([(
            f"audit head: this workstation has no head recorded for this database ({found.location}, id {found.database_id}) in {path}, "
            f"though its trail has {sequence} entries: the head file was removed or edited, or this workstation never wrote to it "
            "(then record it with `compounder db export-head`)"
        )], None, found)
    try:
        key = ring.get(head.key_id)
    except AuditKeyError as error:
        return Comparison([f"audit head: the head recorded in {path} cannot be checked: {error}"], None, found)
    if not head.valid(key):
        return Comparison([f"audit head: the head recorded for this database in {path} was edited (its signature does not match); {ACCEPT} after `compounder db check --full`"], None, found)
    if sequence < head.sequence:
        missing = head.sequence - sequence
        return Comparison([(
            f"audit trail: {missing} entr{'y' if missing == 1 else 'ies'} missing: the database ends at entry {sequence}, but on "
            f"{head.recorded_at} this workstation wrote entry {head.sequence} (head file {path}): the database was rolled back to an "
            f"older copy or its last entries removed; {ACCEPT}"
        )], head, found)
    if _hash_at(connection, head.sequence) != head.hash and not (head.sequence == 0 and sequence == 0):
        return Comparison([(
            f"audit trail: entry {head.sequence} is not the one this workstation wrote on {head.recorded_at} (head file {path}): "
            f"the database was replaced by another copy or its trail rewritten; {ACCEPT}"
        )], head, found)
    return Comparison([], head, found)


def loss_at_start(engine: Engine, path: Path | None = None) -> list[str]:
    """What to say, loudly, before any new work: the database is behind (or not) the head this
    workstation last wrote. Empty when all is well."""
    with engine.connect() as connection:
        path = path or connection.info.get(HEADS_INFO)
        ring = connection.info.get(KEYS_INFO)
        if path is None or ring is None:
            return []
        return compare(connection, path, ring, at_start=True).problems


def export_head(
    connection: Connection, path: Path, ring: KeyRing, now: dt.datetime, *, checked: tuple[int, str] | None = None, full_at: dt.datetime | str | None = None,
) -> Head:
    """Record the database's present head (and ``checked``, the checkpoint of a clean check),
    replacing what the file held for it: also how a restore made on purpose is accepted."""
    found = identity(connection)
    if found is None:
        raise AuditKeyError("the database has no identity (audit_head.database_id); run `compounder db migrate`")
    sequence, digest, _key = _current(connection)
    key_id, key = _signing_key(ring)
    stamp = now.astimezone(dt.UTC).isoformat(timespec="seconds")
    head = Head(
        found.database_id, found.location, sequence, digest, stamp, key_id,
        checked[0] if checked else None, checked[1] if checked else None, stamp if checked else None,
        full_at.astimezone(dt.UTC).isoformat(timespec="seconds") if isinstance(full_at, dt.datetime) else full_at,
    ).signed(key)
    _store(path, head, force=True)
    return head


def checkpoint(head: Head | None) -> tuple[int, str] | None:
    if head is None or head.checked_sequence is None or head.checked_hash is None:
        return None
    return head.checked_sequence, head.checked_hash
