"""Writers on one SQLite file take their turn in the order they asked; the wait is bounded,
cancellable and says whom it waits for (issue 21, observation 3)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from compounder.records.database import migrate, open_database
from compounder.records.policy import RecordError
from compounder.records.write_queue import SUPPORTED, Waiting, WriteQueue, WriteWaitCancelled, WriteWaitTimeout, sidecar_path

pytestmark = pytest.mark.skipif(not SUPPORTED, reason="the write queue needs open-file-description locks (Linux)")


def tickets_taken(database) -> int:
    raw = sidecar_path(database).read_bytes()[:8]
    return int.from_bytes(raw, "little") if len(raw) == 8 else 0


def until(condition, what: str) -> None:
    """Wait for another thread or process to reach a state (a bound against a hang, not a timing)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.005)


def test_writers_get_their_turn_in_the_order_they_asked(tmp_path):
    database = tmp_path / "pharmacy.sqlite"
    queue = WriteQueue(database, timeout=120)
    first = queue.take_turn("first")
    order: list[str] = []

    def writer(name: str) -> None:
        turn = queue.take_turn(name)
        order.append(name)
        turn.release()

    threads = []
    for n, name in enumerate(["B", "C", "D", "E"], start=2):
        thread = threading.Thread(target=writer, args=(name,))
        thread.start()
        threads.append(thread)
        until(lambda n=n: tickets_taken(database) == n, f"{name} took ticket {n - 1}")  # B is ticket 1, C 2, …
    assert order == []  # all wait behind the first
    first.release()
    for thread in threads:
        thread.join(timeout=60)
    assert order == ["B", "C", "D", "E"]


def test_a_cancelled_wait_names_the_writer_and_lets_the_next_one_go(tmp_path):
    database = tmp_path / "pharmacy.sqlite"
    holder = WriteQueue(database, timeout=120).take_turn("the window of user anna (process 4242)")
    told: list[Waiting] = []

    def stop_at_once(waiting: Waiting) -> bool:
        told.append(waiting)
        return False

    with pytest.raises(WriteWaitCancelled) as caught:
        WriteQueue(database, timeout=120, waiting=stop_at_once).take_turn()
    assert isinstance(caught.value, RecordError)
    assert str(caught.value).startswith("stopped waiting for the database pharmacy.sqlite (writing: the window of user anna (process 4242) since ")
    assert str(caught.value).endswith("nothing was saved")
    assert told[0].holder.startswith("the window of user anna (process 4242) since ") and not told[0].over
    assert told[-1].over  # told that the wait has ended: a prompt closes
    # The cancelled ticket is given back: a writer after it waits only for the holder.
    after = WriteQueue(database, timeout=120, waiting=lambda w: w.over or False)
    with pytest.raises(WriteWaitCancelled):
        after.take_turn()
    holder.release()
    after.take_turn("after").release()


def test_a_wait_is_bounded(tmp_path):
    database = tmp_path / "pharmacy.sqlite"
    holder = WriteQueue(database, timeout=120).take_turn("batch station 2 (process 77)")
    now = [0.0]

    def pause(free, seconds: float) -> bool:  # a clock that moves only when the queue waits
        now[0] += seconds
        return free.is_set()

    waiting = WriteQueue(database, timeout=5.0, clock=lambda: now[0], pause=pause)
    with pytest.raises(WriteWaitTimeout) as caught:
        waiting.take_turn()
    assert now[0] >= 5.0
    assert str(caught.value).startswith("the database pharmacy.sqlite stayed busy for 5 s (writing: batch station 2 (process 77) since ")
    assert str(caught.value).endswith("nothing was saved — try again when it is free")
    holder.release()


def test_a_writer_killed_in_its_turn_lets_the_next_one_go(tmp_path):
    database = tmp_path / "pharmacy.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, time; from pathlib import Path; from compounder.records.write_queue import WriteQueue; "
            f"WriteQueue(Path({str(database)!r}), timeout=60).take_turn('killed'); print('holding', flush=True); time.sleep(600)"
        )],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout.readline().strip() == "holding"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
        WriteQueue(database, timeout=60).take_turn("next").release()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=60)
        child.stdout.close()


def test_a_session_waits_its_turn_and_a_lock_outside_the_queue_is_waited_for_cancellably(tmp_path):
    import sqlite3

    url = f"sqlite:///{tmp_path / 'pharmacy.sqlite'}"
    engine = open_database(url)
    migrate(engine)
    told: list[Waiting] = []

    def stop_after_three(waiting: Waiting) -> bool:
        if not waiting.over:
            told.append(waiting)
        return len(told) < 3

    patient = open_database(url, waiting=stop_after_three)
    try:
        with sessionmaker(engine).begin() as holding:  # a Compounder writer holds the turn
            holding.connection()
            with pytest.raises(WriteWaitCancelled, match=r"\(writing: .*\(process \d+\) since "):
                with sessionmaker(patient).begin() as second:
                    second.connection()
        outside = sqlite3.connect(tmp_path / "pharmacy.sqlite", isolation_level=None)  # the sqlite3 shell, say
        outside.execute("BEGIN IMMEDIATE")
        told.clear()
        with pytest.raises(WriteWaitCancelled, match="writing: a program outside Compounder's queue"):
            with sessionmaker(patient).begin() as second:
                second.connection()
        outside.execute("ROLLBACK")
        outside.close()
        with sessionmaker(patient).begin() as second:  # free again: the write goes through
            second.execute(text("UPDATE audit_head SET sequence = sequence"))
    finally:
        engine.dispose()
        patient.dispose()


def test_the_bound_is_on_the_queue_standing_still_not_on_its_length(tmp_path):
    database = tmp_path / "pharmacy.sqlite"
    queue = WriteQueue(database, timeout=120)
    first = queue.take_turn("first (process 1)")
    second_has_it, second_may_go = threading.Event(), threading.Event()

    def second() -> None:
        turn = queue.take_turn("second (process 2)")
        second_has_it.set()
        second_may_go.wait(120)
        turn.release()

    thread = threading.Thread(target=second)
    thread.start()
    until(lambda: tickets_taken(database) == 2, "the second writer queued")
    now = [0.0]

    def pause(free, _seconds: float) -> bool:  # each wait moves the clock 4 s
        now[0] += 4.0
        if now[0] == 4.0:  # the first writer finishes: the queue moves to the second
            first.release()
            second_has_it.wait(120)
        return free.is_set()

    try:
        with pytest.raises(WriteWaitTimeout, match=r"stayed busy for \d+ s \(writing: second \(process 2\) since "):
            WriteQueue(database, timeout=5.0, clock=lambda: now[0], pause=pause).take_turn()
        # 4 s behind the first (then the queue moved), 8 s behind the second without a move: 8 ≥ 5; 4 + 8 = 12
        assert now[0] == 12.0
    finally:
        second_may_go.set()
        thread.join(timeout=60)
