"""A throw-away CUPS scheduler for the printing tests, the way ``tests/pgcluster.py`` starts
PostgreSQL: ``cupsd`` in the foreground with its configuration, spool, cache and logs in a
temporary folder, listening on a Unix socket there and on a free loopback port, and PDF printers
(``cups-pdf``) whose printed files land in that folder. ``stop`` always leaves no scheduler running.

Debian packages: ``cups-daemon``, ``cups-client`` and ``printer-driver-cups-pdf`` (``.ci/run``
installs them through ``scripts/bootstrap.sh --tests``). ``cups-pdf`` reads its settings only from
/etc/cups, one file a printer (``cups-pdf-<printer>.conf``): each test printer gets its own there,
named after the printer, removed with it. The ``cups-pdf`` backend runs only from a scheduler
started by root (it must change to the job's user), so the tests need root, as they have in CI.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

CUPSD = "/usr/sbin/cupsd"
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
CUPS_PDF_CONFIG = Path("/etc/cups")


class SpoolerUnavailable(RuntimeError):
    """cupsd, the CUPS client or cups-pdf is missing, or the scheduler would not start."""


def missing() -> str | None:
    """What is missing to run the printing tests (None: nothing)."""
    needs = {
        "cupsd (Debian: cups-daemon)": Path(CUPSD).is_file(),
        "lp and lpadmin (Debian: cups-client)": bool(shutil.which("lp") and shutil.which("lpadmin")),
        "cups-pdf (Debian: printer-driver-cups-pdf)": CUPS_PDF_BACKEND.is_file() and CUPS_PDF_PPD.is_file(),
        "pdfinfo and pdftotext (Debian: poppler-utils)": bool(shutil.which("pdfinfo") and shutil.which("pdftotext")),
    }
    absent = [name for name, found in needs.items() if not found]
    if absent:
        return "missing " + ", ".join(absent) + " (`bash scripts/bootstrap.sh --tests` installs them)"
    if os.geteuid() != 0:
        return "the cups-pdf printer runs only under a scheduler started by root"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Spooler:
    """One scheduler: ``start()``, ``add_pdf_printer(name)``, ``printed(name, count)``, ``stop()``."""

    def __init__(self) -> None:
        reason = missing()
        if reason:
            raise SpoolerUnavailable(reason)
        self.folder = Path(tempfile.mkdtemp(prefix="compounder-cups-"))
        self.folder.chmod(0o755)
        self.socket = self.folder / "cups.sock"
        self.port = _free_port()
        self.tag = uuid.uuid4().hex[:8]
        self._configs: list[Path] = []
        self._queues = 0  # queues added: each gets its own number, so two tests never share one
        self._process: subprocess.Popen | None = None

    def start(self) -> Spooler:
        root = self.folder / "root"
        for name in ("root", "root/ppd", "spool", "cache", "state", "log", "tmp", "out"):
            (self.folder / name).mkdir(parents=True, exist_ok=True)
        (self.folder / "tmp").chmod(0o1777)
        (self.folder / "out").chmod(0o1777)
        (root / "cupsd.conf").write_text(
            f"Listen 127.0.0.1:{self.port}\nListen {self.socket}\nLogLevel debug\nWebInterface No\nBrowsing No\n"
            "DefaultAuthType None\nMaxJobs 0\nPreserveJobFiles No\n"
            "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n",
            encoding="utf-8",
        )
        (root / "cups-files.conf").write_text(
            f"ServerRoot {root}\nRequestRoot {self.folder / 'spool'}\nCacheDir {self.folder / 'cache'}\n"
            f"StateDir {self.folder / 'state'}\nTempDir {self.folder / 'tmp'}\nErrorLog {self.folder / 'log' / 'error_log'}\n"
            f"AccessLog {self.folder / 'log' / 'access_log'}\nPageLog {self.folder / 'log' / 'page_log'}\nSystemGroup root\n",
            encoding="utf-8",
        )
        with (self.folder / "log" / "cupsd.out").open("wb") as log:
            self._process = subprocess.Popen(
                [CUPSD, "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
                stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while self.lpstat("-r").returncode != 0:
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = (self.folder / "log" / "cupsd.out").read_text(errors="replace")[-800:]
                self.stop()
                raise SpoolerUnavailable(f"cupsd did not start: {log}")
            time.sleep(0.1)
        return self

    @property
    def environment(self) -> dict[str, str]:
        """What the CUPS client commands need to talk to this scheduler."""
        return {"CUPS_SERVER": str(self.socket)}

    def lpstat(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["lpstat", *args], capture_output=True, text=True, env={**os.environ, **self.environment}, check=False)

    def _lpadmin(self, *args: str) -> None:
        """``lpadmin`` on this scheduler. A connection refused on the way ("Unable to connect to
        server", seen once on a loaded machine right after ``lpstat -r`` had answered) is asked
        again, up to 30 s; any other refusal is said at once."""
        deadline = time.monotonic() + 30
        while True:
            result = subprocess.run(["lpadmin", *args], capture_output=True, text=True, env={**os.environ, **self.environment}, check=False)
            if result.returncode == 0:
                return
            if "Unable to connect to server" not in result.stderr or time.monotonic() > deadline or (self._process and self._process.poll() is not None):
                raise SpoolerUnavailable(f"lpadmin {' '.join(args)}: {result.stderr.strip()}")
            time.sleep(0.2)

    def add_pdf_printer(self, name: str) -> str:
        """A cups-pdf printer writing into ``out/<queue>``; returns the queue's name (``name`` and this
        scheduler's tag, so two test runs at once never share /etc/cups/cups-pdf-<queue>.conf, and a
        number, so two tests of one session asking for the same name never count each other's files)."""
        self._queues += 1
        queue = f"{name}-{self.tag}-{self._queues}"
        out = self.folder / "out" / queue
        out.mkdir(mode=0o1777)
        out.chmod(0o1777)
        config = CUPS_PDF_CONFIG / f"cups-pdf-{queue}.conf"
        config.write_text(f"Out {out}\nAnonDirName {out}\nUserPrefix\nLabel 0\nLog {self.folder / 'log'}\nLogType 3\n", encoding="utf-8")
        self._configs.append(config)
        # cups-pdf reads /etc/cups/cups-pdf-NAME.conf for the device URI cups-pdf:/NAME
        self._lpadmin("-p", queue, "-E", "-v", f"cups-pdf:/{queue}", "-P", str(CUPS_PDF_PPD))
        return queue

    def add_raw_printer(self, name: str, address: str) -> str:
        """A raw queue (no driver, nothing converted) sending to ``socket://address``, as a network
        Zebra is set up; returns the queue's name."""
        self._queues += 1
        queue = f"{name}-{self.tag}-{self._queues}"
        self._lpadmin("-p", queue, "-E", "-v", f"socket://{address}")
        return queue

    def printed(self, queue: str, count: int = 1, timeout: float = 120.0) -> list[Path]:
        """The ``count`` files cups-pdf has finished writing for ``queue`` (waits for the jobs to
        complete; the deadline only stops a broken spooler from hanging the tests)."""
        out = self.folder / "out" / queue
        deadline = time.monotonic() + timeout
        while True:
            pending = self.lpstat("-o", queue).stdout.strip()
            files = sorted(out.glob("*.pdf"), key=lambda path: path.stat().st_mtime_ns)
            if not pending and len(files) >= count:
                return files
            if time.monotonic() > deadline:
                log = (self.folder / "log" / "error_log").read_text(errors="replace")
                errors = "\n".join(line for line in log.splitlines() if line.startswith("E "))[-1500:]
                raise AssertionError(f"{queue}: {len(files)} of {count} printed file(s); pending {pending!r}; errors:\n{errors}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        for config in self._configs:
            config.unlink(missing_ok=True)
        self._configs.clear()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Spooler:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.remove()
