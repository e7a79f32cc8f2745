"""Start-up, the error reporter, settings: everything in tmp_path."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from PySide6.QtCore import QByteArray

from compounder.ui.app import build_workbench, parse_args, run_app
from compounder.ui.common.error_reporter import ErrorReporter
from compounder.ui.common.window_settings import Settings

EXAMPLE = Path(__file__).parents[2] / "examples" / "diclofenac-cyclobenzaprine-lidocaine.json"


def test_error_reporter_logs_the_details_and_shows_a_short_message(tmp_path):
    shown: list[tuple[str, str]] = []
    reporter = ErrorReporter(tmp_path / "logs" / "compounder.log", lambda text, details: shown.append((text, details)))
    try:
        raise RuntimeError("engine fault")
    except RuntimeError:
        reporter(*sys.exc_info())
    (text, details), = shown
    assert text.startswith("Something went wrong: RuntimeError: engine fault")
    assert "The formula is as it was before" in text and str(tmp_path / "logs" / "compounder.log") in text
    log = (tmp_path / "logs" / "compounder.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "engine fault" in log and "test_error_reporter" in log


def test_startup_migrates_the_database_loads_the_library_and_logs_to_the_user_data_dir(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPOUNDER_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    database = tmp_path / "db" / "pharmacy.sqlite"
    workbench = build_workbench(parse_args(["--database", f"sqlite:///{database}"]), dt.date(2026, 11, 23))
    qtbot.addWidget(workbench.window)
    try:
        assert database.is_file()
        assert len(workbench.window.library.entries()) == 5
        assert sys.excepthook is workbench.reporter
        assert workbench.reporter.log_path.is_relative_to(tmp_path)  # XDG_DATA_HOME points into tmp_path
    finally:
        workbench.engine.dispose()


def test_screenshot_option(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPOUNDER_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.setenv("COMPOUNDER_DATABASE", f"sqlite:///{tmp_path / 'pharmacy.sqlite'}")
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    picture = tmp_path / "shot.png"
    assert run_app(["--screenshot", str(picture), str(EXAMPLE)]) == 0
    assert picture.read_bytes().startswith(b"\x89PNG")


def test_settings_are_versioned_and_keep_recent_files(tmp_path):
    settings = Settings(tmp_path)
    for name in ("a.json", "b.json", "a.json"):
        settings.add_recent_file(tmp_path / name)
    assert settings.recent_files() == [tmp_path / "a.json", tmp_path / "b.json"]
    settings.set_splitter_state("main", QByteArray(b"xyz"))
    settings.sync()
    again = Settings(tmp_path)
    assert again.splitter_state("main") == QByteArray(b"xyz")
    assert "schema_version=1" in (tmp_path / "compounder.ini").read_text()


def test_settings_keep_a_records_lists_column_widths_and_ignore_unusable_ones(tmp_path):
    settings = Settings(tmp_path)
    assert settings.column_widths("history") is None
    settings.set_column_widths("history", [90, 120, 333])
    settings.set_column_widths("recall", [80])  # one column: QSettings reads a one-item list back as a string
    settings.sync()
    again = Settings(tmp_path)
    assert again.column_widths("history") == [90, 120, 333] and again.column_widths("recall") == [80]
    with (tmp_path / "compounder.ini").open("a", encoding="utf-8") as ini:
        ini.write("\n[columns]\nlots=wide, 12\nusers=0, 12\n")
    edited = Settings(tmp_path)
    assert edited.column_widths("lots") is None and edited.column_widths("users") is None  # not numbers; a column 0 px wide


# Run in a fresh interpreter: which collections Python's cyclic collector made while the window's
# non-Qt modules (pint, SQLAlchemy, the engine, the records' start-up parts) were imported.
IMPORT_COLLECTIONS = r"""
import gc, json, sys
during = []
def collection(phase, info):
    if phase == "start" and "compounder.data" in sys.modules:  # the first of the window's non-Qt modules has begun
        during.append(info["generation"])
gc.callbacks.append(collection)
import compounder.ui.app
gc.callbacks.remove(collection)
print("SEEN " + json.dumps({"collections": during, "enabled": gc.isenabled(), "frozen": gc.get_freeze_count() > 0,
                            "engine": "pint" in sys.modules and "sqlalchemy" in sys.modules}))
"""


def test_no_garbage_collection_runs_while_the_windows_modules_are_imported_and_it_runs_again_after(tmp_path):
    """Issue #27: importing pint, SQLAlchemy and the engine for the window made ~140 collections
    (one of them full) that freed ~500 of ~60,000 objects, about a tenth of start-up. The collector
    is paused while they are imported, what they made is frozen, and it runs again afterwards."""
    import json
    import subprocess

    result = subprocess.run([sys.executable, "-c", IMPORT_COLLECTIONS], capture_output=True, text=True, timeout=120, check=True)
    seen = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("SEEN "))[len("SEEN "):])
    assert seen == {"collections": [], "enabled": True, "frozen": True, "engine": True}


# Run in a fresh interpreter: the window's event loop runs and quits, which the test process's own
# QApplication must not go through.
COLLECTOR = r"""
import gc, json, sys
import compounder.ui.app as app_module
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
seen = {"before": gc.isenabled()}
build = app_module.build_workbench
def building(args, today):
    seen["while building"] = gc.isenabled()
    return build(args, today)
def quit_when_up():
    window = next(w for w in QApplication.topLevelWidgets() if w.isVisible() and hasattr(w, "document"))
    seen["once up"] = gc.isenabled()
    window.document.mark_saved()
    QApplication.quit()
app_module.build_workbench = building
QTimer.singleShot(0, lambda: QTimer.singleShot(0, quit_when_up))  # the event loop's second round
status = app_module.run_app([])
seen["after"] = gc.isenabled()
print("SEEN " + json.dumps(seen))
sys.exit(status)
"""


def test_the_collector_waits_while_the_window_is_built_and_runs_again_once_it_is_up(tmp_path):
    """Issue #27: no garbage collection while the window is built (it finds nothing: what is built
    lives as long as the window); the collector runs again once the event loop has the window."""
    import json
    import os
    import subprocess

    env = {**os.environ, "COMPOUNDER_SETTINGS_DIR": str(tmp_path / "settings"), "COMPOUNDER_DATABASE": f"sqlite:///{tmp_path / 'pharmacy.sqlite'}"}
    result = subprocess.run([sys.executable, "-c", COLLECTOR], capture_output=True, text=True, env=env, timeout=120, check=True)
    seen = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("SEEN "))[len("SEEN "):])
    assert seen == {"before": True, "while building": False, "once up": True, "after": True}


def test_a_fresh_install_welcomes_with_the_first_accounts_and_enter_opens_them(qtbot, tmp_path, monkeypatch):
    """Issue 28: on a new records database the welcome (shown as ``run_app`` shows it) has the keys
    on Create the first accounts…; Enter opens the records' first-run chain and the welcome counts
    as seen. (With accounts on file the welcome does not offer them: tests/ui/workbench/test_welcome.py.)"""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from compounder.ui.app import offer_welcome

    monkeypatch.setenv("COMPOUNDER_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    database = f"sqlite:///{tmp_path / 'pharmacy.sqlite'}"
    workbench = build_workbench(parse_args(["--database", database]), dt.date(2026, 11, 23))
    window = workbench.window
    qtbot.addWidget(window)
    opened = []
    try:
        window.show()
        offer_welcome(workbench, database)
        qtbot.waitUntil(lambda: (w := QApplication.activeWindow()) is not None and w.objectName() == "welcome")
        welcome = QApplication.activeWindow()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is welcome.accounts_button)

        def look() -> None:  # the accounts dialog is modal: seen from inside its own loop, then closed
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                QTimer.singleShot(10, look)
                return
            opened.append(dialog.windowTitle())
            dialog.reject()

        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, look)
        QTest.keyClick(welcome.accounts_button, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: opened == ["Create the first accounts"])
        assert Settings(tmp_path / "settings").welcomed()
    finally:
        window.document.mark_saved()
        window.close()
        workbench.engine.dispose()
