"""User accounts (Records ▸ Users…), for an administrator: the list, add a user (role, password
typed twice), change a role, deactivate or reactivate, reset a password.

The rules (who may, never oneself, never the last administrator, password length) are in
``compounder.records.policy`` and ``compounder.records.people``; every change is one transaction
there, with its audit entry. A refusal is said under the form, and the typing stays.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from compounder.records import people
from compounder.records.edit_versions import EditConflict
from compounder.records.model import ROLES
from compounder.records.policy import MIN_PASSWORD, Actor, RecordError, Role, check_new_password, may_manage_users
from compounder.ui.common.entry_order import reading_order
from compounder.ui.common.inline_error import message_label
from compounder.ui.common.look import ERROR_TEXT
from compounder.ui.common.records_context import Failed, RecordsContext
from compounder.ui.common.table_model import RowsModel, rows_table, select_key, selected_key
from compounder.ui.common.view_sizing import ColumnWidthStore

USER_HEADERS = ("User name", "Full name", "Role", "Status", "Since")


LOCKED = f"locked after {people.LOCK_AFTER} failed sign-ins"


def _status(user: people.UserInfo) -> str:
    status = "active" if user.active else "deactivated"
    return f"{status}, {LOCKED}" if user.locked else status


def _password() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class UsersDialog(QDialog):
    def __init__(self, context: RecordsContext, parent: QWidget | None = None, *, widths: ColumnWidthStore | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("User accounts")
        self.resize(900, 640)
        self._context = context
        self._versions: dict[str, int] = {}  # user name → the account's version as listed: a change is made on top of it
        self.model = RowsModel(USER_HEADERS, self)
        self.view = rows_table(self.model, widths, "users")
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected_changed())

        self.role = QComboBox()
        for role in ROLES:
            self.role.addItem(role, role)
        self.change_role_button = QPushButton("Change &role")
        self.change_role_button.clicked.connect(self.change_role)
        self.active_button = QPushButton("&Deactivate")
        self.active_button.clicked.connect(self.toggle_active)
        self.reset_password, self.reset_repeat = _password(), _password()
        self.reset_button = QPushButton("Re&set password")
        self.reset_button.clicked.connect(self.reset)
        chosen = QFormLayout()
        role_row = QHBoxLayout()
        role_row.addWidget(self.role, 1)
        role_row.addWidget(self.change_role_button)
        role_row.addWidget(self.active_button)
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setToolTip("Let an account locked after failed sign-ins sign in again")
        self.unlock_button.clicked.connect(self.unlock)
        role_row.addWidget(self.unlock_button)
        chosen.addRow("Role", role_row)
        chosen.addRow("New password", self.reset_password)
        reset_row = QHBoxLayout()
        reset_row.addWidget(self.reset_repeat, 1)
        reset_row.addWidget(self.reset_button)
        chosen.addRow("New password again", reset_row)
        self.chosen_box = QGroupBox("Selected user")
        self.chosen_box.setLayout(chosen)

        self.username, self.full_name = QLineEdit(), QLineEdit()
        self.username.setPlaceholderText("2–64 lower-case letters, digits, dots, dashes")
        self.full_name.setPlaceholderText("as it is to appear on records, e.g. Paula Pharmacist, RPh")
        self.new_role = QComboBox()
        for role in ROLES:
            self.new_role.addItem(role, role)
        self.password, self.repeat = _password(), _password()
        self.password.setPlaceholderText(f"at least {MIN_PASSWORD} characters")
        self.add_button = QPushButton("&Add user")
        self.add_button.clicked.connect(self.add)
        form = QFormLayout()
        form.addRow("&User name", self.username)
        form.addRow("&Full name", self.full_name)
        form.addRow("R&ole", self.new_role)
        form.addRow("&Password", self.password)
        form.addRow("Password a&gain", self.repeat)
        form.addRow("", self.add_button)
        add_box = QGroupBox("Add a user")
        add_box.setLayout(form)

        self.message = message_label()
        self.done_label = QLabel()
        self.done_label.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.chosen_box)
        layout.addWidget(add_box)
        layout.addWidget(self.message)
        layout.addWidget(self.done_label)
        layout.addWidget(close)
        context.signed_in.connect(lambda _actor: self.refresh())
        # Opens on the first field to type in (the list is read, not typed into).
        reading_order(self, self.username, self.full_name, self.new_role, self.password, self.repeat, self.add_button)
        self.refresh()

    # ------------------------------------------------------------------ display
    def _administrator(self) -> Actor | None:
        actor = self._context.actor
        try:
            if actor is None:
                raise RecordError("sign in as an administrator to manage user accounts")
            may_manage_users(actor)
        except RecordError as error:
            self.message.setText(str(error))
            return None
        return actor

    def refresh(self) -> None:
        allowed = self._context.actor is not None and self._context.actor.role is Role.ADMINISTRATOR
        if not allowed:
            self.model.set_rows([])
            self._administrator()
            self._enable(False)
            return
        selected = self.selected()
        found = self._context.run(people.users, write=False)
        if isinstance(found, Failed):
            self.message.setText(found.text)
            return
        self._versions = {u.username: u.version for u in found}
        self.model.set_rows(
            [(u.username, u.full_name, u.role.value, _status(u), u.created_at.date().isoformat()) for u in found],
            [None if u.active and not u.locked else ERROR_TEXT for u in found],
        )
        self._enable(True)
        if selected:
            self.select(selected)
        self._selected_changed()

    def _enable(self, allowed: bool) -> None:
        for widget in (self.username, self.full_name, self.new_role, self.password, self.repeat, self.add_button):
            widget.setEnabled(allowed)
        self.chosen_box.setEnabled(allowed and self.selected() is not None)

    def selected(self) -> str | None:
        return selected_key(self.view, self.model)

    def select(self, username: str) -> None:
        select_key(self.view, self.model, username)

    def _selected_changed(self) -> None:
        username = self.selected()
        self.chosen_box.setEnabled(username is not None)
        if username is None:
            self.chosen_box.setTitle("Selected user: none (choose one in the list)")
            return
        row = next(self.model.row(r) for r in range(self.model.rowCount()) if self.model.row(r)[0] == username)
        self.chosen_box.setTitle(f"Selected user: {username} ({row[1]})")
        self.role.setCurrentIndex(self.role.findData(row[2]))
        self.active_button.setText("&Reactivate" if row[3] == "deactivated" else "&Deactivate")
        self.unlock_button.setEnabled(row[3].endswith(LOCKED))

    # ------------------------------------------------------------------ changes
    def _change(self, change, done: str) -> bool:
        actor = self._administrator()
        if actor is None:
            return False
        failed = self._context.run(lambda session: change(session, actor, self._context.clock()))
        if isinstance(failed, Failed):
            self.done_label.setText("")
            if isinstance(failed.error, EditConflict):  # changed on another workstation: show the newest, to apply the change again on it
                self.refresh()
            self.message.setText(failed.text)
            return False
        self.message.setText("")
        self.done_label.setText(done)
        self.refresh()
        return True

    def add(self) -> None:
        username = self.username.text().strip().lower()
        try:
            check_new_password(self.password.text(), self.repeat.text())
        except RecordError as error:
            self.message.setText(f"password: {error}")
            self.password.setFocus()
            return
        role = self.new_role.currentData()
        if self._change(
            lambda s, actor, now: people.create_user(s, actor, username, self.full_name.text(), role, self.password.text(), now),
            f"Added {username} ({role}).",
        ):
            for field in (self.username, self.full_name, self.password, self.repeat):
                field.clear()
            self.select(username)

    def change_role(self) -> None:
        username, role = self.selected(), self.role.currentData()
        if username is not None:
            self._change(lambda s, actor, now: people.change_role(s, actor, username, role, now, expected_version=self._versions.get(username)), f"{username} is now a {role}.")

    def toggle_active(self) -> None:
        username = self.selected()
        if username is None:
            return
        row = next(self.model.row(r) for r in range(self.model.rowCount()) if self.model.row(r)[0] == username)
        active = row[3].startswith("deactivated")
        self._change(
            lambda s, actor, now: people.set_active(s, actor, username, active, now, expected_version=self._versions.get(username)),
            f"{username} is {'active again' if active else 'deactivated: they can no longer sign in; their signatures stay'}.",
        )

    def unlock(self) -> None:
        username = self.selected()
        if username is not None:
            self._change(lambda s, actor, now: people.unlock(s, actor, username, now, expected_version=self._versions.get(username)), f"{username} may sign in again.")

    def reset(self) -> None:
        username = self.selected()
        if username is None:
            return
        try:
            check_new_password(self.reset_password.text(), self.reset_repeat.text())
        except RecordError as error:
            self.message.setText(f"new password: {error}")
            self.reset_password.setFocus()
            return
        if self._change(
            lambda s, actor, now: people.reset_password(
                s, actor, username, self.reset_password.text(), now, expected_version=self._versions.get(username),
            ),
            f"New password set for {username}; ask them to keep it to themselves.",
        ):
            self.reset_password.clear()
            self.reset_repeat.clear()
