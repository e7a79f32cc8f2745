"""Worksheet plus label for a six-line formula, warm: the target is under 80 ms together.

Run: .venv/bin/python benchmarks/bench_documents.py [repeats]
Prints a table of median and best times (ms) per step; the first, cold render is reported apart.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time

from compounder.calc import evaluate, parse_formula
from compounder.calc.label_stock import LABEL_STOCKS
from compounder.calc.labeling import label_content
from compounder.calc.prescription import parse_order
from compounder.calc.record import compounding_record
from compounder.data.catalog import load_catalog
from compounder.documents.label import LabelRenderer
from compounder.documents.worksheet import WorksheetRenderer
from compounder.settings import EXAMPLE, settings_from_data

# Five weighed lines and the base: six lines on the worksheet.
FORMULA = {
    "name": "Diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 % in Lipoderm",
    "batch": "120 g", "base": "Lipoderm", "density": "1.0 g/mL", "compounded_on": "2026-11-23",
    "actives": [
        {"ingredient": "diclofenac sodium", "strength": "3 %", "lot": "DS2401", "expires": "2028-01-31"},
        {"ingredient": "cyclobenzaprine hydrochloride", "strength": "2 %", "lot": "CB2310", "expires": "2027-09-30"},
        {"ingredient": "lidocaine", "strength": "5 %", "stock": "lidocaine hydrochloride monohydrate", "potency": "99.5 %",
         "lot": "L123", "expires": "2027-06-30"},
    ],
    "excipients": [{"ingredient": "ethoxydiglycol", "strength": "5 %"}, {"ingredient": "propylene glycol", "strength": "2 %"}],
    "batch_number": "261123-002",
    "container": "Topi-CLICK 120 mL",
    "prescription": {"patient": "Jane Doe", "rx_number": "RX-104234", "prescriber": "Dr. A. Smith",
                     "directions": "Apply 4 clicks to the lower back three times daily", "quantity": "120 g", "refills": 1},
}


def main(repeats: int = 30) -> None:
    catalog = load_catalog()
    pharmacy = settings_from_data({**EXAMPLE, "final_weight_tolerance": "5 %"})
    stock = LABEL_STOCKS["thermal-4x2"]
    today = dt.date(2026, 11, 23)

    def prepare():
        plan = evaluate(parse_formula(FORMULA), catalog, today)
        return plan, parse_order(FORMULA)

    def worksheet(plan, order):
        record = compounding_record(plan, order, catalog, today, pharmacy.final_weight_tolerance)
        return WorksheetRenderer(record, pharmacy).render()

    def label(plan, order):
        return LabelRenderer(label_content(plan, order, catalog, today), pharmacy, stock).render()

    start = time.perf_counter()
    plan, order = prepare()
    worksheet(plan, order), label(plan, order)
    cold = (time.perf_counter() - start) * 1000

    times: dict[str, list[float]] = {"evaluate formula": [], "worksheet (record + PDF)": [], "label (content + PDF)": [], "worksheet + label": []}
    for _ in range(repeats):
        t0 = time.perf_counter()
        plan, order = prepare()
        t1 = time.perf_counter()
        worksheet(plan, order)
        t2 = time.perf_counter()
        label(plan, order)
        t3 = time.perf_counter()
        times["evaluate formula"].append((t1 - t0) * 1000)
        times["worksheet (record + PDF)"].append((t2 - t1) * 1000)
        times["label (content + PDF)"].append((t3 - t2) * 1000)
        times["worksheet + label"].append((t3 - t1) * 1000)

    print(f"Six-line formula, {repeats} warm runs (cold first run incl. font loading: {cold:.1f} ms)")
    print(f"{'step':<28} {'median ms':>10} {'best ms':>9}")
    for name, values in times.items():
        print(f"{name:<28} {statistics.median(values):>10.1f} {min(values):>9.1f}")
    together = statistics.median(times["worksheet + label"])
    print(f"target: worksheet + label under 80 ms warm -> {'met' if together < 80 else 'NOT met'} ({together:.1f} ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
