"""The real main window on a temporary database and settings folder, with prompts that answer
without showing a dialog, and helpers that type as a pharmacist would; the formula document the
model tests share; and the records screens' fixtures on a real migrated SQLite database (a
prepared batch, the batch dialog with a stand-in print preview, the weighing station's bench)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit
from sqlalchemy.orm import sessionmaker

from compounder.records import batches
from compounder.records.database import migrate, open_database, session_factory
from compounder.records.library import FormulaLibrary, reference_formulas
from compounder.settings import settings_from_data
from compounder.ui.common.records_context import RecordsContext
from compounder.ui.common.window_settings import Settings
from compounder.ui.workbench.formula_document import FormulaDocument
from compounder.ui.workbench.ingredient_columns import ERROR_ROLE, KEYS
from compounder.ui.workbench.main_window import MainWindow
from compounder.ui.workbench.prompts import Unsaved
from tests.conftest import TODAY
from tests.records.conftest import Clock
from tests.records.helpers import PASSWORD, make_pharmacy, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of


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
        self.reviews: list = []  # the ApprovalReview each approval showed (answered from ``confirms``)
        self.saves: list[bool] = []  # whether each approval dialog's button also saved the formula
        self.signatures_asked: list[tuple[str, str]] = []  # (meaning, what is signed) of each signing dialog
        self.signature = None  # what the signing dialog answers; None: the library has no accounts

    def sign(self, meaning, subject, store):
        self.signatures_asked.append((meaning, subject))
        return store(self.signature)

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

    def approve_formula(self, review, saves=False):
        self.reviews.append(review)
        self.saves.append(saves)
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

    def print_pdf(self, title, pdf, kind=None, zpl=None, *, choose=False):
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
        # Enter's moves in the table are watched once the window is drawn (within DRAWN_POLL_MS):
        # as a user, a test types only then.
        qtbot.waitUntil(lambda: window._table_enter.watching)
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


# --------------------------------------------------------------------------- the formula document

SEED = {
    "batch": "120 g", "base": "Lipoderm", "excess": "5 %", "directions": {"amount": "1 g", "times_per_day": 3},
    "actives": [
        {"ingredient": "ibuprofen", "strength": "10 %"},
        {"ingredient": "lidocaine", "strength": "5 %", "stock": "lidocaine HCl anhydrous", "lot": "L1", "expires": "2020-01-01"},
        {"ingredient": "capsaicin", "strength": "0.025 %"},
    ],
    "excipients": [{"ingredient": "ethoxydiglycol", "strength": "5 %"}],
}


@pytest.fixture
def document(qapp, catalog):
    """The formula document loaded with ``SEED``: three actives (one with an expired lot) and an excipient."""
    document = FormulaDocument(catalog, TODAY)
    document.load(SEED)
    return document


# --------------------------------------------------------------------------- records on a real database


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def records(tmp_path, clock, catalog, migrated_sqlite):
    """The records context, the pharmacy and one batch weighed and signed as prepared (lots expire 2026-12-10)."""
    engine = open_database(migrated_sqlite(tmp_path / "pharmacy.sqlite"))
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog, expires=dt.date(2026, 12, 10))
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    yield RecordsContext(sessions, clock), pharmacy, record
    engine.dispose()


SETTINGS = {
    "schema_version": 1, "name": "Main Street Compounding", "address": ["12 Main Street"], "phone": "555-0142",
    "licence": "IL 054-000000", "weighing_tolerance": "5 %",
}


class Printed(list):
    """Stands in for the print preview: keeps (title, PDF) and answers 'printed'."""

    answer = True

    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[bool] = []  # per print: asked for the print dialog (a one-off printer)

    def __call__(self, title, pdf, kind=None, zpl=None, *, choose=False):
        self.append((title, pdf))
        self.chosen.append(choose)
        return self.answer


@pytest.fixture
def printed():
    return Printed()


@pytest.fixture
def pharmacy_settings():
    return {"current": settings_from_data(SETTINGS)}


@pytest.fixture
def batch_dialog(qtbot, records, catalog, pharmacy_settings, printed):
    from compounder.ui.records.batch_dialog import BatchDialog

    context, pharmacy, _record = records
    dialog = BatchDialog(
        context, FormulaLibrary(context.sessions, context.clock), catalog, pharmacy=lambda: pharmacy_settings["current"], print_pdf=printed,
    )
    qtbot.add_widget(dialog)
    dialog.decide = signed_by_paula(context, asked=[])
    return dialog, context, pharmacy


def answer_signing(password: str = PASSWORD, *, username: str | None = None, seen: list | None = None, cancel_if_refused: bool = True):
    """Answers the next signing dialog as a person at the keyboard would, once it is open: types
    the password (and a user name when given) and presses Enter; when the dialog stays open (the
    signature refused) it keeps what it said in ``seen`` and presses Escape. Call just before the
    click that opens it: the answer runs inside the dialog's own event loop, so nothing depends
    on timing."""
    from PySide6.QtCore import QTimer

    from compounder.ui.common.signing_dialog import SigningDialog

    seen = seen if seen is not None else []

    def answer() -> None:
        dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, SigningDialog) and w.isVisible()), None)
        if dialog is None:
            QTimer.singleShot(0, answer)  # not open yet
            return
        seen.append({"focus": dialog.focusWidget() is dialog.password, "meaning": dialog.meaning, "subject": dialog.subject.text()})
        if username is not None:
            dialog.username.setText(username)
        dialog.password.setText(password)
        QTest.keyClick(dialog.password, Qt.Key.Key_Return)
        if dialog.isVisible():
            seen[-1]["said"] = " ".join(label.text() for label in (dialog.username_message, dialog.password_message, dialog.message) if label.text())
            if cancel_if_refused:
                QTest.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, answer)
    return seen


def sign_click(button, password: str = PASSWORD, **answer) -> str:
    """Click a button that opens the signing dialog and answer it (``answer_signing``); what the
    dialog said when it refused the signature ("" when it signed)."""
    seen = answer_signing(password, **answer)
    button.click()
    assert seen, "no signing dialog opened"
    return seen[-1].get("said", "")


def signed_by_paula(context, asked: list, reason: str = "reviewed with the prescriber today"):
    """Stands in for the acknowledgement dialog (tested on its own): Paula signs every finding."""
    from compounder.records.screening import sign_in_to_decide
    from compounder.ui.common.finding_decisions import SignedDecision, one_per_code

    def decide(findings):
        asked.append(tuple(f.code for f in findings))
        signer = sign_in_to_decide(context.sessions, "paula", PASSWORD, context.clock())
        return [SignedDecision(f, signer, reason, context.clock()) for f in one_per_code(findings)]

    decide.asked = asked
    return decide


@pytest.fixture
def bench(tmp_path, catalog):
    """The weighing station's records: the technician signed in and one batch to weigh."""
    clock = Clock()
    engine = open_database(f"sqlite:///{tmp_path / 'pharmacy.sqlite'}")
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog, expires=dt.date(2027, 6, 30))
    record = new_batch(sessions, clock, pharmacy)
    context = RecordsContext(sessions, clock)
    context.actor = pharmacy.technician
    yield context, pharmacy, record
    engine.dispose()
