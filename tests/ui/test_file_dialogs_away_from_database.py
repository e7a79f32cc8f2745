"""The window's file dialogs never open in the SQLite database's folder (issue 21, observation 1):
listing it reads the database's files, and on Linux closing any handle on a file drops the
process's POSIX lock on it. A formula kept beside the database is opened from there; each dialog
then starts in the documents folder (or the home folder when there is none), with the file name
suggested kept."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

from PySide6 import QtWidgets
from PySide6.QtCore import QStandardPaths

from compounder.ui.app import build_workbench, parse_args
from compounder.ui.records.recall_dialog import RecallDialog

EXAMPLE = Path(__file__).parents[2] / "examples" / "diclofenac-cyclobenzaprine-lidocaine.json"


class Dialogs:
    """Stands in for QFileDialog: keeps the folder or file each dialog was started at, answers "cancel"."""

    def __init__(self) -> None:
        self.started: list[tuple[str, Path]] = []

    def getOpenFileName(self, _parent, title, start, _filter):  # noqa: N802 - Qt's name
        self.started.append((title, Path(start)))
        return "", ""

    getSaveFileName = getOpenFileName  # noqa: N815


def test_every_file_dialog_starts_outside_the_database_folder(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPOUNDER_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    folder = tmp_path / "pharmacy-data"
    folder.mkdir()
    formula = folder / "house-cream.json"
    shutil.copy(EXAMPLE, formula)
    dialogs = Dialogs()
    monkeypatch.setattr(QtWidgets, "QFileDialog", dialogs)  # the prompts import it when a file is first chosen
    workbench = build_workbench(parse_args(["--database", f"sqlite:///{folder / 'pharmacy.sqlite'}"]), dt.date(2026, 11, 23))
    window = workbench.window
    qtbot.add_widget(window)
    try:
        window.open_file(formula)  # a formula kept beside the database
        window.open_file_dialog()
        window.save_as_file()
        # The documents' export (its print gate asks questions of its own; the dialog is the prompts' one).
        window.prompts.save_pdf_path("Export the worksheet as PDF", folder / "worksheet-house-cream.pdf")
    finally:
        workbench.engine.dispose()
    documents = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation))
    away = documents if documents.is_dir() else Path.home()
    assert away != folder
    assert [(title, start.parent if start.suffix else start) for title, start in dialogs.started] == [
        ("Open formula", away), ("Save formula", away), ("Export the worksheet as PDF", away),
    ]
    assert [start.name for _title, start in dialogs.started[1:]] == ["house-cream.json", "worksheet-house-cream.pdf"]  # the names kept


def test_the_recall_export_starts_outside_the_database_folder(qtbot, records):
    context, _pharmacy, _record = records
    context.database_folder = Path.home()  # a database kept in the home folder, where the export is suggested
    asked: list[Path] = []
    dialog = RecallDialog(context, ask_path=lambda _parent, suggested: asked.append(suggested))
    qtbot.add_widget(dialog)
    dialog.lot_number.setText("L000A")
    dialog.find()
    dialog.export()
    documents = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation))
    away = documents if documents.is_dir() and documents != Path.home() else Path.home().parent
    assert asked == [away / "recall-L000A.csv"]
