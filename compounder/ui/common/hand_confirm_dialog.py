"""The weighing station's confirmation by hand (F8): the pharmacist who overrides a container
that would not scan signs for it there and then, with their own user name and password and the
reason, whoever the station is signed in as. The same signature, worded for it, where the
pharmacy's weighing policy asks one: a weight typed where the balance is required, a lot chosen
from the list where the scan is (``PolicyReason``).

The password is checked by ``sign_in`` (the records' ``people.sign_in``: a wrong one is counted
on the account and audited, the fifth in a row locks it); ``confirm`` writes the confirmation as
the one who signed, and the records read that account again inside the write (active, not
locked, a pharmacist), with the password checked again there (``signing.signer``). Any refusal is shown beside its field and nothing is recorded; the dialog
stays open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from compounder.records.errors import DatabaseFailed
from compounder.records.people import AuthenticationFailed
from compounder.records.policy import Actor, PermissionRefused, RecordError, check_reason
from compounder.records.signing import Credentials
from compounder.ui.common.inline_error import credential_fields, error_label, say

SignIn = Callable[[str, str], Actor]
Confirm = Callable[[Actor, Credentials, str], None]  # who signed, their credentials for the write to check again, the reason


@dataclass(frozen=True)
class Wording:
    """What the dialog says: its title, what is signed for, the reason's example, the button."""

    title: str
    what: str
    placeholder: str
    button: str


BY_HAND = Wording(
    "Confirm the container by hand — pharmacist signs", "the container is confirmed without a scan",
    "Why no scan (e.g. label torn; name and lot read on the container by eye)", "Sign and confirm by hand",
)


def typed_weight(weights: str) -> Wording:
    """A weight typed where the pharmacy requires the balance (``weights``: "3.6 g", or each line's)."""
    return Wording(
        "Typed weight — pharmacist signs", f"{weights} typed, not read from the balance the pharmacy requires",
        "Why no balance reading (e.g. balance out for calibration; read from the backup balance)", "Sign and record the typed weight",
    )


def unscanned_lot() -> Wording:
    """A lot chosen from the list where the pharmacy requires the scan."""
    return Wording(
        "Lot chosen without a scan — pharmacist signs", "the lot is chosen from the list, not scanned as the pharmacy requires",
        "Why no scan (e.g. scanner out of order; name and lot read on the container by eye)", "Sign and use the lot",
    )


class HandConfirmDialog(QDialog):
    def __init__(self, line_text: str, sign_in: SignIn, confirm: Confirm, parent: QWidget | None = None, wording: Wording = BY_HAND) -> None:
        super().__init__(parent)
        self.setObjectName("handConfirmDialog")
        self.setWindowTitle(wording.title)
        self._sign_in, self._confirm = sign_in, confirm
        self.signer: Actor | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>{line_text}: {wording.what}.</b> A pharmacist signs for it now with their own "
            "user name and password; it is recorded under their name with the reason.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.username, self.password = credential_fields(self)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText(wording.placeholder)
        form.addRow("Pharmacist's &user name:", self.username)
        form.addRow("&Password:", self.password)
        layout.addLayout(form)
        self.sign_in_message = error_label(self, "signInMessage")
        layout.addWidget(self.sign_in_message)
        reasons = QFormLayout()
        reasons.addRow("&Reason:", self.reason)
        layout.addLayout(reasons)
        self.reason_message = error_label(self, "reasonMessage")
        layout.addWidget(self.reason_message)
        self.message = error_label(self, "message")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(wording.button)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self.username.setFocus()

    def accept(self) -> None:
        """Reason and sign-in fields first (a missing reason costs no password attempt), then the
        password, then the write; the dialog closes only once the confirmation is recorded."""
        for label in (self.sign_in_message, self.reason_message, self.message):
            say(label, "")
        try:
            reason = check_reason(self.reason.text())
        except RecordError as error:
            say(self.reason_message, f"Reason: {error}")
            self.reason.setFocus()
            return
        if not self.username.text().strip() or not self.password.text():
            say(self.sign_in_message, "Sign: the pharmacist's own user name and password.")
            (self.username if not self.username.text().strip() else self.password).setFocus()
            return
        try:
            signer = self._sign_in(self.username.text(), self.password.text())
        except RecordError as error:
            self._refused(str(error))
            return
        except DatabaseFailed as error:
            say(self.message, f"the users could not be read: {error.__class__.__name__}; nothing was recorded")
            return
        try:
            self._confirm(signer, Credentials(self.username.text().strip(), self.password.text()), reason)
        except (PermissionRefused, AuthenticationFailed) as error:  # the role, or the account switched off or locked meanwhile
            self._refused(f"{error}; nothing was recorded")
            return
        except RecordError as error:
            say(self.message, f"{error}; nothing was recorded")
            return
        except DatabaseFailed as error:
            say(self.message, f"the confirmation could not be written: {error.__class__.__name__}; nothing was recorded")
            return
        self.signer = signer
        self.password.clear()
        super().accept()

    def _refused(self, text: str) -> None:
        say(self.sign_in_message, text)
        self.password.clear()
        self.password.setFocus()
