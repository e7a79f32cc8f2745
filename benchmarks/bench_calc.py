"""Speed of the engine and of the `compounder calc` command. Prints a table; asserts nothing.

Targets (issue "Formulation engine"): compute and check a six-line formula under 2 ms warm;
`compounder calc` as a whole process under 0.4 s.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compounder.calc import evaluate, parse_formula
from compounder.data.catalog import load_catalog

SIX_LINES = {
    "batch": "120 g", "excess": "5 %", "base": "Lipoderm", "density": "1.0 g/mL",
    "compounded_on": "2026-11-23", "directions": {"amount": "1 g", "times_per_day": 3},
    "actives": [
        {"ingredient": "diclofenac sodium", "strength": "3 %", "lot": "D1", "expires": "2027-12-31"},
        {"ingredient": "cyclobenzaprine hydrochloride", "strength": "2 %"},
        {"ingredient": "lidocaine", "strength": "5 %", "stock": "lidocaine hydrochloride monohydrate", "potency": "99.5 %"},
        {"ingredient": "menthol", "strength": "2 %"},
        {"ingredient": "camphor", "strength": "3 %"},
    ],
    "excipients": [{"ingredient": "ethoxydiglycol", "strength": "5 %"}],
}


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def row(name: str, times: list[float], target: str, unit: float = 1e3, unit_name: str = "ms") -> str:
    return (
        f"| {name:<44} | {statistics.median(times) * unit:>9.3f} {unit_name} | {min(times) * unit:>9.3f} {unit_name} "
        f"| {len(times):>5} | {target:<10} |"
    )


def main() -> None:
    catalog = load_catalog()
    today = dt.date(2026, 11, 23)
    for _ in range(50):  # warm up
        evaluate(parse_formula(SIX_LINES), catalog, today)
    compute_times = timed(lambda: evaluate(parse_formula(SIX_LINES), catalog, today), 500)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "six.json"
        path.write_text(json.dumps(SIX_LINES), encoding="utf-8")
        command = [sys.executable, "-m", "compounder", "calc", str(path), "--json"]
        subprocess.run(command, capture_output=True, check=False)  # warm the OS file cache and .pyc files
        process_times = timed(lambda: subprocess.run(command, capture_output=True, check=False), 15)
        bare = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], capture_output=True), 15)
        pint_only = timed(lambda: subprocess.run([sys.executable, "-c", "import pint"], capture_output=True), 15)
        registry = timed(lambda: subprocess.run([sys.executable, "-c", "import compounder.calc.units"], capture_output=True), 15)
        sqla = timed(lambda: subprocess.run([sys.executable, "-c", "import sqlalchemy.orm"], capture_output=True), 15)

    print("| measurement                                  |    median    |     best     | runs  | target     |")
    print("|----------------------------------------------|--------------|--------------|-------|------------|")
    print(row("parse + compute + check, six lines (warm)", compute_times, "< 2 ms"))
    print(row("`compounder calc six.json --json` process", process_times, "< 400 ms"))
    print(row("  for scale: python -c pass", bare, ""))
    print(row("  for scale: python -c 'import pint'", pint_only, ""))
    print(row("  for scale: import compounder.calc.units", registry, ""))
    print(row("  for scale: python -c 'import sqlalchemy.orm'", sqla, ""))


if __name__ == "__main__":
    main()
