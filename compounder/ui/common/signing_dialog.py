"""The one signing dialog: every signature the window stores is given here, at the moment it is made
(21 CFR 11.200), with the same keys for every meaning.

Use::

    result = sign(parent, context, "verified", "Batch 261123-001 …", stored(context, write))

``write(session, signature)`` is the records call that stores the signature; ``stored`` runs it in
one transaction of ``context`` with the signer's ``Credentials`` (``signature.credentials``), which
the records check in that same transaction (``compounder.records.signing``). (A records call that
opens its own transaction, such as ``FormulaLibrary.approve``, is given as ``store(signature)``
directly.) ``sign`` returns what ``store`` returned, or None when the signer cancelled. A refusal
(wrong password, a role that may not sign this, a record changed since it was shown) is said
inline, the field it concerns named, and the dialog stays open; a wrong password is counted on the account as at a sign-in.

Keys: the dialog opens with the user name of whoever is signed in (a continuous session) and the
focus in the password field, so a solo pharmacist types the password and presses Enter; another
person signing at this workstation replaces the user name (Shift+Tab). Escape cancels, storing
nothing. ``reasons=`` adds reason fields above the user name (a confirmation by hand, a typed
weight: one; findings acknowledged or overridden: one per finding, each framed with the finding it
answers, an override with its own tick), and the dialog opens on the first: Enter goes on to the
next field still empty (the next reason, the tick, the password), then signs. The reasons are
checked before the password, so a missing one costs no password attempt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from compounder.records.errors import RecordsError
from compounder.records.signing import Credentials
from compounder.ui.common.inline_error import credential_fields, error_label, fit_to_messages, say

if TYPE_CHECKING:
    from compounder.records.boundary import Session
    from compounder.ui.common.records_context import RecordsContext

T = TypeVar("T")

#: The most the reason boxes take of the dialog's height before they scroll (several findings).
REASONS_HEIGHT = 520

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
    "lot receipt": "Sign the lot receipt",  # one lot or a delivery of several
    "quality log entry": "Sign the quality log entry",
    "hand confirmation": "Sign the confirmation by hand",
    "typed weight": "Sign the reason for a typed weight",
    "lot change": "Sign the change to the lot",
    "witness": "Sign as witness",
}


@dataclass(frozen=True)
class Signature:
    """What the signer typed: their credentials and, where asked, the reasons (one per reason
    field, in the dialog's order)."""

    credentials: Credentials = field(repr=False)
    reasons: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        """The one reason of a dialog that asks one ("" where none is asked)."""
        return self.reasons[0] if self.reasons else ""


@dataclass(frozen=True)
class Reason:
    """A reason field: its label and the example shown in it. For a reason per finding: what it
    answers (``about``, rich text shown above it, framed in ``colour``), a tick the signer sets as
    well (``confirm``: an override is confirmed on its own) and ``name``, which names the field
    (``reason.<name>``, its message ``reasonMessage.<name>``, its tick ``confirm.<name>``)."""

    label: str
    placeholder: str
    about: str = ""
    colour: str = ""
    confirm: str = ""
    name: str = ""


class SigningDialog(QDialog):
    """The signing dialog (``sign`` opens it); ``result_value`` holds what ``store`` returned."""

    def __init__(self, context: RecordsContext, meaning: str, subject_text: str, store: Callable[[Signature], object],
                 parent: QWidget | None = None, *, reasons: Sequence[Reason] = (), title: str | None = None,
                 another_person: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("signingDialog")
        self._context, self._store = context, store
        self.meaning = meaning
        self.result_value: object = None
        heading = MEANINGS.get(meaning, f"Sign: {meaning}")
        self.setWindowTitle(title or heading)
        layout = self._layout = QVBoxLayout(self)
        self.meaning_label = QLabel(f"<b>{heading}</b> — meaning of this signature: <b>{meaning}</b>", self)
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
        self.reasons: list[QLineEdit] = []
        self.reason_messages: list[QLabel] = []
        self.ticks: list[QCheckBox | None] = []  # each reason's tick to set as well (an override), or None
        self._reason_body: QWidget | None = None
        self._reason_area = self._reason_fields(reasons, layout)
        form = QFormLayout()
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
        self.setMinimumWidth(640 if self._reason_area is not None else 520)
        signed_in = None if another_person else context.actor  # a witness is not whoever is signed in: their name is typed
        if signed_in is not None:
            self.username.setText(signed_in.username)
        first = self.reasons[0] if self.reasons else (self.password if signed_in is not None else self.username)
        first.setFocus()

    def _reason_fields(self, reasons: Sequence[Reason], layout: QVBoxLayout) -> QScrollArea | None:
        """The reason fields, above the user name: a plain row for a reason that answers nothing
        shown; for reasons about findings, a framed box each (what it answers, the field labelled
        with it, its tick), in a scroll area as tall as they need up to ``REASONS_HEIGHT``. Made
        in the order they are read, so Tab goes from one to the next."""
        plain = QFormLayout()
        layout.addLayout(plain)
        area: QScrollArea | None = None
        boxes: QVBoxLayout | None = None
        if any(reason.about for reason in reasons):
            area = _ReasonsArea(self)
            area.setObjectName("reasons")
            area.setWidgetResizable(True)
            area.setFrameShape(QFrame.Shape.NoFrame)
            area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from field to field, not to the area
            body = self._reason_body = QWidget(area)
            boxes = QVBoxLayout(body)
            boxes.setContentsMargins(0, 0, 0, 0)
            area.setWidget(body)
            layout.addWidget(area, 1)
        for reason in reasons:
            box: QWidget
            if reason.about and boxes is not None:
                box = QFrame(boxes.parentWidget())
                form = self._reason_box(reason, box)
                boxes.addWidget(box)
            else:
                box, form = self, plain
            suffix = f".{reason.name}" if reason.name else ""
            field_ = QLineEdit(box)
            field_.setObjectName(f"reason{suffix}")
            field_.setPlaceholderText(reason.placeholder)
            message = error_label(box, f"reasonMessage{suffix}")
            form.addRow(reason.label, field_)
            form.addRow("", message)
            tick: QCheckBox | None = None
            if reason.confirm:
                tick = QCheckBox(reason.confirm, box)
                tick.setObjectName(f"confirm{suffix}")
                form.addRow("", tick)
            self.reasons.append(field_)
            self.reason_messages.append(message)
            self.ticks.append(tick)
        if boxes is not None:
            boxes.addStretch(1)
        return area

    @staticmethod
    def _reason_box(reason: Reason, box: QFrame) -> QFormLayout:
        """``box`` framed and saying what its reason answers; the form its field goes in."""
        box.setObjectName(f"reasonBox_{reason.name}")
        if reason.colour:
            width = 3 if reason.confirm else 1  # a reason with its own tick (an override) stands out
            box.setStyleSheet(f"QFrame#reasonBox_{reason.name} {{ border: {width}px solid {reason.colour}; border-radius: 4px; }}")
        inner = QVBoxLayout(box)
        about = QLabel(reason.about, box)
        about.setObjectName(f"about.{reason.name}")
        about.setWordWrap(True)
        inner.addWidget(about)
        form = QFormLayout()
        inner.addLayout(form)
        return form

    def showEvent(self, event: QShowEvent) -> None:
        """Tall enough for every reason box (up to ``REASONS_HEIGHT``), so none is cut off, and no
        taller (``_ReasonsArea``)."""
        super().showEvent(event)
        area, body = self._reason_area, self._reason_body
        if area is not None and body is not None:
            self._layout.activate()
            needed = body.heightForWidth(area.viewport().width())
            area.setMinimumHeight(min(needed if needed > 0 else body.sizeHint().height(), REASONS_HEIGHT))
            area.updateGeometry()
            self._layout.activate()
            self.resize(self.width(), self._layout.totalHeightForWidth(self.width()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter: on to the next field still empty after the one with the keys (a reason, its
        tick, the password), so reasons are typed one after the other; once none is, Enter signs."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            following = self._next_empty()
            if following is not None:
                self._focus(following)
                event.accept()
                return
        super().keyPressEvent(event)

    def accept(self) -> None:
        """Check what can be checked without the password, then store the signature with it in one
        transaction; a refusal is said beside its field and the dialog stays open."""
        self._sign()
        if self.isVisible():
            fit_to_messages(self)  # the whole refusal shown

    def _focus(self, widget: QWidget) -> None:
        """The keys to ``widget``, scrolled into view when it is in a reason box."""
        widget.setFocus()
        if self._reason_area is not None and self._reason_area.isAncestorOf(widget):
            self._reason_area.ensureWidgetVisible(widget)

    def _next_empty(self) -> QWidget | None:
        """The first field after the focused one still to fill (a reason, a tick, the user
        name, the password), or None: Enter signs."""
        chain: list[tuple[QWidget, bool]] = []
        for field_, tick in zip(self.reasons, self.ticks, strict=True):
            chain.append((field_, bool(field_.text().strip())))
            if tick is not None:
                chain.append((tick, tick.isChecked()))
        chain += [(self.username, bool(self.username.text().strip())), (self.password, bool(self.password.text()))]
        widgets = [widget for widget, _filled in chain]
        focus = self.focusWidget()
        if focus not in widgets:
            return None
        return next((widget for widget, filled in chain[widgets.index(focus) + 1:] if not filled), None)

    def _sign(self) -> None:
        from compounder.records.people import AuthenticationFailed
        from compounder.records.policy import RecordError, check_reason
        from compounder.records.signing import count_refusal

        for label in (*self.reason_messages, self.username_message, self.password_message, self.message):
            say(label, "")
        given: list[str] = []
        first_problem: QWidget | None = None
        for field_, label, tick in zip(self.reasons, self.reason_messages, self.ticks, strict=True):
            try:
                given.append(check_reason(field_.text()))
            except RecordError as error:
                say(label, f"Reason: {error}")
                first_problem = first_problem or field_
            if tick is not None and not tick.isChecked():
                say(label, "\n".join(filter(None, (label.text(), f"Tick “{tick.text()}” to confirm it."))))
                first_problem = first_problem or tick
        if first_problem is not None:  # said before the password is tried: a missing reason costs no attempt
            self._focus(first_problem)
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
            self.result_value = self._store(Signature(credentials, tuple(given)))
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


class _ReasonsArea(QScrollArea):
    """The reason boxes' scroll area, as tall as its boxes need (its minimum height, set once the
    dialog is shown): a scroll area's own size hint wraps their text too narrow, so too tall."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), self.minimumHeight()) if self.minimumHeight() else hint


def sign(parent: QWidget | None, context: RecordsContext, meaning: str, subject_text: str, store: Callable[[Signature], T], *,
         reasons: Sequence[Reason] = (), title: str | None = None, another_person: bool = False) -> T | None:
    """Ask for the signature of ``meaning`` on what ``subject_text`` describes and store it with
    ``store`` (see the module's docstring); what ``store`` returned, or None when cancelled.
    ``another_person``: the user name is typed, not filled in with whoever is signed in (a witness)."""
    return signed(SigningDialog(context, meaning, subject_text, store, parent, reasons=reasons, title=title, another_person=another_person))


def signed(dialog: SigningDialog) -> Any:
    """``dialog`` shown until signed or cancelled, then deleted: what its ``store`` returned, or
    None when cancelled."""
    try:
        return dialog.result_value if dialog.exec() else None
    finally:
        dialog.deleteLater()


def stored(context: RecordsContext, write: Callable[[Session, Signature], T]) -> Callable[[Signature], T]:
    """``write(session, signature)`` run in one transaction of ``context``: the signature's
    password is checked in the transaction that stores it."""

    def store(signature: Signature) -> T:
        with context.transaction() as session:
            return write(session, signature)

    return store
