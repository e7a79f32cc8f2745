"""Speed of the records with 100,000 batches. Prints a table; asserts nothing.

Targets (issue "Compounding records"): history search by patient or by lot under 50 ms; recall of
a lot used in 1,000 batches under 100 ms; start-up (open, migrate check, reference formulas)
not more than 10 % slower than with an empty database.

The batches are written with bulk inserts (no audit entries): the queries measured do not read
the trail. Run: `.venv/bin/python benchmarks/bench_records.py [--batches N]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import sessionmaker

from compounder.records import history
from compounder.records.database import migrate, open_database
from compounder.records.library import FormulaLibrary, reference_formulas
from compounder.records.model import Batch, BatchLine, IngredientLot, Patient
from compounder.records.people import search_key

FIRST = ("Ann", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jane", "Kai", "Lena", "Milo", "Nia", "Omar", "Pia")
LAST = ("Doe", "Roe", "Smith", "Nguyen", "Garcia", "Okafor", "Kowalski", "Haddad", "Ivanova", "Tanaka", "Moreau", "Silva")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def fill(url: str, count: int, seed: int = 5) -> dict:
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
    for p in patients:
        p["search_key"] = search_key(p["name"])
    lots = [
        {"ingredient": f"ingredient {i % 4}", "stock_form": f"form {i % 4}", "manufacturer": "Medisca", "lot_number": f"LOT{i:05d}",
         "expires": dt.date(2027, 1, 1) + dt.timedelta(days=i % 400), "potency_percent": None, "received_ug": 10**12, "remaining_ug": 10**12,
         "received_at": NOW}
        for i in range(count // 50)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Patient), patients)
        connection.execute(insert(IngredientLot), lots)
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
            for position in range(4):
                lot = recall_lot if position == 0 and n % (count // 1000) == 0 else 1 + (rng.randrange(len(lots) // 4 - 1)) * 4 + position
                lines.append({"batch_id": n, "position": position + 1, "name": f"form {position}", "role": "active", "target_ug": 3_600_000,
                              "lot_id": lot, "actual_ug": 3_600_000, "deviation_percent": Decimal(0), "out_of_tolerance": False})
            if len(rows) == 10_000:
                connection.execute(insert(Batch), rows)
                connection.execute(insert(BatchLine), lines)
                rows, lines = [], []
        if rows:
            connection.execute(insert(Batch), rows)
            connection.execute(insert(BatchLine), lines)
    engine.dispose()
    return {"patient": patients[len(patients) // 2]["name"], "lot_number": lots[len(lots) // 3]["lot_number"], "recall_lot": recall_lot}


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
        empty_ms, full_ms = startup((empty, full))
        print(f"start-up records part, empty database  {empty_ms:8.1f} ms")
        print(f"start-up records part, {args.batches:,} batches {full_ms:8.1f} ms ({(full_ms / empty_ms - 1) * 100:+.1f} %, target ≤ +10 %)")


if __name__ == "__main__":
    main()
