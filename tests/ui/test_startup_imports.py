"""What start-up loads before the window is shown and drawn (issue #16): not the records' model
or its mappers, Alembic, ReportLab, SQLAlchemy's PostgreSQL dialect or the Records menu's dialogs
(issue #27), whether or not the
pharmacy has entered its settings (with settings, the records' rules are read at start-up).
Run in a fresh interpreter on a database migrated beforehand, as on every start but the first."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from compounder.records.database import migrate, open_database, session_factory
from compounder.records.library import FormulaLibrary, reference_formulas
from compounder.settings import PharmacySettings, save_settings

# Mirrors benchmarks/bench_ui.py's STARTUP: the window drawn (its platform window exposed: Qt paints
# a widget window while handling the expose event), then what is loaded.
STARTUP = r"""
import json, sys
from compounder.ui.app import run_app
import PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets
LAZY = "QWidget" not in vars(PySide6.QtWidgets)  # PySide6 sets a class up when it is first used (6.11 does)
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
def drawn():
    window = next((w for w in QApplication.topLevelWidgets() if w.isVisible() and hasattr(w, "document")), None)
    if window is None or window.windowHandle() is None or not window.windowHandle().isExposed():
        QTimer.singleShot(0, drawn)
        return
    loaded = sorted(sys.modules)
    qt_classes = sorted(name for module in (PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets) for name in vars(module) if name.startswith("Q")) if LAZY else None
    from sqlalchemy import inspect
    from compounder.records.model import MasterFormula
    print("LOADED " + json.dumps({"modules": loaded, "mapped": inspect(MasterFormula).configured, "pharmacy": window.pharmacy is not None,
                               "qt_classes": qt_classes}))
    window.document.mark_saved()
    QApplication.quit()
QTimer.singleShot(0, drawn)
sys.exit(run_app([]))
"""
NOT_BEFORE_THE_WINDOW = (
    "compounder.records.model", "compounder.records.audit", "compounder.records.batches", "alembic", "reportlab", "sqlalchemy.dialects.postgresql",
    # the Records menu's dialogs (issue #27): each is imported when first opened
    "compounder.ui.records.sign_in_dialog", "compounder.ui.records.lots_dialog", "compounder.ui.records.history_dialog",
    "compounder.ui.records.recall_dialog",
    # the idle lock's panel, built when the window first locks
    "compounder.ui.records.lock_panel",
    # TOML's parser, imported when a TOML formula file is read
    "tomllib",
    # what a formula's name says and how two formulas differ (issue #27): checked when a name is typed,
    # a library entry listed or a version saved, compared on an edit conflict
    "compounder.calc.formula_name", "compounder.calc.formula_diff",
)
# Qt classes the first window does without (issue #27): QStyle's set-up (its enums, ~10 ms) waits for
# the first error mark, whose icon is the style's; QMdiArea (which nothing uses) is set up only when
# PySide6 looks through every QWidget subclass for a widget Qt made (a view's viewport), ~15 ms;
# the message box of a save that meets another workstation's, and the note of a save waiting for the database;
# QGraphicsSceneMouseEvent (never used) is set up only when an event Qt made first reaches a Python
# event handler (PySide6 then sets up every QEvent subclass, ~7 ms); the file dialog (its six enums) and
# QDialog, set up when a file is first chosen or a dialog first opens. QEvent and its subclasses
# (~180 event types, ~8 ms), set up with the first event a Python filter or handler sees (after the
# window is drawn), QTextLayout when the error banner is first laid out, the item view's style option
# when a cell is first edited, QStandardPaths when a file dialog would open in the database's folder.
NOT_SET_UP_BEFORE_THE_WINDOW = (
    "QStyle", "QCommonStyle", "QMdiArea", "QMessageBox", "QProgressDialog", "QGraphicsSceneMouseEvent", "QFileDialog", "QDialog",
    "QEvent", "QCloseEvent", "QKeyEvent", "QResizeEvent", "QTextLayout", "QStyleOptionViewItem", "QStandardPaths",
)


@pytest.mark.parametrize("with_settings", [False, True], ids=["no pharmacy settings", "pharmacy settings"])
def test_the_window_shows_without_the_records_model_alembic_reportlab_or_postgresql(tmp_path, with_settings):
    url = f"sqlite:///{tmp_path / 'pharmacy.sqlite'}"
    engine = open_database(url)
    migrate(engine)  # what the first start does; this test is about every start after it
    FormulaLibrary(session_factory(engine)).sync_reference(reference_formulas())
    engine.dispose()
    if with_settings:
        save_settings(PharmacySettings(name="Test Pharmacy", address=("1 Main St",), phone="555-0100", licence="PH-1"))
    env = {**os.environ, "COMPOUNDER_DATABASE": url}
    result = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True, env=env, timeout=120, check=True)
    report = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("LOADED "))[len("LOADED "):])
    assert report["pharmacy"] is with_settings
    early = [name for name in report["modules"] if any(name == early or name.startswith(early + ".") for early in NOT_BEFORE_THE_WINDOW)]
    assert early == [], early
    assert report["mapped"] is False, "no mapper is configured before the window shows"
    if report["qt_classes"] is not None:  # a PySide6 that sets its classes up when first used
        set_up = [name for name in NOT_SET_UP_BEFORE_THE_WINDOW if name in report["qt_classes"]]
        assert set_up == [], set_up
