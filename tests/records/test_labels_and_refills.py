"""Issue 28, observation 7: a patient label only for a verified batch, never for a rejected one,
a reprint marked; a refill is a new batch for the same prescription whose refills left are the
records' count, none left is a refusal, and a refill made as the window's "Make a refill…" makes
it (refills not typed) can be labelled once verified."""

from __future__ import annotations

import pytest

from compounder.calc import InputError
from compounder.records import batches, fills, printing
from compounder.records.policy import RecordError
from tests.records.helpers import make_pharmacy, weigh_all
from tests.records.prescription_fills import fill, order, verified
from tests.records.signing_helpers import credentials_of


@pytest.fixture
def pharmacy(sessions, clock, catalog):
    return make_pharmacy(sessions, clock, catalog)


def label(sessions, clock, actor, number):
    with sessions.begin() as s:
        content = printing.label_to_print(s, actor, number, clock())
        printing.record_print(s, actor, number, printing.PRINT_LABEL, clock())
    return content


def test_no_label_before_verification_and_a_reprint_is_marked(sessions, clock, catalog, pharmacy):
    record = fill(sessions, clock, catalog, pharmacy, order())
    with sessions() as s, pytest.raises(RecordError, match="is draft; a patient label is printed only once a pharmacist has verified"):
        printing.label_to_print(s, pharmacy.technician, record.batch_number, clock())
    verified(sessions, clock, pharmacy, record)
    first = label(sessions, clock, pharmacy.technician, record.batch_number)
    second = label(sessions, clock, pharmacy.pharmacist, record.batch_number)
    assert "REPRINT" not in first.statement and "REPRINT 2026-11-23 09:00 UTC by paula" in second.statement


def test_a_rejected_batch_never_gets_a_label(sessions, clock, catalog, pharmacy):
    record = weigh_all(sessions, clock, pharmacy, fill(sessions, clock, catalog, pharmacy, order()), off_by=1)
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        batches.reject(s, credentials_of(pharmacy.pharmacist), record.batch_number, "diclofenac 1 g over its target", clock())
    with sessions() as s, pytest.raises(RecordError, match="was rejected .diclofenac 1 g over its target.; a rejected batch never gets a patient label"):
        printing.label_to_print(s, pharmacy.pharmacist, record.batch_number, clock())


def test_refills_are_counted_and_none_left_is_refused(sessions, clock, catalog, pharmacy):
    # RX-7001 authorizes 2 refills: the first fill prints "2", the first refill 2 − 1 = 1, the second 2 − 2 = 0;
    # a third refill would be a fourth fill on a prescription for three.
    first = verified(sessions, clock, pharmacy, fill(sessions, clock, catalog, pharmacy, order()))
    assert label(sessions, clock, pharmacy.pharmacist, first.batch_number).refills == 2
    # "Make a refill…" leaves the refills empty: the records fill in what is left.
    second = verified(sessions, clock, pharmacy, fill(sessions, clock, catalog, pharmacy, order(refills=None)))
    assert label(sessions, clock, pharmacy.pharmacist, second.batch_number).refills == 1
    with sessions() as s:
        assert fills.fills(s, pharmacy.patient.id, "RX-7001").remaining == 1
    # A refill typed with a figure the records do not hold is refused, naming the field.
    with pytest.raises(InputError, match="1 typed, but the records hold 0 refills left") as typed:
        fill(sessions, clock, catalog, pharmacy, order(refills=1))
    assert typed.value.field == "prescription.refills"
    third = verified(sessions, clock, pharmacy, fill(sessions, clock, catalog, pharmacy, order(refills=None)))
    assert label(sessions, clock, pharmacy.pharmacist, third.batch_number).refills == 0
    with sessions() as s:
        assert fills.fills(s, pharmacy.patient.id, "RX-7001").remaining == 0
    with pytest.raises(InputError, match="no refills left on RX-7001: 2 authorized, all used"):
        fill(sessions, clock, catalog, pharmacy, order(refills=None))


def test_a_rejected_fill_uses_no_refill(sessions, clock, catalog, pharmacy):
    record = weigh_all(sessions, clock, pharmacy, fill(sessions, clock, catalog, pharmacy, order(refills=0)), off_by=1)
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        batches.reject(s, credentials_of(pharmacy.pharmacist), record.batch_number, "out of tolerance", clock())
    # Made again: still the first fill of a prescription with no refills, so it is allowed and prints 0.
    again = verified(sessions, clock, pharmacy, fill(sessions, clock, catalog, pharmacy, order(refills=0)))
    assert label(sessions, clock, pharmacy.pharmacist, again.batch_number).refills == 0
    with pytest.raises(InputError, match="no refills left on RX-7001: 0 authorized"):
        fill(sessions, clock, catalog, pharmacy, order(refills=None))
