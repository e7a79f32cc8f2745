"""A pharmacist's signature given at the moment it is made, by user name and password, for a
meaning that needs no reason (a refill's formula changes checked). One function,
``ask_password_signature``, so that every caller switches to the one signing dialog together.

``sign`` is the records' own check (it reads the password, the account and the role, and
counts a wrong password); a refusal is shown beside the fields and the dialog stays open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from compounder.records.errors import DatabaseFailed
from compounder.records.policy import RecordError
from compounder.ui.common.inline_error import credential_fields, error_label, say

T = TypeVar("T")


class PasswordSignatureDialog(QDialog):
    """User name and password under what is signed; ``signed`` holds ``sign``'s result once accepted."""

    def __init__(self, title: str, what: str, sign: Callable[[str, str], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passwordSignatureDialog")
        self.setWindowTitle(title)
        self._sign = sign
        self.signed: object | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(what, self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.username, self.password = credential_fields(self)
        form.addRow("Pharmacist's &user name:", self.username)
        form.addRow("&Password:", self.password)
        layout.addLayout(form)
        self.message = error_label(self, "signInMessage")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Sign")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self.username.setFocus()

    def accept(self) -> None:
        say(self.message, "")
        if not self.username.text().strip() or not self.password.text():
            say(self.message, "Sign: the pharmacist's own user name and password.")
            (self.username if not self.username.text().strip() else self.password).setFocus()
            return
        try:
            self.signed = self._sign(self.username.text(), self.password.text())
        except RecordError as error:
            say(self.message, f"{error}; nothing was signed")
            self.password.clear()
            self.password.setFocus()
            return
        except DatabaseFailed as error:
            say(self.message, f"the users could not be read: {error.__class__.__name__}; nothing was signed")
            return
        self.password.clear()
        super().accept()


def ask_password_signature(parent: QWidget | None, title: str, what: str, sign: Callable[[str, str], T]) -> T | None:
    """Ask for a signature now; ``sign``'s result, or None when cancelled."""
    dialog = PasswordSignatureDialog(title, what, sign, parent)
    return dialog.signed if dialog.exec() else None  # type: ignore[return-value]  # sign's own result
