"""Several workstations on one database, SQLite beside PostgreSQL. Prints a table; asserts nothing.

1. Throughput: 8 processes each make 100 batches at the same time, all drawing on the same lots
   (the scenario of tests/records/test_shared_server.py: create, a lot and the weight for every
   line, sign as preparer; one transaction per batch with its audit entries), in batches per
   second; and one process alone for comparison.
2. History search and recall with 100,000 batches (filled as in bench_records.py), median ms.

PostgreSQL runs in a throw-away cluster on loopback (tests/pgcluster.py, fsync off as in the
tests), so its figures are of the database's work and the round trips, not of a disk.
Run: `.venv/bin/python benchmarks/bench_concurrency.py [--batches N] [--processes P] [--per-process B]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_records import fill, timed  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from compounder.records import history  # noqa: E402
from compounder.records.database import open_database  # noqa: E402
from tests.pgcluster import Cluster  # noqa: E402
from tests.records import concurrency  # noqa: E402


def throughput(url: str, processes: int, per_process: int) -> float:
    pharmacy = concurrency.prepare(url)
    outcome = concurrency.run(url, pharmacy, processes=processes, per_process=per_process)
    assert len(set(outcome.batch_numbers)) == processes * per_process
    return len(outcome.batch_numbers) / outcome.seconds


def searches(url: str, count: int) -> list[tuple[str, float, int]]:
    start = time.perf_counter()
    probe = fill(url, count)
    print(f"  filled {count:,} batches in {time.perf_counter() - start:.1f} s ({url.split(':')[0]})", flush=True)
    engine = open_database(url, create=False)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    sessions = sessionmaker(engine)
    with sessions() as s:
        rows = [
            ("history: patient name prefix", *timed(lambda: history.search(s, patient=probe["patient"][:8]), 20)),
            ("history: patient full name", *timed(lambda: history.search(s, patient=probe["patient"]), 20)),
            ("history: ingredient lot", *timed(lambda: history.search(s, lot_number=probe["lot_number"]), 20)),
            ("history: Rx number", *timed(lambda: history.search(s, rx_number="RX0050000"), 20)),
            ("history: batch number day prefix", *timed(lambda: history.search(s, batch_number="230301"), 20)),
            ("history: date range (one week)", *timed(lambda: history.search(s, since=dt.date(2023, 3, 1), until=dt.date(2023, 3, 7)), 20)),
            ("recall: lot used in 1,000 batches", *timed(lambda: history.recall(s, probe["recall_lot"]), 20)),
        ]
    engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--per-process", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, Cluster() as cluster:
        def url(backend: str, name: str) -> str:
            return f"sqlite:///{Path(folder) / (name + '.sqlite')}" if backend == "sqlite" else cluster.create_database(name)

        backends = ("sqlite", "postgresql")
        total = args.processes * args.per_process
        rates = {}
        for backend in backends:
            rates[(backend, "many")] = throughput(url(backend, "many"), args.processes, args.per_process)
            rates[(backend, "one")] = throughput(url(backend, "one"), 1, args.per_process)
            print(f"  {backend}: {rates[(backend, 'many')]:.1f} batches/s with {args.processes} processes", flush=True)
        found = {backend: searches(url(backend, "history"), args.batches) for backend in backends}

    print()
    print(f"{'measure':<44}{'SQLite':>14}{'PostgreSQL':>14}")
    print(f"{f'{args.processes} processes × {args.per_process} batches ({total}), batches/s':<44}"
          f"{rates[('sqlite', 'many')]:>14.1f}{rates[('postgresql', 'many')]:>14.1f}")
    print(f"{f'1 process × {args.per_process} batches, batches/s':<44}{rates[('sqlite', 'one')]:>14.1f}{rates[('postgresql', 'one')]:>14.1f}")
    print(f"{f'with {args.batches:,} batches, median ms (rows)':<44}")
    for (name, lite_ms, lite_rows), (_n, pg_ms, pg_rows) in zip(found["sqlite"], found["postgresql"], strict=True):
        print(f"  {name:<42}{f'{lite_ms:.2f} ({lite_rows})':>14}{f'{pg_ms:.2f} ({pg_rows})':>14}")


if __name__ == "__main__":
    main()
