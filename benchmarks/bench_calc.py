"""Speed of the engine and of the `compounder calc` command. Prints a table; asserts nothing.

    .venv/bin/python benchmarks/bench_calc.py [--runs N]

Each figure stands beside its floor, measured in the same run (see benchmarks/measure.py):

- parse + compute + check of a six-line formula, warm, beside parsing it alone (the unit-checked
  reading every answer needs); target under 2 ms;
- `compounder calc six.json --json` as a whole process (catalog snapshot warm), beside
  `python -c "import pint; pint.UnitRegistry()"`; targets under 400 ms and ≤ 1.5× the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import in_process, installed_env, interleaved, ms, print_table, ratio  # noqa: E402

from compounder.calc import evaluate, parse_formula  # noqa: E402
from compounder.data.catalog import load_catalog  # noqa: E402

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
PINT_FLOOR = "import pint; pint.UnitRegistry()"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="process runs of each kind (default 11)")
    args = parser.parse_args()
    catalog = load_catalog()
    today = dt.date(2026, 11, 23)
    engine = in_process(lambda: evaluate(parse_formula(SIX_LINES), catalog, today), 500, warm_up=50)
    parse_only = in_process(lambda: parse_formula(SIX_LINES), 500, warm_up=50)

    with tempfile.TemporaryDirectory(prefix="compounder-bench-") as folder:
        path = Path(folder) / "six.json"
        path.write_text(json.dumps(SIX_LINES), encoding="utf-8")
        # The catalog snapshot and the bytecode, as an installed program has them, made by the warm-up runs.
        env = installed_env({**os.environ, "XDG_CACHE_HOME": str(Path(folder) / "cache")}, folder)
        processes = interleaved({
            "calc": [sys.executable, "-m", "compounder", "calc", str(path), "--json"],
            "pint": [sys.executable, "-c", PINT_FLOOR],
        }, args.runs, env)

    calc, floor = processes["calc"], processes["pint"]
    print_table([
        ("parse + compute + check, six lines, warm (median)", ms(engine.wall), ms(parse_only.wall), ratio(engine.wall, parse_only.wall), "< 2 ms"),
        ("same, CPU time", ms(engine.cpu), ms(parse_only.cpu), ratio(engine.cpu, parse_only.cpu), "< 2 ms"),
        ("same, 90th percentile", ms(engine.p90), ms(parse_only.p90), ratio(engine.p90, parse_only.p90), ""),
        ("`compounder calc six.json --json` process, wall clock", ms(calc.wall), ms(floor.wall), ratio(calc.wall, floor.wall), "< 400 ms, ≤ 1.50×"),
        ("same, CPU time", ms(calc.cpu), ms(floor.cpu), ratio(calc.cpu, floor.cpu), "≤ 1.50×"),
    ])
    print()
    print(f"Floors: the engine beside parse_formula alone; the process beside `python -c '{PINT_FLOOR}'`.")
    print(f"Medians of 500 calls, and of {args.runs} interleaved process runs (after one warm-up each).")


if __name__ == "__main__":
    main()
