"""The app quits cleanly: File ▸ Quit after a session of edits ends with status 0, never with
"Fatal Python error: bool_dealloc" / "none_dealloc".

PySide6-Essentials 6.12.0 (shiboken6 6.12.0) returns ``None`` from void methods and ``True``
from ``emit()`` without a reference; every edit left them a few references short, and the app
aborted at exit (status 134) after any session with edits. pyproject.toml excludes that release;
this test runs the real entry point in a subprocess so a PySide that does it again is caught."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# The real entry point (``compounder`` with no arguments); a timer does what a pharmacist would:
# open a formula, edit it many times, undo, save, then File ▸ Quit.
SESSION = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])

def session():
    window = next(w for w in QApplication.topLevelWidgets() if hasattr(w, "quit_action") and w.isVisible())
    window.document.load({"batch": "120 g", "base": "Lipoderm", "directions": {"amount": "1 g", "times_per_day": 3},
                          "actives": [{"ingredient": "ketoprofen", "strength": "10 %"}, {"ingredient": "lidocaine", "strength": "5 %"}]})
    model = window.table_model
    for run in range(300):
        model.setData(model.index(1, 1), f"{1 + run % 5} %")
        window.table.viewport().repaint()
    for run in range(50):
        window.document.undo_stack.undo()
    window.edit_prescription()
    window.document.set_header("prescription.patient", "Jane Doe")
    window.document.mark_saved()
    window.quit_action.trigger()

QTimer.singleShot(200, session)
from compounder.__main__ import main
sys.exit(main([]))
"""


@pytest.mark.slow
def test_quit_after_a_session_exits_cleanly(tmp_path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "COMPOUNDER_SETTINGS_DIR": str(tmp_path / "settings"),
        "COMPOUNDER_DATABASE": f"sqlite:///{tmp_path / 'pharmacy.sqlite'}",
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    run = subprocess.run([sys.executable, "-c", SESSION], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "Fatal Python error" not in run.stderr, run.stderr[-2000:]
    assert run.returncode == 0, run.stderr[-2000:]

