"""Printing (issue 26): print accepted → job handed to the CUPS spooler, for the 4 × 2 in label
and a three-page worksheet, beside writing the same PDF to a file (the floor); and the size of what
reaches the printer, before (the PDF rasterised through QPrinter, as the print dialog did) and
after (the PDF itself). Prints a table; asserts nothing.

The spooler is a throw-away CUPS scheduler with cups-pdf printers (tests/cupsd.py: needs root and
the Debian packages cups-daemon, cups-client, printer-driver-cups-pdf). Runs are interleaved
(print, floor, print, floor, …) and reported as medians, so a busy machine moves both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def documents() -> dict[str, tuple[str, Callable[[], bytes]]]:
    from compounder.calc.label_stock import LABEL_STOCKS
    from compounder.data.catalog import load_catalog
    from compounder.documents.batch import label_pdf, worksheet_pdf
    from tests.documents.helpers import evaluated, issue_formula, pharmacy

    catalog = load_catalog()
    plan, order, on = evaluated(catalog, issue_formula())
    steps = [f"Step {i + 1}: mix the phase gently with the spatula until it is uniform and smooth, then let it rest" for i in range(40)]
    long_plan, long_order, long_on = evaluated(catalog, issue_formula(steps=steps))
    return {
        "label 4 × 2 in": ("label", lambda: label_pdf(plan, order, catalog, on, pharmacy(), LABEL_STOCKS["thermal-4x2"])),
        "worksheet, Letter": ("worksheet", lambda: worksheet_pdf(long_plan, long_order, catalog, long_on, pharmacy())),
    }


def rasterised(pdf: bytes, out: Path) -> tuple[float, int]:
    """The old print path: the pages painted as images onto a QPrinter (PDF output) at its resolution."""
    from PySide6.QtPrintSupport import QPrinter

    from compounder.ui.common.pdf_print import paint_pdf, set_page_layout

    start = time.perf_counter()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    set_page_layout(printer, pdf)
    paint_pdf(pdf, printer)
    return time.perf_counter() - start, out.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from compounder.printing.spool import print_pdf
    from tests.cupsd import Spooler

    app = QApplication.instance() or QApplication([])  # noqa: F841 - QPrinter needs the application
    made = documents()
    rows = []
    with Spooler() as spooler, tempfile.TemporaryDirectory() as scratch:
        os.environ.update(spooler.environment)
        for title, (kind, make) in made.items():
            queue = spooler.add_pdf_printer(kind)
            pdf = make()  # warm: fonts registered, modules imported
            pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ")
            floor, handed, whole = [], [], []
            for run in range(args.runs):
                start = time.perf_counter()
                document = make()
                Path(scratch, f"{kind}-{run}.pdf").write_bytes(document)  # the floor: the same PDF written
                floor.append(time.perf_counter() - start)
                start = time.perf_counter()
                document = make()
                rendered = time.perf_counter()
                print_pdf(queue, document, title)  # the print dialog's Print: the PDF handed to the spooler
                done = time.perf_counter()
                handed.append(done - rendered)
                whole.append(done - start)
            printed = spooler.printed(queue, args.runs)
            raster_time, raster_size = rasterised(pdf, Path(scratch, f"{kind}-raster.pdf"))
            rows.append((title, pages, statistics.median(floor), statistics.median(handed), statistics.median(whole),
                         raster_time, len(pdf), printed[-1].stat().st_size, raster_size))
    print(f"{'document':<20} {'pages':>5} {'floor: PDF written':>19} {'accept → spooler':>17} {'PDF + spooler':>14} {'ratio':>6} "
          f"{'before: rasterised':>19}")
    for title, pages, floor, handed, whole, raster_time, _, _, _ in rows:
        print(f"{title:<20} {pages:>5} {floor * 1000:>16.0f} ms {handed * 1000:>14.0f} ms {whole * 1000:>11.0f} ms {whole / floor:>5.2f}× "
              f"{raster_time * 1000:>16.0f} ms")
    print()
    print(f"{'document':<20} {'job sent (the PDF)':>19} {'printed by cups-pdf':>20} {'before: rasterised PDF':>23}")
    for title, _pages, *_times, job, printed, raster in rows:
        print(f"{title:<20} {job / 1024:>16.1f} kB {printed / 1024:>17.1f} kB {raster / 1024 / 1024:>20.2f} MB")


if __name__ == "__main__":
    main()
