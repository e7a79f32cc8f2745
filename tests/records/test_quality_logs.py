"""Equipment and cleaning, training and competency (and the pharmacy's competency rule at the
preparer's signature), complaints and adverse events (MedWatch reminder), the SOP register
(review due). On SQLite and PostgreSQL (``sessions``); every entry is in the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest

from compounder.records import batches, trail_check
from compounder.records.policy import PermissionRefused, RecordError, Status
from compounder.records.quality_logs import (
    MEDWATCH_REMINDER,
    batch_dosage_form,
    close_complaint,
    competencies,
    competency_rule,
    competency_warning,
    complaints,
    equipment_log,
    log_equipment,
    record_competency,
    record_complaint,
    register_sop,
    set_competency_rule,
    sop_warnings,
)
from tests.records.helpers import new_batch, weigh_all
from tests.records.signing_helpers import credentials_of


def _today(clock) -> dt.date:
    return clock().astimezone().date()


def test_equipment_and_cleaning_entries_are_kept_in_order_and_audited(sessions, clock, pharmacy):
    today = _today(clock)
    with sessions.begin() as s:
        log_equipment(s, pharmacy.technician, "Mortar and pestle #2", "cleaning", today, "washed, rinsed with purified water, dried", clock())
        log_equipment(s, pharmacy.pharmacist, "Unguator e/s", "maintenance", today, "blade replaced", clock())
    with sessions.begin() as s:
        rows = equipment_log(s)
        assert [(r.equipment, r.kind, r.by) for r in rows] == [
            ("Mortar and pestle #2", "cleaning", "Tess Technician"), ("Unguator e/s", "maintenance", "Paula Pharmacist, RPh"),
        ]
        assert not trail_check.verify(s).problems
    with pytest.raises(RecordError, match="kind"), sessions.begin() as s:
        log_equipment(s, pharmacy.technician, "Hood", "painting", today, "x", clock())


def _prepared_batch(sessions, clock, pharmacy):
    return weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))


def test_competency_rule_is_off_by_default_so_existing_flows_sign(sessions, clock, pharmacy):
    record = _prepared_batch(sessions, clock, pharmacy)
    with sessions.begin() as s:
        assert competency_rule(s) == "off"
        assert batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock()).status is Status.PREPARED


def test_competency_rule_refuse_stops_a_preparer_without_a_current_competency(sessions, clock, pharmacy):
    today = _today(clock)
    record = _prepared_batch(sessions, clock, pharmacy)
    assert batch_dosage_form(record.plan) == "cream"
    with sessions.begin() as s:
        set_competency_rule(s, pharmacy.admin, "refuse", clock())
    with pytest.raises(PermissionRefused, match="tess has no current competency to prepare a cream"), sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    with sessions.begin() as s:  # one that lapsed yesterday does not count
        record_competency(s, pharmacy.pharmacist, "tess", "Cream", today - dt.timedelta(days=365), today - dt.timedelta(days=1), clock())
    with pytest.raises(PermissionRefused), sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    with sessions.begin() as s:
        record_competency(s, pharmacy.pharmacist, "tess", "cream", today, today + dt.timedelta(days=365), clock(), note="observed, media fill")
    with sessions.begin() as s:
        assert batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock()).status is Status.PREPARED
        assert [(c.username, c.dosage_form, c.assessor) for c in competencies(s)] == [("tess", "cream", "Paula Pharmacist, RPh")] * 2
        assert not trail_check.verify(s).problems


def test_competency_rule_warn_signs_and_names_the_gap(sessions, clock, pharmacy):
    record = _prepared_batch(sessions, clock, pharmacy)
    with sessions.begin() as s:
        set_competency_rule(s, pharmacy.admin, "warn", clock())
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        assert competency_warning(s, pharmacy.technician.id, record.batch_number, _today(clock)) == (
            "tess has no current competency to prepare a cream (training and competency log)"
        )


def test_only_a_pharmacist_assesses_and_only_an_administrator_sets_the_rule(sessions, clock, pharmacy):
    today = _today(clock)
    with pytest.raises(PermissionRefused), sessions.begin() as s:
        record_competency(s, pharmacy.technician, "tess", "cream", today, today + dt.timedelta(days=1), clock())
    with pytest.raises(PermissionRefused), sessions.begin() as s:
        set_competency_rule(s, pharmacy.pharmacist, "refuse", clock())
    with pytest.raises(RecordError, match="off, warn, refuse"), sessions.begin() as s:
        set_competency_rule(s, pharmacy.admin, "sometimes", clock())


def test_a_serious_adverse_event_carries_the_medwatch_reminder_until_reported(sessions, clock, pharmacy):
    record = new_batch(sessions, clock, pharmacy)
    today = _today(clock)
    with sessions.begin() as s:
        plain = record_complaint(s, pharmacy.technician, "complaint", today, "Jane Doe (patient)", "cream gritty", clock(),
                                 batch_number=record.batch_number)
        serious = record_complaint(s, pharmacy.technician, "adverse event", today, "Dr. A. Smith", "hospitalised with a rash", clock(),
                                   batch_number=record.batch_number, serious=True)
    assert plain.reminder is None and plain.batch_number == record.batch_number
    assert serious.reminder == MEDWATCH_REMINDER
    with pytest.raises(PermissionRefused), sessions.begin() as s:
        close_complaint(s, pharmacy.technician, serious.id, clock(), medwatch_on=today)
    with sessions.begin() as s:
        closed = close_complaint(s, pharmacy.pharmacist, serious.id, clock(), medwatch_on=today, outcome="reported; batch quarantined")
    assert closed.reminder is None and closed.medwatch_on == today
    with sessions.begin() as s:
        assert [c.kind for c in complaints(s)] == ["complaint", "adverse event"]
        assert not trail_check.verify(s).problems
    with pytest.raises(RecordError, match="only an adverse event"), sessions.begin() as s:
        record_complaint(s, pharmacy.technician, "complaint", today, "x", "y", clock(), serious=True)
    with pytest.raises(RecordError, match="no batch"), sessions.begin() as s:
        record_complaint(s, pharmacy.technician, "complaint", today, "x", "y", clock(), batch_number="991231-001")


def test_sop_reviews_due_within_30_days_or_overdue_are_named(sessions, clock, pharmacy):
    today = _today(clock)
    with sessions.begin() as s:
        register_sop(s, pharmacy.pharmacist, "SOP-01", "Balance daily check", "3", today - dt.timedelta(days=400), today - dt.timedelta(days=2), clock())
        register_sop(s, pharmacy.pharmacist, "SOP-02", "Cleaning", "1", today - dt.timedelta(days=10), today + dt.timedelta(days=30), clock())
        register_sop(s, pharmacy.pharmacist, "SOP-03", "Garbing", "2", today - dt.timedelta(days=10), today + dt.timedelta(days=31), clock())
        assert sop_warnings(s, today) == [
            f"SOP SOP-01 (Balance daily check): review overdue since {(today - dt.timedelta(days=2)).isoformat()}",
            f"SOP SOP-02 (Cleaning): review due {(today + dt.timedelta(days=30)).isoformat()} (in 30 days)",
        ]
        # reviewed: version 4, next review in a year
        register_sop(s, pharmacy.pharmacist, "SOP-01", "Balance daily check", "4", today, today + dt.timedelta(days=365), clock())
        assert [w.split(" (")[0] for w in sop_warnings(s, today)] == ["SOP SOP-02"]
        assert not trail_check.verify(s).problems
    with pytest.raises(PermissionRefused), sessions.begin() as s:
        register_sop(s, pharmacy.technician, "SOP-09", "x", "1", today, today + dt.timedelta(days=1), clock())
