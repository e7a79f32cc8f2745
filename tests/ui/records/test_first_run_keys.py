"""Issue 28, a fresh install's first minutes by keys: Records ▸ Create the first accounts…, Enter
in the last field creates both; the administrator, who has just typed their password twice, is
signed in (as the sign-in does, audited) and the pharmacy settings open at once, on the name, with
the SOP's tolerances and the self-verification tick before the fields that have a default (Enter
saves); once saved, the sign-in opens for the pharmacist, their user name filled in and the keys
on the password. The administrator and the pharmacist stay two accounts, each signing in with
their own password; cancelling the settings ends the chain there."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMainWindow
from sqlalchemy.orm import sessionmaker

from compounder.records import pharmacy_rules
from compounder.records.database import migrate, open_database
from compounder.settings import load_settings
from compounder.ui.common.records_context import RecordsContext
from compounder.ui.records.pharmacy_dialog import edit_pharmacy_settings
from compounder.ui.records.pharmacy_rules_ui import save_rules
from compounder.ui.records.records_window import install_records_menu
from tests.records.conftest import Clock
from tests.records.helpers import PASSWORD

TAB, ENTER, SPACE, ESCAPE = Qt.Key.Key_Tab, Qt.Key.Key_Return, Qt.Key.Key_Space, Qt.Key.Key_Escape
PHARMACY = ("Main Street Compounding Pharmacy", "12 Main Street, Springfield, IL 62701", "(217) 555-0142", "IL 054-000000")


@pytest.fixture
def context(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    migrate(engine)
    yield RecordsContext(sessionmaker(engine, expire_on_commit=False), Clock())
    engine.dispose()


def when_open(title: str, act, seen: list) -> None:
    """Runs ``act(dialog)`` once the modal dialog titled ``title`` is open (inside its own event
    loop: nothing depends on timing); gives up after a few thousand turns of the loop."""
    turns = [0]

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        opened = dialog is not None and dialog.isVisible() and dialog.windowTitle() == title
        if opened and dialog.isActiveWindow() and QApplication.focusWidget() is not None:
            seen.append(title)
            act(dialog)
            return
        if opened:  # offscreen, a dialog opened from another one's loop is not always made active (a desktop does)
            dialog.activateWindow()
        if turns[0] < 5000:
            turns[0] += 1
            QTimer.singleShot(0, look)

    QTimer.singleShot(0, look)


def keys(dialog, *typed) -> None:
    """Each item typed into the dialog's focused field, or pressed when it is a key."""
    for item in typed:
        assert dialog.focusWidget() is not None, f"{dialog.windowTitle()}: nothing has the keys"
        if isinstance(item, str):
            QTest.keyClicks(dialog.focusWidget(), item)
        else:
            QTest.keyClick(dialog.focusWidget(), item)


def first_accounts(dialog) -> None:
    keys(dialog, "admin", TAB, "Ada Admin", TAB, PASSWORD, TAB, PASSWORD, TAB)
    keys(dialog, "paula", TAB, "Paula Pharmacist, RPh", TAB, PASSWORD, TAB, PASSWORD, ENTER)  # Enter in the last field creates


@pytest.fixture
def chain(qtbot, context, tmp_path):
    window = QMainWindow()
    qtbot.add_widget(window)
    path = tmp_path / "settings" / "pharmacy.toml"

    def first_settings() -> bool:  # as the application's: the settings dialog when there are none
        return edit_pharmacy_settings(None, path, window, lambda settings: save_rules(context, settings)) is not None

    actions = install_records_menu(window, context, first_settings=first_settings)
    return actions, path


def test_the_first_accounts_chain_to_the_pharmacy_settings_and_the_pharmacists_sign_in(chain, context):
    actions, path = chain
    at: dict = {}
    seen: list = []

    def settings(dialog) -> None:
        at["settings"] = (context.actor.username, context.actor.role.value, dialog.focusWidget() is dialog.name_edit)
        keys(dialog, PHARMACY[0], TAB, PHARMACY[1], TAB, PHARMACY[2], TAB, PHARMACY[3], TAB)
        keys(dialog, "5 %", TAB, "5 %", TAB)  # final-weight and weighing tolerances: the SOP's, typed
        at["tick"] = dialog.focusWidget() is dialog.self_verification_box
        keys(dialog, SPACE, ENTER)  # self-verification allowed, an explicit tick; Enter saves
        when_open("Sign in", sign_in, seen)

    def sign_in(dialog) -> None:
        at["sign in"] = (context.actor.username, dialog.username.text(), dialog.focusWidget() is dialog.password)
        keys(dialog, PASSWORD, ENTER)

    when_open("Create the first accounts", first_accounts, seen)
    when_open("Pharmacy settings", settings, seen)
    actions["first_accounts"].trigger()

    assert seen == ["Create the first accounts", "Pharmacy settings", "Sign in"]
    assert at["settings"] == ("admin", "administrator", True)  # the administrator signed in, the keys on the pharmacy's name
    assert at["tick"]
    assert at["sign in"] == ("admin", "paula", True)  # the pharmacist's user name filled in, the keys on the password
    assert (context.actor.username, context.actor.role.value) == ("paula", "pharmacist")  # two accounts, each signed in by its own password
    saved = load_settings(path)
    assert (saved.name, saved.phone, saved.licence) == (PHARMACY[0], PHARMACY[2], PHARMACY[3])
    assert saved.allow_self_verification and saved.label_stock  # the label stock as offered
    assert f"{saved.weighing_tolerance.to('percent').magnitude:g}" == "5"
    with context.reading() as session:
        stored = pharmacy_rules.stored_rules(session)
    assert {who for _value, who, _when in stored.values()} == {"admin"}  # the rules stored by the administrator


def test_cancelling_the_first_pharmacy_settings_ends_the_chain_with_the_administrator_signed_in(chain, context):
    actions, path = chain
    seen: list = []
    when_open("Create the first accounts", first_accounts, seen)
    when_open("Pharmacy settings", lambda dialog: keys(dialog, ESCAPE), seen)
    actions["first_accounts"].trigger()
    assert seen == ["Create the first accounts", "Pharmacy settings"]  # no sign-in opened
    assert context.actor.username == "admin" and not path.exists()
