"""Whether a batch may be printed: no error finding, and every warning acknowledged by name.

An error blocks the batch outright. A warning needs a look: the formula file's
``acknowledged`` list names its code, who acknowledged it and why, and the worksheet prints
that. Information findings need nothing and are printed for the checker.
"""

from __future__ import annotations

from dataclasses import dataclass

from compounder.calc.errors import InputError
from compounder.calc.model import BatchPlan, Finding, Severity
from compounder.calc.prescription import Acknowledgement, Order


@dataclass(frozen=True)
class AcknowledgedFinding:
    finding: Finding
    acknowledgement: Acknowledgement | None  # None for an information finding


class BatchBlocked(Exception):
    """The batch has error findings, or warnings nobody acknowledged; nothing may be printed."""

    def __init__(self, findings: tuple[Finding, ...], reason: str) -> None:
        super().__init__(reason)
        self.findings = findings
        self.reason = reason


def release(plan: BatchPlan, order: Order) -> tuple[AcknowledgedFinding, ...]:
    """The findings to print with who acknowledged them; raises ``BatchBlocked`` or ``InputError``."""
    errors = tuple(f for f in plan.findings if f.severity is Severity.ERROR)
    if errors:
        raise BatchBlocked(errors, "the batch has error findings; correct the formula")
    by_code = {}
    for index, ack in enumerate(order.acknowledged):
        codes = sorted({f.code for f in plan.findings if f.severity is Severity.WARNING})
        if ack.code not in codes:
            hint = f"this batch's warnings are {', '.join(codes)}" if codes else "this batch has no warnings"
            if any(f.code == ack.code and f.severity is Severity.ERROR for f in plan.findings):
                hint = "an error finding cannot be acknowledged; correct the formula"
            raise InputError(f"acknowledged[{index}].code", f"{ack.code!r} is not a warning of this batch; {hint}")
        by_code.setdefault(ack.code, ack)
    open_warnings = tuple(f for f in plan.findings if f.severity is Severity.WARNING and f.code not in by_code)
    if open_warnings:
        raise BatchBlocked(
            open_warnings,
            "warnings not acknowledged; add each code to \"acknowledged\" with who acknowledged it and why",
        )
    return tuple(
        AcknowledgedFinding(f, by_code.get(f.code)) for f in plan.findings if f.severity in (Severity.WARNING, Severity.INFO)
    )


def open_warnings(plan: BatchPlan, order: Order) -> tuple[Finding, ...]:
    """The warnings of ``plan`` that ``order`` does not acknowledge (what the pharmacist must look at)."""
    acknowledged = {ack.code for ack in order.acknowledged}
    return tuple(f for f in plan.findings if f.severity is Severity.WARNING and f.code not in acknowledged)


def stale_acknowledgements(plan: BatchPlan, order: Order) -> tuple[Acknowledgement, ...]:
    """Acknowledgements of codes that are not warnings of ``plan`` (the formula changed since);
    ``release`` refuses them, so they must be removed before the batch is printed."""
    codes = {f.code for f in plan.findings if f.severity is Severity.WARNING}
    return tuple(ack for ack in order.acknowledged if ack.code not in codes)
