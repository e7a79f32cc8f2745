"""What stands between the workbench's formula and a printed worksheet or label, first thing first.

The workbench asks ``next_hold`` and only shows the answer or asks the pharmacist about it (enter
the pharmacy's details, correct the prescription, remove acknowledgements that no longer fit,
acknowledge warnings); the order of the checks and what each needs is decided here. The final
word stays with ``release.release``, which the documents ask again when they are made.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from compounder.calc.model import BatchPlan, Finding, Severity
from compounder.calc.prescription import Acknowledgement, Document, Order, missing_for
from compounder.calc.release import open_findings, stale_acknowledgements


class Hold(enum.Enum):
    FORMULA_ERRORS = "the formula has errors"
    NO_PHARMACY = "the pharmacy's details are not entered"
    ORDER_ERRORS = "the prescription has fields that cannot be used"
    MISSING_FIELDS = "the document needs prescription fields not entered"
    STALE_ACKNOWLEDGEMENTS = "acknowledgements no longer fit the batch"
    OVERRIDES_NEEDED = "patient errors need a pharmacist's override in the records"
    FINDINGS_OPEN = "warnings not acknowledged"


@dataclass(frozen=True)
class PrintHold:
    """Why the document is not printed yet, with what the pharmacist is shown or asked about."""

    hold: Hold
    missing: tuple[str, ...] = ()  # MISSING_FIELDS: formula-file paths of the fields
    stale: tuple[Acknowledgement, ...] = ()  # STALE_ACKNOWLEDGEMENTS
    findings: tuple[Finding, ...] = ()  # OVERRIDES_NEEDED: the errors; FINDINGS_OPEN: everything still open


@dataclass(frozen=True)
class PrintReady:
    plan: BatchPlan
    order: Order


def next_hold(
    plan: BatchPlan | None, order: Order | None, document: Document, *, must_be_corrected: bool, order_has_errors: bool,
    pharmacy_entered: bool,
) -> PrintHold | PrintReady:
    """The first thing that holds ``document`` back, or ``PrintReady`` with the plan and order to print."""
    if plan is None or must_be_corrected:
        return PrintHold(Hold.FORMULA_ERRORS)
    if not pharmacy_entered:
        return PrintHold(Hold.NO_PHARMACY)
    if order_has_errors or order is None:
        return PrintHold(Hold.ORDER_ERRORS)
    missing = missing_for(order, document)
    if missing:
        return PrintHold(Hold.MISSING_FIELDS, missing=tuple(missing))
    stale = stale_acknowledgements(plan, order)
    if stale:
        return PrintHold(Hold.STALE_ACKNOWLEDGEMENTS, stale=stale)
    still_open = open_findings(plan, order)  # patient errors to override, then warnings to acknowledge
    overrides = tuple(f for f in still_open if f.severity is Severity.ERROR)
    if overrides:
        return PrintHold(Hold.OVERRIDES_NEEDED, findings=overrides)
    if still_open:
        return PrintHold(Hold.FINDINGS_OPEN, findings=still_open)
    return PrintReady(plan, order)
