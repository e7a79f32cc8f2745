"""A pharmacist's signed decision on the findings that stop a batch: each warning acknowledged and
each error of the patient screening overridden, with the reason, signed in the one signing dialog
(``ui.common.signing_dialog``) with a reason field per finding, each framed with its finding.

An override is set apart: framed in the error colour, worded as what it is, and confirmed with its
own tick. The password and the account are checked when the dialog signs (a wrong password is
refused there and counted), and whether the account may decide each finding is the records' own
question (``compounder.records.policy.may_decide_finding``); the records check both again in the
write that stores the decisions (``batches.FindingDecision`` carries the credentials).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from compounder.calc import Finding, Severity
from compounder.calc.prescription import Acknowledgement
from compounder.records.screening import Signer
from compounder.records.signing import Credentials
from compounder.ui.common import look
from compounder.ui.common.signing_dialog import Reason, Signature, SigningDialog, signed

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from compounder.ui.common.records_context import RecordsContext


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
            from compounder.records.policy import RecordError

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


def decide_findings(parent: QWidget | None, context: RecordsContext, findings: Sequence[Finding], action: str) -> list[SignedDecision] | None:
    """A pharmacist signs a decision on each of ``findings`` (one per code) before ``action`` ("make
    the batch", "print"): the signed decisions, or None when cancelled."""
    return signed(findings_dialog(parent, context, findings, action))


def findings_dialog(parent: QWidget | None, context: RecordsContext, findings: Sequence[Finding], action: str) -> SigningDialog:
    """The signing dialog for ``decide_findings``, not shown yet: a reason per finding (one per
    code); its ``result_value`` is the list of ``SignedDecision`` once signed."""
    decided = one_per_code(findings)
    errors = sum(f.severity is Severity.ERROR for f in decided)
    warnings = len(decided) - errors
    parts = [f"{errors} error{'s' if errors != 1 else ''} to override"] if errors else []
    parts += [f"{warnings} warning{'s' if warnings != 1 else ''} to acknowledge"] if warnings else []
    subject = (
        f"A pharmacist signs before they {action}: {' and '.join(parts)}. Each decision is kept with the batch, "
        "in the audit trail, and printed on the worksheet with your name."
    )
    return SigningDialog(
        context, "override" if errors else "acknowledge", subject, lambda signature: _decisions(context, decided, signature), parent,
        reasons=[finding_reason(f) for f in decided], title="Override errors and acknowledge warnings" if errors else "Acknowledge warnings",
    )


def finding_reason(finding: Finding) -> Reason:
    """The reason field of one finding: framed in its severity's colour, labelled with its code; an
    error (overridden) says what overriding it means and has its own tick."""
    error = finding.severity is Severity.ERROR
    colour = look.hue(finding.severity).name()
    about = (
        f"<span style='color:{colour}'><b>{'OVERRIDE ERROR' if error else 'Acknowledge warning'}</b></span> — {html.escape(finding.code)}"
        f"<br>{html.escape(finding.message)}"
    )
    if error:
        about += (
            "<br><b>This error stops the batch.</b> Overriding it means the preparation is made and dispensed to this patient "
            "despite it, on your responsibility; the worksheet prints it as OVERRIDDEN."
        )
    return Reason(
        f"Reason ({finding.code}):",
        "Why it is safe for this patient (e.g. prescriber consulted, reaction was intolerance not allergy)" if error
        else "Why the batch may go ahead (e.g. prescriber consulted, dose confirmed)",
        about=about, colour=colour, confirm=f"I override {finding.code} for this patient" if error else "", name=finding.code,
    )


def _decisions(context: RecordsContext, findings: Sequence[Finding], signature: Signature) -> list[SignedDecision]:
    """The decisions as signed: the password and the account checked now (a wrong password raised
    to the dialog, which counts it), then whether this account may decide each finding."""
    from compounder.records import people
    from compounder.records.policy import may_decide_finding
    from compounder.records.signing import signer

    with context.reading() as session:
        actor = signer(session, signature.credentials)
        full_name = people.full_name(session, actor.id) or actor.username
    reasons = [
        may_decide_finding(actor, active=True, severity=finding.severity.value, code=finding.code, reason=reason)
        for finding, reason in zip(findings, signature.reasons, strict=True)
    ]
    at = context.clock()
    decided_by = Signer(actor, full_name, signature.credentials)
    return [SignedDecision(finding, decided_by, reason, at) for finding, reason in zip(findings, reasons, strict=True)]


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
