"""The first accounts of a new pharmacy database: an administrator (who manages accounts and the
rules) and a pharmacist (who verifies), made in one go, so the window needs no command line.

Offered when the database has no account (Records ▸ Create the first accounts…, and from the
sign-in when it finds none). ``compounder.records.people.create_first_accounts`` does the work
and refuses it once any account exists. A refusal names the field, under the form. Enter in any
field creates both (the last one's too). With ``sign_in_administrator`` the administrator, who
has just typed their password twice, is then signed in with it (``RecordsContext.sign_in``,
audited as any sign-in), so the pharmacy's settings can follow at once (issue 28).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from compounder.records import people
from compounder.records.errors import RecordsError
from compounder.records.policy import MIN_PASSWORD, Actor
from compounder.ui.common.inline_error import message_label
from compounder.ui.common.records_context import Failed, RecordsContext


class _AccountForm(QGroupBox):
    def __init__(self, title: str, username: str, full_name: str) -> None:
        super().__init__(title)
        self.username, self.full_name = QLineEdit(), QLineEdit()
        self.username.setPlaceholderText(username)
        self.full_name.setPlaceholderText(full_name)
        self.password, self.repeat = QLineEdit(), QLineEdit()
        for field in (self.password, self.repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"at least {MIN_PASSWORD} characters")
        form = QFormLayout(self)
        form.addRow("User name", self.username)
        form.addRow("Full name", self.full_name)
        form.addRow("Password", self.password)
        form.addRow("Password again", self.repeat)

    def spec(self) -> people.NewAccount:
        return people.NewAccount(self.username.text(), self.full_name.text(), self.password.text(), self.repeat.text())


class FirstAccountsDialog(QDialog):
    def __init__(self, context: RecordsContext, parent: QWidget | None = None, *, sign_in_administrator: bool = False) -> None:
        super().__init__(parent)
        self._sign_in_administrator = sign_in_administrator
        self.made: tuple[Actor, Actor] | None = None  # the administrator and the pharmacist, once made
        self.setWindowTitle("Create the first accounts")
        self.setObjectName("firstAccountsDialog")
        self._context = context
        intro = QLabel(
            "This pharmacy database has no account yet. Create the administrator, who adds the other accounts and sets "
            "self-verification and the tolerances, and the first pharmacist, who verifies batches. Each signs with their own password."
        )
        intro.setWordWrap(True)
        self.administrator = _AccountForm("Administrator", "admin", "Ada Admin")
        self.pharmacist = _AccountForm("Pharmacist", "paula", "Paula Pharmacist, RPh")
        self.message = message_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create both accounts")
        buttons.accepted.connect(self.create)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.administrator)
        layout.addWidget(self.pharmacist)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def create(self) -> None:  # type: ignore[override]  # the dialog's OK; QWidget.create (native window) is never called on a dialog
        made = self._context.run(
            lambda session: people.create_first_accounts(session, self.administrator.spec(), self.pharmacist.spec(), self._context.clock()),
        )
        if isinstance(made, Failed):
            self.message.setText(made.text)
            return
        self.made = made
        if self._sign_in_administrator:
            try:
                self._context.sign_in(made[0].username, self.administrator.password.text())
            except RecordsError:  # made, but not signed in (the database went away): Records ▸ Sign in… later
                pass
        self.accept()
