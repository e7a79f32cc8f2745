"""Issue 13 in the window: a fresh database offers to create the first administrator and
pharmacist; the sign-in says when no account exists, and says an account is locked after five
failed sign-ins; an administrator unlocks it in Users…. Rendered to PNG when
``COMPOUNDER_SCREENSHOTS`` names a folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow
from sqlalchemy.orm import sessionmaker

from compounder.records import people
from compounder.records.database import migrate, open_database
from compounder.records.policy import Role
from compounder.ui.common.records_context import RecordsContext
from compounder.ui.records.first_accounts_dialog import FirstAccountsDialog
from compounder.ui.records.records_window import install_records_menu
from compounder.ui.records.sign_in_dialog import SignInDialog
from compounder.ui.records.users_dialog import UsersDialog
from tests.records.conftest import Clock
from tests.records.helpers import PASSWORD


@pytest.fixture
def context(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    migrate(engine)
    yield RecordsContext(sessionmaker(engine, expire_on_commit=False), Clock())
    engine.dispose()


def shot(widget, name: str) -> None:
    folder = os.environ.get("COMPOUNDER_SCREENSHOTS")
    if folder:
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def fill(form, username: str, full_name: str, password: str, repeated: str | None = None) -> None:
    form.username.setText(username)
    form.full_name.setText(full_name)
    form.password.setText(password)
    form.repeat.setText(password if repeated is None else repeated)


def test_a_fresh_database_offers_the_first_accounts_and_the_sign_in_says_there_are_none(qtbot, context):
    window = QMainWindow()
    qtbot.add_widget(window)
    actions = install_records_menu(window, context)
    assert actions["first_accounts"].isVisible()
    assert "No account yet" in window.statusBar().currentMessage()

    sign_in = SignInDialog(context)
    qtbot.add_widget(sign_in)
    sign_in.username.setText("admin")
    sign_in.password.setText("anything at all")
    sign_in.try_sign_in()
    assert sign_in.message.text().startswith("there is no account yet: create the first administrator")
    assert not sign_in.first_accounts_button.isHidden()
    shot(sign_in, "sign-in-no-account")

    dialog = FirstAccountsDialog(context)
    qtbot.add_widget(dialog)
    fill(dialog.administrator, "admin", "Ada Admin", PASSWORD)
    fill(dialog.pharmacist, "paula", "Paula Pharmacist, RPh", PASSWORD, "a different one")
    dialog.create()
    assert dialog.message.text() == "pharmacist: the two passwords differ; type the same password twice"
    dialog.show()
    shot(dialog, "first-accounts-refused")
    with context.sessions() as session:
        assert not people.has_accounts(session)  # nothing half made
    fill(dialog.pharmacist, "paula", "Paula Pharmacist, RPh", PASSWORD)
    dialog.create()
    assert dialog.result() == 1
    with context.sessions() as session:
        assert [(u.username, u.role) for u in people.users(session)] == [("admin", Role.ADMINISTRATOR), ("paula", Role.PHARMACIST)]
    # Only once: with accounts, the first-run form refuses.
    again = FirstAccountsDialog(context)
    qtbot.add_widget(again)
    fill(again.administrator, "eve", "Eve Intruder", PASSWORD)
    fill(again.pharmacist, "mallory", "Mallory", PASSWORD)
    again.create()
    assert again.message.text().startswith("this database has accounts already")


def test_the_sign_in_says_an_account_is_locked_and_an_administrator_unlocks_it(qtbot, context):
    with context.sessions.begin() as session:
        admin = people.create_user(session, None, "admin", "Ada Admin", Role.ADMINISTRATOR, PASSWORD, context.clock())
        people.create_user(session, admin, "paula", "Paula Pharmacist, RPh", Role.PHARMACIST, PASSWORD, context.clock())
    dialog = SignInDialog(context)
    qtbot.add_widget(dialog)
    dialog.username.setText("paula")
    for attempt in range(6):
        dialog.password.setText(f"wrong guess {attempt}" if attempt < 5 else PASSWORD)
        dialog.try_sign_in()
    assert dialog.message.text().startswith("the account paula is locked after 5 failed sign-ins (since ")
    assert dialog.message.text().endswith("an administrator unlocks it (Records ▸ Users…, or `compounder users unlock`)")
    assert context.actor is None
    dialog.show()
    shot(dialog, "sign-in-locked")

    context.sign_in("admin", PASSWORD)
    users = UsersDialog(context)
    qtbot.add_widget(users)
    users.select("paula")
    assert users.model.row(1)[3] == "active, locked after 5 failed sign-ins"
    assert users.unlock_button.isEnabled()
    users.show()
    shot(users, "users-locked")
    users.unlock()
    assert users.done_label.text() == "paula may sign in again."
    assert context.sign_in("paula", PASSWORD).username == "paula"


def test_the_settings_dialog_stores_the_rules_only_for_an_administrator_and_a_hand_edit_is_noticed(qtbot, context, tmp_path):
    import json

    from compounder.records import pharmacy_rules
    from compounder.settings import EXAMPLE, load_settings
    from compounder.ui.records.pharmacy_dialog import PharmacySettingsDialog
    from compounder.ui.records.pharmacy_rules_ui import guard_pharmacy_rules, save_rules

    with context.sessions.begin() as session:
        admin = people.create_user(session, None, "admin", "Ada Admin", Role.ADMINISTRATOR, PASSWORD, context.clock())
        people.create_user(session, admin, "paula", "Paula Pharmacist, RPh", Role.PHARMACIST, PASSWORD, context.clock())
    path = tmp_path / "pharmacy.json"

    def dialog_with(**changes):
        dialog = PharmacySettingsDialog(None, path, save_rules=lambda s: save_rules(context, s))
        qtbot.add_widget(dialog)
        for key, widget in (("name", dialog.name_edit), ("phone", dialog.phone_edit), ("licence", dialog.licence_edit)):
            widget.setText(EXAMPLE[key])
        dialog.address_edit.setPlainText("\n".join(EXAMPLE["address"]))
        dialog.self_verification_box.setChecked(changes.get("self", False))
        dialog.weighing_edit.setText(changes.get("weighing", ""))
        return dialog

    context.sign_in("paula", PASSWORD)
    dialog = dialog_with(self=True, weighing="5 %")
    dialog.accept()
    assert dialog.message.text() == "self-verification, tolerances, weighing policy: only an administrator changes self-verification, the tolerances and the weighing policy; paula is a pharmacist"
    assert not path.exists()  # nothing saved anywhere
    dialog.show()
    shot(dialog, "settings-rules-refused")
    context.sign_in("admin", PASSWORD)
    dialog = dialog_with(self=False, weighing="5 %")
    dialog.accept()
    assert dialog.result() == 1 and path.exists()
    with context.sessions() as session:
        assert {name: value for name, (value, who, _) in pharmacy_rules.stored_rules(session).items()} == {
            "allow_self_verification": False, "weighing_tolerance": "5 %", "final_weight_tolerance": None, "scan_required": False,
            "balance_required": False, "idle_lock_minutes": 5, "patient_details_roles": ["technician", "pharmacist"],  # issue 24's defaults
        }

    # Someone edits the file by hand; the window starts with the records' rules and says so.
    data = json.loads(path.read_text())
    data["allow_self_verification"] = True
    path.write_text(json.dumps(data))
    window = QMainWindow()
    qtbot.add_widget(window)
    window.pharmacy = load_settings(path)

    class Prompts:
        save_rules = None

    notices = guard_pharmacy_rules(window, context, Prompts())
    assert window.pharmacy.allow_self_verification is False
    assert notices == [
        ("the settings file says self-verification allowed, the records say not allowed (set by admin on 2026-11-23): "
        "the file was edited outside Compounder; the records' value is used")
    ]
    assert window.statusBar().currentMessage().startswith("Pharmacy settings: the settings file says self-verification allowed")
