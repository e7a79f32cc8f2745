"""The real main window on a temporary database and settings folder, with prompts that answer
without showing a dialog, and helpers that type as a pharmacist would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit

from compounder.records.database import migrate, open_database, session_factory
from compounder.records.library import FormulaLibrary, reference_formulas
from compounder.ui.ingredient_table_model import ERROR_ROLE, KEYS
from compounder.ui.main_window import MainWindow
from compounder.ui.prompts import Unsaved
from compounder.ui.settings import Settings
from tests.conftest import TODAY


class FakePrompts:
    """Answers queued by the test; what the window said is kept for asserting."""

    def __init__(self) -> None:
        self.parent = None
        self.paths: list[Path | None] = []
        self.names: list[str | None] = []
        self.entries: list[int | None] = []
        self.unsaved: list[Unsaved] = []
        self.confirms: list[bool] = []
        self.errors: list[tuple[str, str]] = []
        self.unexpected_errors: list[str] = []
        self.asked_unsaved = 0
        self.printed: list[tuple[str, bytes]] = []
        self.acknowledgements: list[list[dict[str, str]] | None] = []
        self.acknowledge_as: str | None = None  # when set, every warning asked about is acknowledged by this name
        self.warnings_asked: list[tuple] = []
        self.pharmacy: list = []
        self.label_positions: list[int | None] = []  # answers for a sheet of labels; 1 when none queued
        self.label_stocks_asked: list = []
        self.conflicts: list[str] = []  # another workstation saved first: what the window said
        self.conflict_choices: list = []  # ConflictChoice answers

    def open_path(self, folder):
        return self.paths.pop(0)

    def save_path(self, suggested):
        return self.paths.pop(0)

    def library_entry(self, entries):
        return self.entries.pop(0)

    def name(self, title, label, suggested):
        return self.names.pop(0)

    def unsaved_changes(self, title):
        self.asked_unsaved += 1
        return self.unsaved.pop(0) if self.unsaved else Unsaved.DISCARD

    def confirm(self, title, text):
        return self.confirms.pop(0)

    def label_position(self, stock):
        if not stock.is_sheet:
            return 1
        self.label_stocks_asked.append(stock)
        return self.label_positions.pop(0) if self.label_positions else 1

    def error(self, title, text):
        self.errors.append((title, text))

    def edit_conflict(self, title, text):
        self.conflicts.append(text)
        return self.conflict_choices.pop(0)

    def unexpected(self, text, details):
        self.unexpected_errors.append(text)

    def print_pdf(self, title, pdf):
        self.printed.append((title, pdf))
        return True

    def save_pdf_path(self, title, suggested):
        return self.paths.pop(0)

    def acknowledge(self, warnings):
        self.warnings_asked.append(tuple(warnings))
        if self.acknowledge_as:
            return [{"code": f.code, "by": self.acknowledge_as, "reason": "reviewed"} for f in warnings]
        return self.acknowledgements.pop(0) if self.acknowledgements else None

    def pharmacy_settings(self, current, path):
        return self.pharmacy.pop(0) if self.pharmacy else None


@pytest.fixture
def settings_dir(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "settings"
    monkeypatch.setenv("COMPOUNDER_SETTINGS_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """``copy(path)``: a new pharmacy database at ``path`` with the newest schema, copied from
    one migrated once per session (running the migrations for every window test took about a
    fifth of a second each; the migrations themselves are tested in tests/records)."""
    template = tmp_path_factory.mktemp("template") / "pharmacy.sqlite"
    engine = open_database(f"sqlite:///{template}")
    migrate(engine)
    engine.dispose()

    def copy(path: Path) -> str:
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    return copy


@pytest.fixture
def library(tmp_path, monkeypatch, migrated_sqlite):
    url = migrated_sqlite(tmp_path / "pharmacy.sqlite")
    monkeypatch.setenv("COMPOUNDER_DATABASE", url)
    engine = open_database(url)
    migrate(engine)  # finds the schema current: nothing to do
    library = FormulaLibrary(session_factory(engine))
    library.sync_reference(reference_formulas())
    yield library
    engine.dispose()


@pytest.fixture
def prompts() -> FakePrompts:
    return FakePrompts()


@pytest.fixture
def make_window(qtbot, catalog, library, settings_dir, prompts):
    def make() -> MainWindow:
        window = MainWindow(catalog, library, Settings(settings_dir), TODAY, prompts)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        return window

    return make


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window()


# ---------------------------------------------------------------- typing as a user would


def column(key: str) -> int:
    return KEYS.index(key)


def type_into_cell(window: MainWindow, row: int, key: str, text: str) -> None:
    """Select the cell, open its editor with F2, type, and press Enter."""
    view = window.table
    window.activateWindow()  # a completion list that closed may have taken the activation with it
    view.setFocus()
    view.setCurrentIndex(view.model().index(row, column(key)))
    QTest.keyClick(view, Qt.Key.Key_F2)
    QApplication.processEvents()
    editors = [w for w in view.viewport().children() if isinstance(w, (QLineEdit, QComboBox)) and w.isVisible()]
    assert len(editors) == 1, f"no editor opened on row {row} {key}"
    editor = editors[0]
    line = editor.lineEdit() if isinstance(editor, QComboBox) else editor
    line.selectAll()
    QTest.keyClicks(editor, text)
    completer = line.completer()
    if completer is not None and completer.popup() is not None and completer.popup().isVisible():  # Enter first closes the list
        QTest.keyClick(completer.popup(), Qt.Key.Key_Return)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()  # the delegate commits on the next turn of the event loop
    assert view.state() != view.State.EditingState, f"the editor on row {row} {key} is still open"


def add_ingredient(window: MainWindow, ingredient: str, strength: str, **more: str) -> int:
    """Type into the empty row at the end of the table, as a pharmacist adds an ingredient."""
    row = window.table_model.new_row
    type_into_cell(window, row, "ingredient", ingredient)
    type_into_cell(window, row, "strength", strength)
    for key, text in more.items():
        type_into_cell(window, row, key, text)
    return row


def type_into_field(widget: QLineEdit, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    QTest.keyClicks(widget, text)
    QTest.keyClick(widget, Qt.Key.Key_Return)


def shown(window: MainWindow, row: int, key: str) -> str:
    return window.table_model.index(row, column(key)).data()


def error_of(window: MainWindow, row: int, key: str) -> str | None:
    return window.table_model.index(row, column(key)).data(ERROR_ROLE)
