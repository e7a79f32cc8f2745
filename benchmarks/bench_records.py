"""Speed of the records with 100,000 batches. Prints a table; asserts nothing.

Targets (issue "Compounding records"): history search by patient or by lot under 50 ms; recall of
a lot used in 1,000 batches under 100 ms; start-up (open, migrate check, reference formulas)
not more than 10 % slower than with an empty database.

The batches are written with bulk inserts. Each patient, lot, batch and line also gets its audit
entries, signed with the workstation's key as the app signs them (16 a batch: create, prepared,
verified, dispensed for the batch; create, lot, weight for each of its 4 lines), so that
`db check` (integrity check, signed chain, every row against the trail) is timed on a realistic
trail. Run: `.venv/bin/python benchmarks/bench_records.py [--batches N]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import sessionmaker

from compounder.records import audit, history
from compounder.records.audit_keys import new_key
from compounder.records.database import migrate, open_database
from compounder.records.library import FormulaLibrary, reference_formulas
from compounder.records.maintenance import check
from compounder.records.model import (
    AuditEntry,
    AuditHead,
    Batch,
    BatchLine,
    IngredientLot,
    Patient,
)
from compounder.records.people import search_key

FIRST = ("Ann", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jane", "Kai", "Lena", "Milo", "Nia", "Omar", "Pia")
LAST = ("Doe", "Roe", "Smith", "Nguyen", "Garcia", "Okafor", "Kowalski", "Haddad", "Ivanova", "Tanaka", "Moreau", "Silva")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def fill(url: str, count: int, seed: int = 5, *, signed: bool = True) -> dict:
    """``count`` batches (and a fifth as many patients, a fiftieth as many lots) written in bulk;
    ``signed``: each row with its signed audit entries (``db check`` reads them; the screens do not)."""
    rng = random.Random(seed)
    engine = open_database(url)
    migrate(engine)
    sessions = sessionmaker(engine)
    library = FormulaLibrary(sessions, lambda: NOW)
    library.sync_reference(reference_formulas())
    entry = library.entries()[0]
    version = library.versions(entry.id)[0]
    plan = {"name": version.name, "lines": [{"name": f"form {i}", "role": "active", "grams_rounded": 3.6} for i in range(4)], "bud": {"date": "2027-05-22"}}
    patients = [
        {"name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}", "date_of_birth": dt.date(1930 + n % 70, 1 + n % 12, 1 + n % 28), "created_at": NOW}
        for n in range(count // 5)
    ]
    for n, p in enumerate(patients, start=1):
        p["id"] = n
        p["search_key"] = search_key(p["name"])
    lots = [
        {"ingredient": f"ingredient {i % 4}", "stock_form": f"form {i % 4}", "manufacturer": "Medisca", "lot_number": f"LOT{i:05d}",
         "expires": dt.date(2027, 1, 1) + dt.timedelta(days=i % 400), "potency_percent": None, "received_ug": 10**12, "remaining_ug": 10**12,
         "received_at": NOW, "id": i + 1}
        for i in range(count // 50)
    ]
    trail = _Trail(engine) if signed else _NoTrail()
    with engine.begin() as connection:
        connection.execute(insert(Patient), patients)
        connection.execute(insert(IngredientLot), lots)
        for p in patients:
            trail.add(connection, "patient", p, ("create",))
        for lot in lots:
            trail.add(connection, "ingredient_lot", lot, ("receive",))
        recall_lot = len(lots)  # LOT id len(lots): used in exactly 1,000 batches, below
        day0 = dt.date(2020, 1, 1)
        rows, lines = [], []
        for n in range(1, count + 1):
            day = day0 + dt.timedelta(days=n * 2200 // count)
            rows.append({
                "id": n, "batch_number": f"{day:%y%m%d}-{n:06d}", "formula_version_id": version.id, "patient_id": rng.randint(1, len(patients)),
                "rx_number": f"RX{n:07d}", "prescriber": "Dr. A. Smith", "plan": plan, "compounded_on": day, "beyond_use": day + dt.timedelta(days=180),
                "tolerance_percent": Decimal(5), "status": "dispensed", "created_at": NOW,
            })
            trail.add(connection, "batch", rows[-1], ("create", "prepared", "verified", "dispensed"))
            for position in range(4):
                lot = recall_lot if position == 0 and n % (count // 1000) == 0 else 1 + (rng.randrange(len(lots) // 4 - 1)) * 4 + position
                lines.append({"id": 4 * (n - 1) + position + 1, "batch_id": n, "position": position + 1, "name": f"form {position}", "role": "active", "target_ug": 3_600_000,
                              "lot_id": lot, "actual_ug": 3_600_000, "deviation_percent": Decimal(0), "out_of_tolerance": False})
                trail.add(connection, "batch_line", lines[-1], ("create", "assign lot", "weigh"))
            if len(rows) == 10_000:
                connection.execute(insert(Batch), rows)
                connection.execute(insert(BatchLine), lines)
                rows, lines = [], []
        if rows:
            connection.execute(insert(Batch), rows)
            connection.execute(insert(BatchLine), lines)
        trail.close(connection)
    engine.dispose()
    return {"patient": patients[len(patients) // 2]["name"], "lot_number": lots[len(lots) // 3]["lot_number"], "recall_lot": recall_lot}


class _NoTrail:
    """No audit entries: for a benchmark that only reads the batches."""

    def add(self, connection, table_name: str, row: dict, actions: tuple[str, ...]) -> None:
        pass

    def close(self, connection) -> None:
        pass


class _Trail:
    """Signed audit entries for rows written in bulk, chained onto the head as ``audit.record``
    chains them; the last entry of each row holds its state as inserted."""

    def __init__(self, engine) -> None:
        with engine.connect() as connection:
            head = connection.execute(select(AuditHead.sequence, AuditHead.last_hash, AuditHead.key_id)).one()
            ring = audit.key_ring(connection)
        self.sequence, self.previous, self.key = head.sequence, head.last_hash, ring.get(head.key_id)
        self.pending: list[dict] = []

    def add(self, connection, table_name: str, row: dict, actions: tuple[str, ...]) -> None:
        # Every column, as ``audit.snapshot`` reads a row (those not inserted are NULL).
        state = audit.canonical({column.name: row.get(column.name) for column in audit.table(table_name).columns})
        old = None
        for action in actions:
            self.sequence += 1
            fields = {"sequence": self.sequence, "at": NOW, "user_id": None, "username": "(bench)", "action": action,
                      "table_name": table_name, "row_id": row["id"], "old": old, "new": state}
            digest = audit.entry_mac(self.key, self.previous, fields)
            self.pending.append({**fields, "previous_hash": self.previous, "hash": digest})
            self.previous, old = digest, state
        if len(self.pending) >= 20_000:
            connection.execute(insert(AuditEntry), self.pending)
            self.pending = []

    def close(self, connection) -> None:
        if self.pending:
            connection.execute(insert(AuditEntry), self.pending)
        connection.execute(update(AuditHead).where(AuditHead.id == 1).values(sequence=self.sequence, last_hash=self.previous))


def timed(function, repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(function())
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, size


STARTUP = """
import sys, time
start = time.perf_counter()
from compounder.records.database import migrate, open_database, session_factory
from compounder.records.library import FormulaLibrary, reference_formulas
engine = open_database(sys.argv[1])
migrate(engine)
library = FormulaLibrary(session_factory(engine))
library.sync_reference(reference_formulas())
library.entries()
print(time.perf_counter() - start)
"""


def startup(urls: tuple[str, str], repeat: int = 11) -> tuple[float, float]:
    """Median start-up on each database, runs interleaved so that machine load hits both alike."""
    runs: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for index, url in enumerate(urls):
            result = subprocess.run([sys.executable, "-c", STARTUP, url], check=True, capture_output=True, text=True)
            runs[index].append(float(result.stdout))
    return statistics.median(runs[0]) * 1000, statistics.median(runs[1]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=100_000)
    args = parser.parse_args()
    # A throw-away audit key for this run (inherited by the start-up subprocesses), so the
    # benchmark never makes or uses a key file in the user's data folder.
    os.environ.setdefault("COMPOUNDER_AUDIT_KEY", new_key().hex())
    with tempfile.TemporaryDirectory() as folder:
        empty = f"sqlite:///{Path(folder) / 'empty.sqlite'}"
        full = f"sqlite:///{Path(folder) / 'full.sqlite'}"
        migrate(engine := open_database(empty))
        engine.dispose()
        start = time.perf_counter()
        probe = fill(full, args.batches)
        print(f"filled {args.batches:,} batches ({4 * args.batches:,} lines) in {time.perf_counter() - start:.1f} s")
        engine = open_database(full)
        sessions = sessionmaker(engine)
        with sessions() as s:
            rows = [
                ("history: patient name prefix", *timed(lambda: history.search(s, patient=probe["patient"][:8]), 20), 50),
                ("history: patient full name", *timed(lambda: history.search(s, patient=probe["patient"]), 20), 50),
                ("history: ingredient lot", *timed(lambda: history.search(s, lot_number=probe["lot_number"]), 20), 50),
                ("history: Rx number", *timed(lambda: history.search(s, rx_number="RX0050000"), 20), 50),
                ("history: date range (one week)", *timed(lambda: history.search(s, since=dt.date(2023, 3, 1), until=dt.date(2023, 3, 7)), 20), 50),
                ("recall: lot used in 1,000 batches", *timed(lambda: history.recall(s, probe["recall_lot"]), 20), 100),
            ]
        engine.dispose()
        print(f"{'measure':<38}{'median ms':>10}{'rows':>7}{'target ms':>11}")
        for name, ms, size, target in rows:
            print(f"{name:<38}{ms:>10.2f}{size:>7}{target:>11}")
        engine = open_database(full)
        with engine.connect() as connection:
            entries = connection.execute(select(AuditHead.sequence)).scalar_one()
        start = time.perf_counter()
        problems = check(engine)
        check_s = time.perf_counter() - start
        engine.dispose()
        print(f"db check (integrity, signed trail of {entries:,} entries, every row): {check_s:.1f} s, {len(problems)} problem(s)")
        if problems:
            print("  first:", problems[0])
        empty_ms, full_ms = startup((empty, full))
        print(f"start-up records part, empty database  {empty_ms:8.1f} ms")
        print(f"start-up records part, {args.batches:,} batches {full_ms:8.1f} ms ({(full_ms / empty_ms - 1) * 100:+.1f} %, target ≤ +10 %)")


if __name__ == "__main__":
    main()
