"""The pharmacy's audit key: the secret that signs (HMAC-SHA256) the audit trail's entries.

Kept outside the database, so whoever can write to the database cannot recompute a valid trail.
Where it is read from, first found:

* ``COMPOUNDER_AUDIT_KEY``: the key(s) as hexadecimal, comma-separated (a server's workstations
  may set it from their own secret store);
* ``COMPOUNDER_AUDIT_KEY_FILE``: a key file's path (each workstation of a shared server holds a
  copy of the pharmacy's file);
* ``audit.key`` in the user data folder, made (mode 0600) the first time it is needed.

A key file holds one key per line, 64 hexadecimal digits; ``#`` starts a comment. A key file
others than its owner may read or change (any group or other permission bit) is refused. Every key the
trail was ever signed with stays in the file (the oldest entries are verified with the old
keys); a rotation appends a new one (``compounder db rotate-key``, see the README).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from compounder.files import FileRefused, read_regular_file
from compounder.records.policy import RecordError

KEY_ENV = "COMPOUNDER_AUDIT_KEY"
KEY_FILE_ENV = "COMPOUNDER_AUDIT_KEY_FILE"
KEY_FILE_NAME = "audit.key"
#: Where the key ring travels: the ``info`` of every connection of an engine ``open_database`` made.
CONNECTION_INFO = "compounder_audit_keys"
#: A key is a line of 64 hexadecimal digits; a thousand rotations fit in 100 kB.
MAX_KEY_FILE_BYTES = 100_000


class AuditKeyError(RecordError):
    """No usable audit key on this workstation, in words that say where it is looked for."""


def key_id(key: bytes) -> str:
    """A short name for a key that reveals nothing of it (an HMAC of a constant)."""
    return hmac.new(key, b"compounder audit key id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class KeyRing:
    """The keys this workstation holds, by id; ``newest`` is the last one added. ``problem`` says
    why there are none (a key file named but missing, a malformed key)."""

    keys: dict[str, bytes] = field(default_factory=dict)
    newest: str | None = None
    source: str = ""
    problem: str | None = None
    path: Path | None = None

    def get(self, wanted: str) -> bytes:
        if wanted in self.keys:
            return self.keys[wanted]
        if self.problem:
            raise AuditKeyError(self.problem)
        held = ", ".join(self.keys) or "none"
        raise AuditKeyError(
            f"the audit trail is signed with the pharmacy key {wanted}, which this workstation does not hold ({self.source} "
            f"holds {held}); copy the pharmacy's key file to this workstation (see the README, 'Audit key')"
        )

    def newest_key(self) -> tuple[str, bytes]:
        if self.newest is None:
            raise AuditKeyError(self.problem or f"no audit key in {self.source}")
        return self.newest, self.keys[self.newest]


def parse_keys(text: str, source: str) -> KeyRing:
    keys: dict[str, bytes] = {}
    newest = None
    for number, raw in enumerate(text.splitlines(), start=1):
        for item in raw.split("#", 1)[0].split(","):
            if not item.strip():
                continue
            try:
                key = bytes.fromhex(item.strip())
            except ValueError:
                key = b""
            if len(key) < 32:
                return KeyRing(source=source, problem=f"{source}, line {number}: not an audit key; a key is 64 hexadecimal digits")
            newest = key_id(key)
            keys[newest] = key
    if not keys:
        return KeyRing(source=source, problem=f"{source} holds no audit key; a key is 64 hexadecimal digits")
    return KeyRing(keys, newest, source)


def load_keys(default_folder: Path, environ: os._Environ[str] | dict[str, str] | None = None) -> KeyRing:
    """The workstation's key ring (see the module's docstring for where it is looked for). The
    default file is made when missing; a file named by the environment never is."""
    environ = os.environ if environ is None else environ
    if environ.get(KEY_ENV):
        return parse_keys(environ[KEY_ENV], f"${KEY_ENV}")
    if environ.get(KEY_FILE_ENV):
        path = Path(environ[KEY_FILE_ENV]).expanduser()
        return _read(path, f"the key file {path} (${KEY_FILE_ENV})")
    path = default_folder / KEY_FILE_NAME
    if not path.exists():
        try:
            create_key_file(path)
        except OSError as error:
            return KeyRing(source=str(path), problem=f"cannot make the audit key file {path}: {error}", path=path)
    return _read(path, f"the key file {path}")


def too_open(path: Path) -> str | None:
    """Why the key file is not private (readable or writable by others than its owner), or None.
    Whoever can read it can sign entries and heads; whoever can write it can swap the key."""
    if os.name != "posix":
        return None  # Windows: the file inherits the user profile's access rules
    try:
        info = path.stat()
    except OSError:
        return None  # said by the read below
    mode = info.st_mode & 0o777
    if not stat.S_ISREG(info.st_mode):
        return None  # not a key file at all: the read below refuses it unread
    if mode & 0o077:
        return (
            f"the audit key file {path} can be read or changed by others than its owner (mode {mode:04o}): anyone who reads it "
            f"can forge the audit trail; make it private with `chmod 600 {path}` (and check who copied it), then start again"
        )
    return None


def _read(path: Path, source: str) -> KeyRing:
    exposed = too_open(path)
    if exposed is not None:  # refused, not just warned about: every signature from it would be worthless
        return KeyRing(source=source, problem=exposed, path=path)
    try:
        text = read_regular_file(path, MAX_KEY_FILE_BYTES, "plain-text audit key").decode("ascii")
    except FileRefused as error:
        return KeyRing(source=source, problem=f"{source}: {error}", path=path)
    except FileNotFoundError:
        return KeyRing(source=source, problem=f"{source} does not exist; copy the pharmacy's key file there (see the README, 'Audit key')", path=path)
    except (OSError, UnicodeDecodeError) as error:
        return KeyRing(source=source, problem=f"{source} cannot be read: {error}", path=path)
    ring = parse_keys(text, source)
    return KeyRing(ring.keys, ring.newest, ring.source, ring.problem, path)


def new_key() -> bytes:
    return secrets.token_bytes(32)


def create_key_file(path: Path) -> None:
    """A new key file, readable by its owner only (0600), made atomically: when two processes
    make it at once, one wins and both use its key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write("# Compounder audit key: keep it secret, keep every line (see the README, 'Audit key')\n")
            handle.write(new_key().hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)  # fails when another process made the file first
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


def append_key(path: Path, key: bytes) -> None:
    """Add a new newest key to a key file, keeping the old ones (they verify older entries)."""
    old = path.read_text(encoding="ascii")
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(old if old.endswith("\n") else old + "\n")
        handle.write(key.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
