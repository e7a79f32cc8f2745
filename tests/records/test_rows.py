"""A row the records point at and do not have is refused in the records' words, naming it
(``records/rows.existing``), not an AttributeError on None somewhere after ``Session.get``."""

from __future__ import annotations

import pytest

from compounder.records import batches
from compounder.records.model import Patient
from compounder.records.policy import RecordError
from compounder.records.refill import refill_changes
from compounder.records.rows import existing
from tests.records.helpers import make_pharmacy, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of


def test_a_missing_row_is_refused_by_name(sessions):
    with sessions() as s, pytest.raises(RecordError, match=r"^the records have no patient number 987654; `compounder db check`"):
        existing(s, Patient, 987654, "patient")


def test_a_refill_against_a_formula_version_that_is_not_there_is_refused(sessions, clock, catalog):
    # Before: "'NoneType' object has no attribute 'id'" from refill_changes.
    pharmacy = make_pharmacy(sessions, clock, catalog)
    first = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx="RX-9"))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), first.batch_number, clock())
    with sessions() as s, pytest.raises(RecordError, match="no master formula version number 987654"):
        refill_changes(s, pharmacy.patient.id, "RX-9", 987654)
