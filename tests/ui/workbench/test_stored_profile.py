"""Issue 28, observation 3: the workbench screens a patient the records hold with the stored profile
(Eleanor: an anticoagulant and an oral NSAID on file), as the records' road does — not "medicines
not recorded". On SQLite and PostgreSQL (the records' ``sessions`` fixture), in the real window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from compounder.records import people
from compounder.records.patients import ProfileEntry, save_profile
from compounder.ui.common.records_context import RecordsContext
from compounder.ui.workbench.stored_patient import install_stored_profiles
from tests.records.conftest import backend, engine, sessions  # noqa: F401 - the records' fixtures, both databases
from tests.records.helpers import make_pharmacy

BORN = dt.date(1950, 4, 9)


@pytest.fixture
def eleanor(sessions, clock, catalog):  # noqa: F811
    found = make_pharmacy(sessions, clock, catalog)
    with sessions.begin() as session:
        patient = people.patient(session, found.technician, "Eleanor Vance", BORN, clock())
        save_profile(session, found.pharmacist, patient.id, ProfileEntry(
            date_of_birth=BORN, weight_kg=Decimal("61"), allergies=(), conditions=(), medications=("anticoagulant", "oral NSAID"),
        ), catalog, clock())
    return RecordsContext(sessions, clock)


def codes(window) -> set[str]:
    return {finding.code for finding in window.document.plan.findings}


def test_the_workbench_screens_a_patient_in_the_records_with_the_stored_profile(rx_window, eleanor, qtbot):
    install_stored_profiles(rx_window, eleanor)
    before = codes(rx_window)
    assert "MEDICINES_NOT_RECORDED" in before  # Jane Doe is not in the records: no profile to screen with
    rx_window.document.set_header("prescription.patient", "Eleanor Vance")
    rx_window.document.set_header("prescription.date_of_birth", BORN.isoformat())
    found = codes(rx_window)
    # The records' road warned on both: diclofenac with an anticoagulant, and with an oral NSAID.
    assert {"NSAID_WITH_ANTICOAGULANT", "NSAID_WITH_ORAL_NSAID"} <= found, sorted(found)
    assert "MEDICINES_NOT_RECORDED" not in found
    assert "stored profile" in rx_window.summary.text()
    # A patient the records do not hold: screened with the file's own section (none here), as before.
    rx_window.document.set_header("prescription.patient", "Nobody Known")
    assert "MEDICINES_NOT_RECORDED" in codes(rx_window) and "NSAID_WITH_ANTICOAGULANT" not in codes(rx_window)
    assert "stored profile" not in rx_window.summary.text()
