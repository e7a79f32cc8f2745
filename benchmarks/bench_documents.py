"""Worksheet plus label for a six-line formula, warm: the target is under 60 ms together.

Run: .venv/bin/python benchmarks/bench_documents.py [repeats]
Prints a table (median, CPU time and 90th percentile of each step, beside its floor from the same
run: a one-page ReportLab table of the worksheet's size, the same embedded TTF fonts, and strings
in its cells instead of paragraphs); the first, cold render is reported apart.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import sys
import time
from pathlib import Path

from reportlab.lib.pagesizes import LETTER
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from compounder.calc import evaluate, parse_formula
from compounder.calc.label_stock import LABEL_STOCKS
from compounder.calc.labeling import label_content
from compounder.calc.prescription import parse_order
from compounder.calc.record import compounding_record
from compounder.data.catalog import load_catalog
from compounder.documents.common import FONT, register_fonts
from compounder.documents.label import LabelRenderer
from compounder.documents.worksheet import WorksheetRenderer
from compounder.settings import EXAMPLE, settings_from_data

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Timing, ms, print_table, ratio  # noqa: E402

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


def floor_table() -> bytes:
    """A one-page ReportLab table with the same embedded TTF font: 40 rows of 8 strings."""
    register_fonts()
    buffer = io.BytesIO()
    rows = [[f"r{row}c{column} text" for column in range(8)] for row in range(40)]
    table = Table(rows)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8), ("GRID", (0, 0), (-1, -1), 0.25, "black")]))
    SimpleDocTemplate(buffer, pagesize=LETTER, invariant=1).build([table])
    return buffer.getvalue()


def timing(walls: list[float], cpus: list[float]) -> Timing:
    ordered = sorted(walls)
    return Timing(statistics.median(walls), statistics.median(cpus), ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))])


def main(repeats: int = 60) -> None:
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
    cold = time.perf_counter() - start
    for _ in range(3):  # warm
        worksheet(plan, order), label(plan, order), floor_table()

    steps = ("evaluate formula", "worksheet (record + PDF)", "label (content + PDF)", "worksheet + label", "floor")
    walls: dict[str, list[float]] = {name: [] for name in steps}
    cpus: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):  # the figure and its floor taking turns
        marks = [(time.perf_counter(), time.process_time())]
        plan, order = prepare()
        marks.append((time.perf_counter(), time.process_time()))
        worksheet(plan, order)
        marks.append((time.perf_counter(), time.process_time()))
        label(plan, order)
        marks.append((time.perf_counter(), time.process_time()))
        floor_table()
        marks.append((time.perf_counter(), time.process_time()))
        for name, (a, b) in zip(steps, ((0, 1), (1, 2), (2, 3), (1, 3), (3, 4)), strict=True):
            walls[name].append(marks[b][0] - marks[a][0])
            cpus[name].append(marks[b][1] - marks[a][1])

    figures = {name: timing(walls[name], cpus[name]) for name in steps}
    floor = figures["floor"]
    rows = []
    for name in steps[:-1]:
        figure = figures[name]
        target = "< 60 ms" if name == "worksheet + label" else ""
        rows.append((f"{name} (median)", ms(figure.wall), ms(floor.wall), ratio(figure.wall, floor.wall), target))
        if name == "worksheet + label":
            rows.append((f"{name} (median CPU time)", ms(figure.cpu), ms(floor.cpu), ratio(figure.cpu, floor.cpu), target))
            rows.append((f"{name} (90th percentile)", ms(figure.p90), ms(floor.p90), ratio(figure.p90, floor.p90), ""))
    print_table(rows)
    print()
    print(f"Six-line formula, {repeats} warm runs, each beside its floor (a one-page ReportLab table of 40 × 8 strings")
    print(f"with the same embedded TTF font); the cold first run, fonts loaded: {ms(cold)}.")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
