"""Sign in: user name and password; a wrong one is said in the dialog, which stays open (and a
fresh database offers its first accounts)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from compounder.records.errors import RecordsError
from compounder.ui.common.inline_error import fit_to_messages, message_label
from compounder.ui.common.records_context import RecordsContext, problem_text


class SignInDialog(QDialog):
    """User name and password; a wrong one is said in the dialog, which stays open."""

    def __init__(self, context: RecordsContext, parent: QWidget | None = None, *, username: str = "") -> None:
        """``username`` filled in (the first pharmacist, after the first accounts): the dialog
        opens on the password, its first empty field."""
        super().__init__(parent)
        self.setWindowTitle("Sign in")
        self.setMinimumWidth(400)  # room for a lock or first-run message on few lines
        self._context = context
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = message_label()
        form = QFormLayout()
        form.addRow("&User name", self.username)
        form.addRow("&Password", self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        # Shown when the database has no account: the first ones are made here, not on the command line.
        self.first_accounts_button = QPushButton("Create the first accounts…")
        self.first_accounts_button.clicked.connect(self.create_first_accounts)
        self.first_accounts_button.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.first_accounts_button)
        layout.addWidget(buttons)
        if username:
            self.username.setText(username)
            self.password.setFocus()

    def try_sign_in(self) -> None:
        from compounder.records import people

        try:
            self._context.sign_in(self.username.text(), self.password.text())
        except RecordsError as error:
            self.message.setText(problem_text(error))
            self.first_accounts_button.setVisible(isinstance(error, people.NoAccounts))
            fit_to_messages(self)  # the whole message shown, a lockout's three lines too
            self.password.clear()
            self.password.setFocus()
            return
        self.accept()

    def create_first_accounts(self) -> None:
        from compounder.ui.records.first_accounts_dialog import FirstAccountsDialog

        if FirstAccountsDialog(self._context, self).exec():
            self.first_accounts_button.setVisible(False)
            self.message.setText("The accounts are made: sign in with one of them.")
