"""Batches filled through the records for one prescription, shared by the records tests of issue
28 (labels and refills, quantities that add up): the order, a fill with every finding signed,
and a fill taken to verified."""

from __future__ import annotations

from compounder.calc import Severity
from compounder.calc.batch_document import plan_with_documents
from compounder.records import batches, fills
from compounder.records.batches import FindingDecision
from compounder.records.screening import make_batch, parse_batch_order, screened_plan
from tests.records.helpers import weigh_all
from tests.records.signing_helpers import credentials_of

RX = {"patient": "Jane Q. Doe", "directions": "Apply 1 g to the knee three times a day", "quantity": "120 g", "refills": 2}


def order(**changes) -> dict:
    prescription = {key: value for key, value in {**RX, **changes}.items() if value is not None}
    return {"prescription": prescription}


def fill(sessions, clock, catalog, pharmacy, data, rx="RX-7001"):
    """A batch on ``rx`` made through the records, every finding signed by Paula; its documents frozen."""
    with sessions.begin() as s:
        completed = fills.refill_order(s, pharmacy.patient.id, rx, data)
        plan = screened_plan(s, catalog, pharmacy.version_id, pharmacy.patient.id, clock().date(), order=completed)
        decisions = [
            FindingDecision(f.code, credentials_of(pharmacy.pharmacist), "seen, as prescribed") for f in plan.findings
            if f.severity is Severity.WARNING or (f.severity is Severity.ERROR and f.patient)
        ]
        parsed = parse_batch_order(completed).order
        return make_batch(
            s, pharmacy.technician, catalog, formula_version_id=pharmacy.version_id, patient=pharmacy.patient, rx_number=rx,
            prescriber="Dr. A. Smith", compounded_on=clock().date(), tolerance_percent="5", now=clock(), order=data,
            acknowledgements=decisions, freeze=lambda p: plan_with_documents(p, parsed, catalog, clock().date(), None),
        )


def verified(sessions, clock, pharmacy, record):
    record = weigh_all(sessions, clock, pharmacy, record)
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        batches.sign_checked(s, credentials_of(pharmacy.second_pharmacist), record.batch_number, clock())
        return batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
