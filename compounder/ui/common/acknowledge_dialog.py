"""A pharmacist's signed decision on the findings that stop a batch: each warning acknowledged and
each error of the patient screening overridden, with the reason.

The pharmacist signs in here (user name and password, checked against the users table by the
``authenticate`` callable the window passes in); ``compounder.records.policy.may_decide_finding``
says whether that account may decide and whether each reason is one. An override is set apart:
it is framed in the error colour, worded as what it is, and must be confirmed with its own tick.
Nothing here decides pharmacy questions; every refusal is the records' own words, shown in the
dialog beside the field it concerns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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

from compounder.calc import Finding, Severity
from compounder.calc.prescription import Acknowledgement
from compounder.records.errors import DatabaseFailed
from compounder.records.policy import PermissionRefused, RecordError, check_reason, may_decide_finding
from compounder.records.screening import Signer
from compounder.records.signing import Credentials
from compounder.ui.common import look
from compounder.ui.common.inline_error import credential_fields, error_label, say

Authenticate = Callable[[str, str], Signer]


@dataclass(frozen=True)
class SignedDecision:
    """One finding decided: by whom, why, and whether it is an override."""

    finding: Finding
    signer: Signer
    reason: str
    at: dt.datetime

    @property
    def credentials(self) -> Credentials:
        """What the signer typed, for the records to check again in the write that stores the decision."""
        if self.signer.credentials is None:
            raise RecordError(f"{self.signer.actor.username} did not sign with a password here; sign again")
        return self.signer.credentials

    @property
    def override(self) -> bool:
        return self.finding.severity is Severity.ERROR

    def acknowledgement(self) -> Acknowledgement:
        return Acknowledgement(
            code=self.finding.code, by=self.signer.full_name, reason=self.reason, override=self.override,
            role=self.signer.actor.role.value, at=self.at,
        )


class AcknowledgeDialog(QDialog):
    def __init__(
        self, findings: Sequence[Finding], authenticate: Authenticate | None, clock: Callable[[], dt.datetime],
        parent: QWidget | None = None, action: str = "print",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("acknowledgeDialog")
        self.findings = one_per_code(findings)
        self._authenticate, self._clock = authenticate, clock
        self.decisions: list[SignedDecision] = []
        errors = [f for f in self.findings if f.severity is Severity.ERROR]
        warnings = [f for f in self.findings if f.severity is Severity.WARNING]
        self.setWindowTitle("Override errors and acknowledge warnings" if errors else "Acknowledge warnings")
        parts = []
        if errors:
            parts.append(f"{len(errors)} error{'s' if len(errors) != 1 else ''} to override")
        if warnings:
            parts.append(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''} to acknowledge")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>A pharmacist must sign: {' and '.join(parts)}.</b> Sign in with your own user name and password; "
            "each decision is kept with the batch, in the audit trail, and printed on the worksheet with your name.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        self.username, self.password = credential_fields(self)
        form.addRow("Pharmacist's &user name:", self.username)
        form.addRow("&Password:", self.password)
        layout.addLayout(form)
        self.sign_in_message = error_label(self, "signInMessage")
        layout.addWidget(self.sign_in_message)

        body = QWidget(self)
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        self.reasons: list[QLineEdit] = []
        self.reason_messages: list[QLabel] = []
        self.confirms: dict[str, QCheckBox] = {}
        for finding in self.findings:
            body_layout.addWidget(self._finding_box(finding, body))
        body_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)

        self.message = error_label(self, "message")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            f"Override, acknowledge and {action}" if errors else f"Acknowledge and {action}"
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(620)
        self.resize(680, min(260 + 170 * len(self.findings), 760))

    def _finding_box(self, finding: Finding, parent: QWidget) -> QFrame:
        error = finding.severity is Severity.ERROR
        box = QFrame(parent)
        box.setObjectName(f"finding_{finding.code}")
        colour = look.hue(finding.severity)
        width = 3 if error else 1
        box.setStyleSheet(f"QFrame#finding_{finding.code} {{ border: {width}px solid {colour.name()}; border-radius: 4px; }}")
        inner = QVBoxLayout(box)
        title = QLabel(
            f"<span style='color:{colour.name()}'><b>{'OVERRIDE ERROR' if error else 'Acknowledge warning'}</b></span> — {finding.code}",
            box,
        )
        inner.addWidget(title)
        text = QLabel(finding.message, box)
        text.setWordWrap(True)
        inner.addWidget(text)
        if error:
            stakes = QLabel(
                "<b>This error stops the batch.</b> Overriding it means the preparation is made and dispensed to this patient "
                "despite it, on your responsibility; the worksheet prints it as OVERRIDDEN.",
                box,
            )
            stakes.setWordWrap(True)
            inner.addWidget(stakes)
        reason = QLineEdit(box)
        reason.setObjectName(f"reason.{finding.code}")
        reason.setPlaceholderText(
            "Why it is safe for this patient (e.g. prescriber consulted, reaction was intolerance not allergy)" if error
            else "Why the batch may go ahead (e.g. prescriber consulted, dose confirmed)"
        )
        inner.addWidget(reason)
        message = error_label(box, f"reasonMessage.{finding.code}")
        inner.addWidget(message)
        if error:
            confirm = QCheckBox(f"I override {finding.code} for this patient", box)
            confirm.setObjectName(f"confirm.{finding.code}")
            inner.addWidget(confirm)
            self.confirms[finding.code] = confirm
        self.reasons.append(reason)
        self.reason_messages.append(message)
        return box

    # ------------------------------------------------------------------ answers

    @property
    def acknowledged(self) -> list[dict]:
        """The decisions as the formula file's ``acknowledged`` items."""
        return [decision.acknowledgement().data() for decision in self.decisions]

    def accept(self) -> None:
        """Sign in, then check each decision with the records' rules; anything refused is said
        beside its field and the dialog stays open."""
        for label in (self.sign_in_message, self.message, *self.reason_messages):
            say(label, "")
        first_problem: QWidget | None = None
        reasons: list[str] = []
        for finding, field, label in zip(self.findings, self.reasons, self.reason_messages, strict=False):
            try:
                reasons.append(check_reason(field.text()))
            except RecordError as error:
                say(label, str(error))
                reasons.append("")
                first_problem = first_problem or field
            confirm = self.confirms.get(finding.code)
            if confirm is not None and not confirm.isChecked():
                say(label, (label.text() + "\n" if label.text() else "") + f"Tick “I override {finding.code}” to confirm the override.")
                first_problem = first_problem or confirm
        if self._authenticate is None:
            say(self.sign_in_message, "No user accounts are open in this window, so nobody can sign; open the pharmacy database and try again.")
            return
        if not self.username.text().strip() or not self.password.text():
            say(self.sign_in_message, "Sign in: the pharmacist's user name and password.")
            (self.username if not self.username.text().strip() else self.password).setFocus()
            return
        try:
            signer = self._authenticate(self.username.text(), self.password.text())
        except RecordError as error:
            say(self.sign_in_message, str(error))
            self.password.clear()
            self.password.setFocus()
            return
        except DatabaseFailed as error:
            say(self.sign_in_message, f"the users could not be read: {error.__class__.__name__}")
            return
        for finding, field in zip(self.findings, self.reasons, strict=False):
            try:
                may_decide_finding(signer.actor, active=True, severity=finding.severity.value, code=finding.code, reason=field.text())
            except PermissionRefused as error:  # the role: said at the sign-in, before any reason
                say(self.sign_in_message, str(error))
                self.password.clear()
                self.username.setFocus()
                return
            except RecordError:
                pass  # the reason: already said beside it
        if first_problem is not None:
            first_problem.setFocus()
            return
        at = self._clock()
        self.decisions = [SignedDecision(f, signer, r, at) for f, r in zip(self.findings, reasons, strict=False)]
        super().accept()


def one_per_code(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """One finding per code (a decision is signed per code): the messages of a code found on
    several lines are joined; an error outranks a warning of the same code."""
    by_code: dict[str, Finding] = {}
    for finding in sorted(findings, key=lambda f: f.severity.rank):
        known = by_code.get(finding.code)
        if known is None:
            by_code[finding.code] = finding
        elif known.severity is finding.severity and finding.message not in known.message:
            by_code[finding.code] = dataclasses.replace(known, message=f"{known.message} / {finding.message}")
    return tuple(by_code.values())
