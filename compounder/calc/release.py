"""Whether a batch may be printed: every error overridden and every warning acknowledged, by name.

An error of the formula itself (an expired lot, a strength above the maximum) blocks the batch
until the formula is corrected. An error of the patient screening blocks it unless a pharmacist
overrides it: the formula file's ``acknowledged``
list names its code with ``"override": true``, who overrode it and why (a real reason), and the
worksheet prints it as OVERRIDDEN. A warning needs a look: the list names its code, who
acknowledged it and why. An acknowledgement must fit its finding: a warning is never
"overridden" and an error is never merely "acknowledged". Information findings need nothing and
are printed for the checker.
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
    """The batch has error findings nobody overrode, or warnings nobody acknowledged; nothing may be printed."""

    def __init__(self, findings: tuple[Finding, ...], reason: str) -> None:
        super().__init__(reason)
        self.findings = findings
        self.reason = reason


def release(plan: BatchPlan, order: Order) -> tuple[AcknowledgedFinding, ...]:
    """The findings to print with who acknowledged or overrode them; raises ``BatchBlocked`` or ``InputError``."""
    severity = _decided_severities(plan)
    void = _void_codes(plan, order)
    by_code: dict[str, Acknowledgement] = {}
    for index, ack in enumerate(order.acknowledged):
        found = severity.get(ack.code)
        if found is None:
            codes = sorted(severity)
            hint = f"this batch's warnings and errors are {', '.join(codes)}" if codes else "this batch has no warnings or errors"
            raise InputError(f"acknowledged[{index}].code", f"{ack.code!r} is not a finding of this batch that needs a pharmacist; {hint}")
        if found is Severity.ERROR and ack.override and not _overridable(plan, ack.code):
            raise InputError(
                f"acknowledged[{index}].override",
                f"{ack.code} is an error of the formula itself: it is corrected, never overridden; "
                "only an error of the patient screening may be overridden",
            )
        if found is Severity.ERROR and ack.override and not ack.verified:
            raise InputError(
                f"acknowledged[{index}].override",
                f"{ack.code}: an override of a patient screening error is accepted only from the records, where a signed-in "
                "pharmacist signs it (Records ▸ Make a batch…); a formula file's override, whoever it names, is not printed",
            )
        if found is Severity.WARNING and ack.override:
            raise InputError(f"acknowledged[{index}].override", f"{ack.code} is a warning: it is acknowledged, not overridden; remove \"override\"")
        if found is Severity.ERROR and not ack.override:
            continue  # an error is not merely acknowledged: it stays blocking until overridden
        if ack in void:
            continue  # decided on other numbers: void, decided again
        by_code.setdefault(ack.code, ack)
    fixed = tuple(f for f in plan.findings if f.severity is Severity.ERROR and not f.patient)
    if fixed:
        raise BatchBlocked(fixed, "the batch has error findings; correct the formula or the prescription as each finding says")
    errors = tuple(f for f in plan.findings if f.severity is Severity.ERROR and f.code not in by_code)
    if errors:
        raise BatchBlocked(
            errors,
            "the batch has error findings; correct the formula or the prescription as each finding says, or a pharmacist overrides each in the records with the reason",
        )
    warnings = tuple(f for f in plan.findings if f.severity is Severity.WARNING and f.code not in by_code)
    if warnings:
        voided = sorted({ack.code for ack in void} & {f.code for f in warnings})
        said = f" ({', '.join(voided)} acknowledged at other numbers than these: void, acknowledge again)" if voided else ""
        raise BatchBlocked(
            warnings,
            f"warnings not acknowledged{said}; add each code to \"acknowledged\" with who acknowledged it and why",
        )
    return tuple(AcknowledgedFinding(f, by_code.get(f.code)) for f in plan.findings)


def _overridable(plan: BatchPlan, code: str) -> bool:
    """Whether the error findings of ``code`` are all the patient screening's (which a pharmacist may override)."""
    return all(f.patient for f in plan.findings if f.code == code and f.severity is Severity.ERROR)


def overridable(finding: Finding) -> bool:
    """Whether a pharmacist may override this error finding (a patient screening's, not the formula's own)."""
    return finding.severity is Severity.ERROR and finding.patient


def _decided_severities(plan: BatchPlan) -> dict[str, Severity]:
    """Code → severity of the findings a pharmacist decides on (an error outranks a warning of the same code)."""
    found: dict[str, Severity] = {}
    for f in plan.findings:
        if f.severity in (Severity.ERROR, Severity.WARNING) and found.get(f.code) is not Severity.ERROR:
            found[f.code] = f.severity
    return found


def _void_codes(plan: BatchPlan, order: Order) -> frozenset[Acknowledgement]:
    """The acknowledgements bound to numbers (``numbers``) other than the plan's: a change to a
    number the finding names (strength, mg/day, days, BUD, quantity, lot) voids the decision."""
    bound = [ack for ack in order.acknowledged if ack.numbers is not None]
    if not bound:
        return frozenset()
    from compounder.calc.finding_numbers import fingerprints
    from compounder.calc.plan_data import plan_to_json

    current = fingerprints(plan_to_json(plan))
    return frozenset(ack for ack in bound if current.get(ack.code) != ack.numbers)


def open_warnings(plan: BatchPlan, order: Order) -> tuple[Finding, ...]:
    """The warnings of ``plan`` that ``order`` does not acknowledge (what the pharmacist must look at)."""
    void = _void_codes(plan, order)
    acknowledged = {ack.code for ack in order.acknowledged if ack not in void}
    return tuple(f for f in plan.findings if f.severity is Severity.WARNING and f.code not in acknowledged)


def open_errors(plan: BatchPlan, order: Order) -> tuple[Finding, ...]:
    """The patient screening's error findings of ``plan`` that ``order`` does not override (an
    error of the formula itself is not offered: it is corrected)."""
    void = _void_codes(plan, order)
    overridden = {ack.code for ack in order.acknowledged if ack.override and ack not in void}
    return tuple(f for f in plan.findings if overridable(f) and f.code not in overridden)


def open_findings(plan: BatchPlan, order: Order) -> tuple[Finding, ...]:
    """Errors not overridden, then warnings not acknowledged: everything a pharmacist must still decide."""
    return (*open_errors(plan, order), *open_warnings(plan, order))


def stale_acknowledgements(plan: BatchPlan, order: Order) -> tuple[Acknowledgement, ...]:
    """Acknowledgements that no longer fit ``plan`` (the formula changed since): codes that are not
    a warning or error of it, whose finding changed between warning and error, or made at other
    numbers than the plan's (void); ``release``
    refuses them, so they must be removed before the batch is printed."""
    severity = _decided_severities(plan)
    void = _void_codes(plan, order)
    return tuple(
        ack for ack in order.acknowledged
        if ack.code not in severity or (severity[ack.code] is Severity.ERROR) != ack.override or ack in void
    )
