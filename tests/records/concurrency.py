"""Several workstations making batches at once, as processes: the scenario of the concurrency
test and of ``benchmarks/bench_concurrency.py``.

Each worker process opens its own engine on the shared database, waits until every worker is
ready, then makes its batches one transaction each: create the batch (a new batch number), give
every line its lot and the target weight, and sign as preparer (which draws the lots down). All
workers draw on the same lots.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from dataclasses import dataclass

from sqlalchemy.orm import sessionmaker

from compounder.records import batches
from compounder.records.database import migrate, open_database
from tests.records.signing_helpers import credentials_of

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
LOT_GRAMS = 100_000  # received per lot: enough for 800 batches of the seed formula
WRITERS = 8  # workstations writing at once, in every run
FULL_PER_WRITER = 100  # batches per workstation in CI (.ci/run sets COMPOUNDER_STRESS=full)
QUICK_PER_WRITER = 5  # batches per workstation otherwise: 40 batches, still 8 writers at once
STALLED_S = 600  # no batch committed by any writer for this long: the run hangs


def per_writer() -> int:
    """Batches each writer makes: the full 100 when ``COMPOUNDER_STRESS=full`` (CI), else 5.

    The quick size keeps every writer contending for the same lots and the same day's batch
    counter; the full size adds only duration (most of the suite's time on a 2-core machine)."""
    setting = os.environ.get("COMPOUNDER_STRESS", "quick").strip().lower()
    if setting not in ("quick", "full"):
        raise ValueError(f"COMPOUNDER_STRESS: {setting!r} is not accepted; use quick or full")
    return FULL_PER_WRITER if setting == "full" else QUICK_PER_WRITER


@dataclass(frozen=True)
class Outcome:
    batch_numbers: list[str]
    seconds: float  # from the moment every worker was ready to the last commit


def prepare(url: str):
    """Migrate the database and fill it with the people, the approved formula and one lot per line."""
    from compounder.data.catalog import load_catalog
    from tests.records.helpers import make_pharmacy

    engine = open_database(url)
    migrate(engine)
    pharmacy = make_pharmacy(sessionmaker(engine, expire_on_commit=False), lambda: NOW, load_catalog(), quantity=str(LOT_GRAMS))
    engine.dispose()
    return pharmacy


def make_batch(session, pharmacy, rx: str) -> str:
    record = batches.create_batch(
        session, pharmacy.technician, formula_version_id=pharmacy.version_id, patient=pharmacy.patient, rx_number=rx,
        prescriber="Dr. A. Smith", plan=pharmacy.plan, compounded_on=NOW.date(), tolerance_percent="5", now=NOW,
    )
    for line in record.lines:
        batches.assign_lot(session, pharmacy.technician, record.batch_number, line.position, pharmacy.lots[line.name].id, NOW)
        batches.enter_weight(session, pharmacy.technician, record.batch_number, line.position, str(line.target), NOW)
    batches.sign_prepared(session, credentials_of(pharmacy.technician), record.batch_number, NOW)
    return record.batch_number


def _worker(url: str, pharmacy, index: int, count: int, barrier, results, environ: dict[str, str]) -> None:
    # The fork server was started by an earlier test, with that test's environment: take this
    # run's (its data folder holds this database's audit key).
    os.environ.clear()
    os.environ.update(environ)
    try:
        engine = open_database(url, create=False)
        sessions = sessionmaker(engine, expire_on_commit=False)
        with sessions() as session:  # connect before the start, so the timing is of the work
            session.connection()
        barrier.wait(timeout=120)
        numbers = []
        for n in range(count):
            with sessions.begin() as session:
                numbers.append(make_batch(session, pharmacy, f"RX-{index}-{n}"))
            results.put((index, None, time.perf_counter()))  # progress: one more batch committed
        results.put((index, numbers, time.perf_counter()))
        engine.dispose()
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which fails the run
        results.put((index, f"{type(error).__name__}: {error}", time.perf_counter()))


def run(url: str, pharmacy, *, processes: int = 8, per_process: int = 100) -> Outcome:
    """``processes`` workers each make ``per_process`` batches at the same time.

    The workers are forked from a fork server that imported SQLAlchemy and the records modules
    once (a fresh process, not the test process with its Qt application and open databases), so
    each starts in milliseconds instead of importing everything again; each still opens its own
    engine and connections, as a workstation does. (Where there is no fork server, on Windows,
    each worker is spawned afresh.)"""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
    else:
        context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    workers = [context.Process(target=_worker, args=(url, pharmacy, i, per_process, barrier, results, dict(os.environ))) for i in range(processes)]
    for worker in workers:
        worker.start()
    try:
        barrier.wait(timeout=120)
        start = time.perf_counter()
        outcomes = []
        while len(outcomes) < len(workers):
            # A guard against a hang, not a time limit: it fails only when no writer at all
            # commits for STALLED_S (on a busy machine the whole run may take many minutes).
            message = results.get(timeout=STALLED_S)
            if message[1] is not None:
                outcomes.append(message)
    finally:
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.kill()
    failed = [f"worker {index}: {numbers}" for index, numbers, _t in outcomes if isinstance(numbers, str)]
    if failed:
        raise AssertionError("; ".join(failed))
    numbers = [number for _index, found, _t in sorted(outcomes) for number in found]
    return Outcome(numbers, max(t for _i, _n, t in outcomes) - start)
