"""Save pictures of the window for docs/: the main window with a seed formula loaded
(docs/screenshot-main-window.png), the prescription and batch dialog
(docs/screenshot-prescription.png) and the print preview of the workbench's calculation sheet
(docs/screenshot-print-preview-worksheet.png).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot.py [FORMULA.json] [PNG]

Runs on a throw-away database and settings folder, so it leaves the user's own untouched.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RX_FORMULA = ROOT / "examples" / "diclofenac-cyclobenzaprine-lidocaine-rx.json"


def main(argv: list[str]) -> int:
    formula = Path(argv[0]) if argv else ROOT / "examples" / "diclofenac-cyclobenzaprine-lidocaine.json"
    picture = Path(argv[1]) if len(argv) > 1 else DOCS / "screenshot-main-window.png"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="compounder-screenshot-") as scratch:
        os.environ["COMPOUNDER_SETTINGS_DIR"] = str(Path(scratch) / "settings")
        os.environ["COMPOUNDER_DATABASE"] = f"sqlite:///{Path(scratch) / 'pharmacy.sqlite'}"
        os.environ["XDG_DATA_HOME"] = str(Path(scratch) / "data")
        from compounder.ui.app import run_app

        status = run_app(["--screenshot", str(picture), str(formula)])
        if status == 0 and not argv:
            status = document_pictures()
        return status


def document_pictures() -> int:
    """The prescription dialog and the print previews, on the formula with a prescription."""
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
    from PySide6.QtWidgets import QApplication

    from compounder.settings import EXAMPLE, settings_from_data
    from compounder.ui.app import build_workbench, parse_args
    from compounder.ui.common.pdf_print import paint_pdf, set_page_layout

    app = QApplication.instance()
    workbench = build_workbench(parse_args([]), dt.date(2026, 11, 23))
    window = workbench.window
    try:
        window.pharmacy = settings_from_data({**EXAMPLE, "final_weight_tolerance": "5 %"})
        window.open_file(RX_FORMULA)
        window.resize(1440, 900)
        window.show()
        dialog = window.edit_prescription()
        dialog.adjustSize()
        for _ in range(5):
            app.processEvents()
        _save(dialog.grab(), DOCS / "screenshot-prescription.png")
        dialog.close()
        for kind, size in (("worksheet", (1000, 1100)),):  # the workbench prints a calculation sheet only (issue 28)
            pdf = window.document_pdf()
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            set_page_layout(printer, pdf)
            preview = QPrintPreviewDialog(printer, window)
            preview.setWindowTitle(f"Print preview — {kind}")
            preview.paintRequested.connect(lambda target, pdf=pdf: paint_pdf(pdf, target))
            preview.resize(*size)
            preview.show()
            for _ in range(10):
                app.processEvents()
            _save(preview.grab(), DOCS / f"screenshot-print-preview-{kind}.png")
            preview.close()
            preview.deleteLater()
        window.document.mark_saved()
        window.close()
    finally:
        workbench.engine.dispose()
    return 0


def _save(pixmap, path: Path) -> None:
    if not pixmap.save(str(path)):
        raise SystemExit(f"could not save {path}")
    print(f"saved {path}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
