"""A throw-away PostgreSQL cluster on loopback, for the tests and the benchmarks.

``initdb`` into a temporary folder, ``pg_ctl start`` listening on 127.0.0.1 at a free port with
its Unix socket in the same folder, trust authentication (loopback only), and ``stop`` that
always leaves no server running. PostgreSQL refuses to run as root: when the tests run as root
the server runs as the unprivileged ``postgres`` user (``runuser``), which owns the folder.

The server binaries come from the Debian package (``postgresql``; ``.ci/run`` installs it when
it is missing). They are looked up with ``pg_config --bindir``, then in
/usr/lib/postgresql/*/bin, then on PATH.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

SERVER_USER = "postgres"


class ClusterUnavailable(RuntimeError):
    """The PostgreSQL server binaries are missing or the cluster would not start."""


def bindir() -> Path:
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        result = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)]
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file() and (folder / "postgres").is_file():
            return folder
    raise ClusterUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found; install the Debian package: "
        "apt-get install postgresql (`bash scripts/bootstrap.sh --tests` does this)"
    )


def _version(path: str) -> int:
    try:
        return int(Path(path).parent.name)
    except ValueError:
        return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One server: ``start()``, ``url(database)``, ``create_database(name)``, ``stop()``."""

    def __init__(self, folder: Path | None = None) -> None:
        self.bin = bindir()
        self._own_folder = folder is None
        self.folder = Path(folder or tempfile.mkdtemp(prefix="compounder-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(SERVER_USER)
            except KeyError:
                raise ClusterUnavailable(f"running as root, and there is no {SERVER_USER!r} user to run the PostgreSQL server as") from None
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self.folder.chmod(0o700)
            self._as_user = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", SERVER_USER, "--"]
        self.running = False

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([*self._as_user, *args], capture_output=True, text=True, cwd=self.folder, env={**os.environ, "LC_ALL": "C.UTF-8"})
        if check and result.returncode != 0:
            raise ClusterUnavailable(f"{Path(args[0]).name} failed ({result.returncode}): {(result.stderr or result.stdout).strip()[-800:]}")
        return result

    def start(self) -> Cluster:
        if not self.data.exists():
            initdb = [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync"]
            # A collation that is not byte order (as on a real server, en_US and the like), so the
            # tests catch a query that only works in the "C" locale; plain C.UTF-8 when ICU is absent.
            if self._run(*initdb, "--locale-provider=icu", "--icu-locale=en-US", "--locale=C.UTF-8", check=False).returncode != 0:
                shutil.rmtree(self.data, ignore_errors=True)
                self._run(*initdb, "--locale=C.UTF-8")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c full_page_writes=off -c max_connections=60"
        self._run(str(self.bin / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", options)
        self.running = True
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.admin_dsn(), connect_timeout=2):
                    break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        return self

    def stop(self, mode: str = "fast") -> None:
        """``mode`` ``immediate`` is a crash: the server drops every connection without a clean shutdown."""
        if self.running:
            self._run(str(self.bin / "pg_ctl"), "stop", "-w", "-t", "60", "-m", mode, "-D", str(self.data), check=False)
            self.running = False

    def remove(self) -> None:
        self.stop()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def admin_dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_dsn(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.remove()
