"""`db check` on a large trail, SQLite and PostgreSQL: `--full` and incremental (from the
checkpoint of the last clean check, after a day's work), wall time and peak memory. Prints a
table; asserts nothing.

Target (issue 22): incremental under 1 s for a day's work on 100,000 batches; both flat in
memory (issue 21 saw 2.48 GB on PostgreSQL at 100,000 batches before streaming).

The database is filled as `bench_records.py` fills it (bulk inserts, 16 signed entries a batch);
a day's work is --day batches more (default 100), written the same way onto the chain. Each
check runs in its own process, whose peak resident memory (ru_maxrss) is reported beside the
same process's memory just before the check (imports and an open database); beside the wall time,
the check's own CPU time, which a busy machine changes less (the database server's is not in it).

    .venv/bin/python benchmarks/bench_db_check.py [--batches 10000] [--day 100] [--only sqlite|postgresql]
    .venv/bin/python benchmarks/bench_db_check.py --batches 100000 --folder /tmp/bench-100k [--no-full]

With ``--folder`` the databases (an SQLite file, a PostgreSQL cluster), the head file and the
throw-away key are kept there: filling 100,000 batches takes long on a busy machine, so a later
run with the same folder reuses them and times another day's work (``--no-full`` skips the
full checks after the first). ``--fill-only`` fills and stops.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_records import NOW, _Trail, fill  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from compounder.records.audit_commands import export  # noqa: E402
from compounder.records.audit_keys import new_key  # noqa: E402
from compounder.records.database import open_database  # noqa: E402
from compounder.records.model import AuditEntry, Batch, BatchLine  # noqa: E402

CHECK = """
import json, resource, sys, time, datetime as dt
from pathlib import Path
from compounder.records.audit_commands import run_check
from compounder.records.database import open_database
url, heads, full = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "full"
engine = open_database(url, heads=heads)
with engine.connect() as c:
    c.exec_driver_sql("SELECT 1")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start, cpu = time.perf_counter(), time.process_time()
report = run_check(engine, heads, dt.datetime.now(dt.UTC), full=full)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": elapsed, "cpu": cpu, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "before_kb": before,
                  "entries": report.entries, "rows": report.rows, "problems": report.problems[:3], "since": report.since}))
"""


def add_day(url: str, batches: int) -> int:
    """A day's work: ``batches`` more dispensed batches of 4 lines, signed onto the chain."""
    engine = open_database(url)
    trail = _Trail(engine)
    with engine.begin() as connection:
        first = connection.execute(select(func.max(Batch.id))).scalar_one() + 1
        version = connection.execute(select(Batch.formula_version_id).limit(1)).scalar_one()
        plan = connection.execute(select(Batch.plan).limit(1)).scalar_one()
        rows, lines = [], []
        for n in range(first, first + batches):
            rows.append({
                "id": n, "batch_number": f"261124-{n:06d}", "formula_version_id": version, "patient_id": 1, "rx_number": f"RX{n:07d}",
                "prescriber": "Dr. A. Smith", "plan": plan, "compounded_on": dt.date(2026, 11, 24), "beyond_use": dt.date(2027, 5, 23),
                "tolerance_percent": Decimal(5), "status": "dispensed", "created_at": NOW,
            })
            trail.add(connection, "batch", rows[-1], ("create", "prepared", "verified", "dispensed"))
            for position in range(4):
                lines.append({"id": 4 * (n - 1) + position + 1, "batch_id": n, "position": position + 1, "name": f"form {position}", "role": "active",
                              "target_ug": 3_600_000, "lot_id": 1 + position, "actual_ug": 3_600_000, "deviation_percent": Decimal(0), "out_of_tolerance": False})
                trail.add(connection, "batch_line", lines[-1], ("create", "assign lot", "weigh"))
        connection.execute(insert(Batch), rows)
        connection.execute(insert(BatchLine), lines)
        trail.close(connection)
        entries = connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    engine.dispose()
    return entries


def check(url: str, heads: Path, full: bool) -> dict:
    result = subprocess.run([sys.executable, "-c", CHECK, url, str(heads), "full" if full else "since"], check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(backend: str, url: str, batches: int, day: int, folder: Path, *, full_checks: bool, fill_only: bool) -> list[str]:
    heads = folder / f"{backend}-heads.json"
    marker = folder / f"{backend}-filled.json"
    lines: list[str] = []
    if marker.exists():
        lines.append(f"{backend}: reusing {json.loads(marker.read_text())['batches']:,} batches filled earlier in {folder}")
    else:
        start = time.perf_counter()
        fill(url, batches)
        filled = time.perf_counter() - start
        engine = open_database(url, heads=heads)
        export(engine, heads, dt.datetime.now(dt.UTC))  # this workstation wrote it: its head is recorded
        engine.dispose()
        marker.write_text(json.dumps({"batches": batches, "fill_seconds": filled}))
        lines.append(f"{backend}: {batches:,} batches filled in {filled:.0f} s")
        full_checks = True  # the first full check leaves the checkpoint the incremental one starts from
    if fill_only:
        return lines
    results = []
    if full_checks:
        results.append(("db check --full", check(url, heads, full=True)))  # a clean full check leaves the checkpoint
    entries = add_day(url, day)
    results.append((f"db check (a day: {day} batches)", check(url, heads, full=False)))
    lines.append(f"  trail of {entries:,} entries after a day's work of {day} batches")
    for name, r in results:
        lines.append(
            f"  {name:<36} {r['seconds']:8.2f} s (this process's CPU {r.get('cpu', 0):6.2f} s)  peak {r['peak_kb'] / 1024:7.0f} MB (before the check {r['before_kb'] / 1024:5.0f} MB)  "
            f"{r['entries']:>9,} entries  {r['rows']:>9,} rows  since {r['since']}  problems: {len(r['problems'])}{' ' + repr(r['problems']) if r['problems'] else ''}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=10_000)
    parser.add_argument("--day", type=int, default=100)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--folder", type=Path, help="keep the databases here and reuse them in later runs")
    parser.add_argument("--no-full", action="store_true", help="only the incremental check (after the first run of a folder)")
    parser.add_argument("--fill-only", action="store_true")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if args.folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        else:
            folder = args.folder.resolve()
            folder.mkdir(parents=True, exist_ok=True)
        key_file = folder / "key.hex"  # a throw-away key, inherited by the checks
        if not key_file.exists():
            key_file.write_text(new_key().hex())
        os.environ["COMPOUNDER_AUDIT_KEY"] = key_file.read_text().strip()
        options = {"full_checks": not args.no_full, "fill_only": args.fill_only}
        output = []
        if args.only in (None, "sqlite"):
            output += run("sqlite", f"sqlite:///{folder / 'bench.sqlite'}", args.batches, args.day, folder, **options)
        if args.only in (None, "postgresql"):
            from tests.pgcluster import Cluster

            if args.folder is None:
                cluster = Cluster().start()
            else:  # the same folder and port each run: the port is part of the database's identity in the head file
                (folder / "pg").mkdir(exist_ok=True)
                cluster = Cluster(folder / "pg")
                port_file = folder / "pg-port"
                cluster.port = int(port_file.read_text()) if port_file.exists() else cluster.port
                port_file.write_text(str(cluster.port))
                cluster.start()
            try:
                url = cluster.url("bench_check")
                if not (folder / "postgresql-filled.json").exists():
                    url = cluster.create_database("bench_check")
                output += run("postgresql", url, args.batches, args.day, folder, **options)
            finally:
                cluster.remove()
    print("\n".join(output))


if __name__ == "__main__":
    main()
