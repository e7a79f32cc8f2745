"""No handle, dialog or second process can cost a commit on SQLite (issue 21, observation 1).

POSIX advisory locks belong to the process and are all dropped when it closes *any* handle on the
file: a file dialog that peeks at the database loses the window's lock, and the next process to
close its connection took itself for the last one, checkpointed and deleted the write-ahead log the
window was still writing into. Here the dialog is played by ``open(path).close()`` in the window's
process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from compounder.records.database import migrate, open_database
from compounder.records.model import Batch
from compounder.records.sqlite_guard import SUPPORTED

pytestmark = pytest.mark.skipif(not SUPPORTED, reason="the guard needs open-file-description locks (Linux)")

ROOT = Path(__file__).parents[2]

# The window: makes the pharmacy (committed), then on each line of its input does what it says
# and answers "done": "peek" opens and closes the database file by another handle (a file
# dialog), "batch" makes a batch (committed).
WINDOW = """
import datetime as dt, sys
from pathlib import Path
from sqlalchemy.orm import sessionmaker
from compounder.data.catalog import load_catalog
from compounder.records.database import open_database
from tests.records.helpers import make_pharmacy, new_batch

class Clock:
    def __call__(self):
        return dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)

url, path = sys.argv[1], sys.argv[2]
engine = open_database(url)
sessions = sessionmaker(engine, expire_on_commit=False)
pharmacy = make_pharmacy(sessions, Clock(), load_catalog())
print("ready", flush=True)
for line in sys.stdin:
    if line.strip() == "peek":
        with open(path, "rb") as handle:
            handle.read(100)
    elif line.strip() == "batch":
        print("batch", new_batch(sessions, Clock(), pharmacy).batch_number, flush=True)
        continue
    print("done", flush=True)
"""


def locks_on(path: Path) -> int:
    """Lines of /proc/locks on the file (any process, any kind)."""
    inode = os.stat(path).st_ino
    return sum(1 for line in Path("/proc/locks").read_text().splitlines() if line.split()[5].endswith(f":{inode}"))


def test_a_handle_closed_in_the_window_and_a_second_process_cost_no_commit(tmp_path):
    path = tmp_path / "pharmacy.sqlite"
    url = f"sqlite:///{path}"
    engine = open_database(url)
    migrate(engine)
    engine.dispose()
    environ = dict(os.environ, PYTHONPATH=str(ROOT))
    window = subprocess.Popen([sys.executable, "-c", WINDOW, url, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=ROOT, env=environ)
    try:
        assert window.stdout.readline().strip() == "ready"
        window.stdin.write("peek\n")  # a file dialog browses the folder
        window.stdin.flush()
        assert window.stdout.readline().strip() == "done"
        assert locks_on(path) >= 1  # the window's guard still holds the database (the POSIX lock alone was gone: 1 → 0)

        history = subprocess.run([sys.executable, "-m", "compounder", "history", "--formula", "a", "--json", "--database", url],
                                 capture_output=True, text=True, cwd=ROOT, env=environ, timeout=300)
        assert history.returncode == 0, history.stderr
        assert json.loads(history.stdout)["batches"] == []

        window.stdin.write("batch\n")
        window.stdin.flush()
        assert window.stdout.readline().strip() == "batch 261206-001"  # committed
        os.kill(window.pid, signal.SIGKILL)  # then the workstation dies
        window.wait(timeout=60)
    finally:
        if window.poll() is None:
            window.kill()
            window.wait(timeout=60)
        window.stdin.close()
        window.stdout.close()

    engine = open_database(url, create=False)
    try:
        with sessionmaker(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Batch)) == 1  # the committed batch is there
            assert session.scalar(select(Batch.batch_number)) == "261206-001"
            assert session.scalar(text("PRAGMA integrity_check")) == "ok"
    finally:
        engine.dispose()


def test_the_last_workstation_to_leave_still_folds_the_log_into_the_database(tmp_path):
    path = tmp_path / "pharmacy.sqlite"
    url = f"sqlite:///{path}"
    first, second = open_database(url), open_database(url)
    migrate(first)
    with sessionmaker(second).begin() as session:
        session.execute(text("UPDATE audit_head SET sequence = sequence"))
    log = path.with_name("pharmacy.sqlite-wal")
    assert log.exists()
    second.dispose()
    assert log.exists()  # the first engine is still open: its log stays
    first.dispose()
    assert not log.exists()  # the last one out checkpointed and removed it, as SQLite does
    assert not path.with_name("pharmacy.sqlite-shm").exists()
