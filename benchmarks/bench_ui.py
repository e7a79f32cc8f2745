"""How fast the window is: start-up, and one edit until the table shows the new numbers.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui.py

Prints a table; it is a measurement, not a test. Targets (issue 3): start-up within 1.3× of
Python importing PySide6, SQLAlchemy and pint; an edit in a ten-row formula under 16 ms.
Runs on a throw-away database and settings folder.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7

# Started as a separate process: the time from process start until the window is shown and the
# event loop has drawn it once, printed by the child.
STARTUP = r"""
import time, sys
start = time.perf_counter()
from compounder.ui.app import run_app
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
def shown():
    window = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "" and w.isVisible() and hasattr(w, "document"))
    window.table.viewport().repaint()
    print(time.perf_counter() - start)
    window.document.mark_saved()
    QApplication.quit()
QTimer.singleShot(0, shown)
sys.exit(run_app([]))
"""
IMPORTS = "import time; start = time.perf_counter(); import PySide6.QtWidgets, sqlalchemy.orm, pint; print(time.perf_counter() - start)"


def child(code: str, env: dict[str, str]) -> float:
    began = time.perf_counter()
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    wall = time.perf_counter() - began
    float(output.strip().splitlines()[-1])  # the child got there
    return wall


def edit_times(runs: int = 50) -> list[float]:
    import datetime as dt

    from PySide6.QtWidgets import QApplication

    from compounder.data.catalog import load_catalog
    from compounder.records.database import migrate, open_database, session_factory
    from compounder.records.library import FormulaLibrary
    from compounder.ui.main_window import MainWindow
    from compounder.ui.prompts import Prompts
    from compounder.ui.settings import Settings

    app = QApplication.instance() or QApplication([])
    engine = open_database(os.environ["COMPOUNDER_DATABASE"])
    migrate(engine)
    window = MainWindow(load_catalog(), FormulaLibrary(session_factory(engine)), Settings.from_environment(), dt.date(2026, 11, 23), Prompts())
    names = ["diclofenac sodium", "cyclobenzaprine HCl", "lidocaine", "ketoprofen", "baclofen", "camphor", "menthol", "gabapentin", "prilocaine", "ibuprofen"]
    window.document.load({"batch": "240 g", "base": "Lipoderm", "excess": "3 %", "directions": {"amount": "1 g", "times_per_day": 3},
                          "actives": [{"ingredient": name, "strength": "1 %"} for name in names]})
    window.resize(1440, 900)
    window.show()
    app.processEvents()
    model, table = window.table_model, window.table
    times = []
    for run in range(runs):
        strength = f"{1 + (run % 5) * 0.5} %"
        index = model.index(3, model.column_of("strength"))
        began = time.perf_counter()
        model.setData(index, strength)
        table.viewport().repaint()  # paint the table now, with the new numbers
        times.append(time.perf_counter() - began)
        assert model.index(3, model.column_of("strength")).data() == strength
    window.document.mark_saved()
    window.close()
    engine.dispose()
    return times


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="compounder-bench-") as scratch:
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               "COMPOUNDER_SETTINGS_DIR": str(Path(scratch) / "settings"),
               "COMPOUNDER_DATABASE": f"sqlite:///{Path(scratch) / 'pharmacy.sqlite'}",
               "XDG_DATA_HOME": str(Path(scratch) / "data")}
        os.environ.update({k: env[k] for k in ("QT_QPA_PLATFORM", "COMPOUNDER_SETTINGS_DIR", "COMPOUNDER_DATABASE", "XDG_DATA_HOME")})
        child(STARTUP, env)  # first run creates and migrates the database; not counted
        imports = [child(IMPORTS, env) for _ in range(RUNS)]
        startup = [child(STARTUP, env) for _ in range(RUNS)]
        edits = edit_times()

    imports_ms, startup_ms = statistics.median(imports) * 1000, statistics.median(startup) * 1000
    edit_ms = statistics.median(edits) * 1000
    edit_p90 = sorted(edits)[int(len(edits) * 0.9)] * 1000
    rows = [
        ("python -c 'import PySide6.QtWidgets, sqlalchemy.orm, pint'", f"{imports_ms:.0f} ms", "", ""),
        ("compounder: process start to window shown and drawn", f"{startup_ms:.0f} ms", f"{startup_ms / imports_ms:.2f}×", "≤ 1.30×"),
        ("edit in a ten-row formula until the table is repainted (median)", f"{edit_ms:.1f} ms", "", "< 16 ms"),
        ("same, 90th percentile", f"{edit_p90:.1f} ms", "", "< 16 ms"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  {'time':>9}  {'ratio':>6}  target")
    for name, value, ratio, target in rows:
        print(f"{name:<{width}}  {value:>9}  {ratio:>6}  {target}")
    print(f"(medians of {RUNS} process runs, wall clock from spawning the process; 50 edits)")


if __name__ == "__main__":
    main()
