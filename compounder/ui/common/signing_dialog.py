"""The one signing dialog: every signature the window stores is given here, at the moment it is made
(21 CFR 11.200), with the same keys for every meaning.

Use::

    result = sign(parent, context, "verified", "Batch 261123-001 …", stored(context, write))

``write(session, signature)`` is the records call that stores the signature; ``stored`` runs it in
one transaction of ``context`` with the signer's ``Credentials`` (``signature.credentials``), which
the records check in that same transaction (``compounder.records.signing``). (A records call that
opens its own transaction, such as ``FormulaLibrary.approve``, is given as ``store(signature)``
directly.) ``sign`` returns what ``store`` returned, or None when the signer cancelled. A refusal (wrong password, a role that may
not sign this, a record changed since it was shown) is said inline, the field it concerns named,
and the dialog stays open; a wrong password is counted on the account as at a sign-in.

Keys: the dialog opens with the user name of whoever is signed in (a continuous session) and the
focus in the password field, so a solo pharmacist types the password and presses Enter; another
person signing at this workstation replaces the user name (Shift+Tab). Escape cancels, storing
nothing. ``reason=`` adds a reason field (a confirmation by hand, a typed weight); the reason is
asked before the password, so a missing one costs no password attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from compounder.records.errors import RecordsError
from compounder.records.signing import Credentials
from compounder.ui.common.inline_error import credential_fields, error_label, fit_to_messages, say

if TYPE_CHECKING:
    from compounder.records.boundary import Session
    from compounder.ui.common.records_context import RecordsContext

T = TypeVar("T")

#: What each meaning is called in the dialog's title and button (the records' own action names).
MEANINGS: dict[str, str] = {
    "prepared": "Sign as preparer",
    "checked": "Sign as checker",
    "verified": "Sign as verifying pharmacist",
    "rejected": "Sign the rejection",
    "dispensed": "Sign as dispensed (released)",
    "approve": "Sign the approval of the master formula",
    "override": "Sign the override",
    "acknowledge": "Sign the acknowledgement",
    "refill change": "Sign the refill change",
    "lot receipt": "Sign the lot's receipt",
    "hand confirmation": "Sign the confirmation by hand",
}


@dataclass(frozen=True)
class Signature:
    """What the signer typed: their credentials and, where asked, the reason."""

    credentials: Credentials = field(repr=False)
    reason: str = ""


@dataclass(frozen=True)
class Reason:
    """A reason field: its label and the example shown in it."""

    label: str
    placeholder: str


class SigningDialog(QDialog):
    """The signing dialog (``sign`` opens it); ``result_value`` holds what ``store`` returned."""

    def __init__(self, context: RecordsContext, meaning: str, subject_text: str, store: Callable[[Signature], object],
                 parent: QWidget | None = None, *, reason: Reason | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signingDialog")
        self._context, self._store = context, store
        self.meaning = meaning
        self.result_value: object = None
        title = MEANINGS.get(meaning, f"Sign: {meaning}")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.meaning_label = QLabel(f"<b>{title}</b> — meaning of this signature: <b>{meaning}</b>", self)
        self.meaning_label.setObjectName("meaning")
        self.meaning_label.setWordWrap(True)
        layout.addWidget(self.meaning_label)
        self.subject = QLabel(subject_text, self)
        self.subject.setObjectName("subject")
        self.subject.setWordWrap(True)
        self.subject.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.subject)
        note = QLabel("Your printed name, the date and time and this meaning are stored with the record and printed on it.", self)
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.reason: QLineEdit | None = None
        self.reason_message = error_label(self, "reasonMessage")
        if reason is not None:
            self.reason = QLineEdit(self)
            self.reason.setObjectName("reason")
            self.reason.setPlaceholderText(reason.placeholder)
            form.addRow(reason.label, self.reason)
            form.addRow("", self.reason_message)
        self.username, self.password = credential_fields(self)
        self.username_message = error_label(self, "usernameMessage")
        self.password_message = error_label(self, "passwordMessage")
        form.addRow("&User name:", self.username)
        form.addRow("", self.username_message)
        form.addRow("&Password:", self.password)
        form.addRow("", self.password_message)
        layout.addLayout(form)
        self.message = error_label(self, "message")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.sign_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_button.setText("&Sign")
        self.sign_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        signed_in = context.actor
        if signed_in is not None:
            self.username.setText(signed_in.username)
        first = self.reason if self.reason is not None else (self.password if signed_in is not None else self.username)
        first.setFocus()

    def accept(self) -> None:
        """Check what can be checked without the password, then store the signature with it in one
        transaction; a refusal is said beside its field and the dialog stays open."""
        self._sign()
        if self.isVisible():
            fit_to_messages(self)  # the whole refusal shown

    def _sign(self) -> None:
        from compounder.records.people import AuthenticationFailed
        from compounder.records.policy import RecordError, check_reason
        from compounder.records.signing import count_refusal

        for label in (self.reason_message, self.username_message, self.password_message, self.message):
            say(label, "")
        reason = ""
        if self.reason is not None:
            try:
                reason = check_reason(self.reason.text())
            except RecordError as error:
                say(self.reason_message, f"Reason: {error}")
                self.reason.setFocus()
                return
        if not self.username.text().strip():
            say(self.username_message, "User name: give the user name of whoever signs.")
            self.username.setFocus()
            return
        if not self.password.text():
            say(self.password_message, "Password: type your password to sign.")
            self.password.setFocus()
            return
        credentials = Credentials(self.username.text().strip(), self.password.text())
        try:
            self.result_value = self._store(Signature(credentials, reason))
        except AuthenticationFailed:
            try:
                shown: Exception = count_refusal(self._context.sessions, credentials, self._context.clock())
            except RecordsError as error:
                shown = error
            say(self.password_message, f"Password: {shown}")
            self.password.clear()
            self.password.setFocus()
            return
        except RecordsError as error:
            from compounder.ui.common.records_context import problem_text

            say(self.message, f"{problem_text(error)} — nothing was signed")
            self.password.clear()
            self.password.setFocus()
            return
        self.password.clear()
        super().accept()


def sign(parent: QWidget | None, context: RecordsContext, meaning: str, subject_text: str, store: Callable[[Signature], T], *,
         reason: Reason | None = None) -> T | None:
    """Ask for the signature of ``meaning`` on what ``subject_text`` describes and store it with
    ``store`` (see the module's docstring); what ``store`` returned, or None when cancelled."""
    dialog = SigningDialog(context, meaning, subject_text, store, parent, reason=reason)
    try:
        return dialog.result_value if dialog.exec() else None  # type: ignore[return-value]
    finally:
        dialog.deleteLater()


def stored(context: RecordsContext, write: Callable[[Session, Signature], T]) -> Callable[[Signature], T]:
    """``write(session, signature)`` run in one transaction of ``context``: the signature's
    password is checked in the transaction that stores it."""

    def store(signature: Signature) -> T:
        with context.transaction() as session:
            return write(session, signature)

    return store
