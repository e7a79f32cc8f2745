"""Patient address and phone, prescriber NPI / DEA number / date written, and the recall list
that gives them (issue 25). On SQLite and PostgreSQL (``sessions``); a database at revision 0014
is carried forward by migration 0018."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from compounder.records import batches, contacts, history, trail_check
from compounder.records.policy import PermissionRefused, RecordError
from tests.records.helpers import new_batch, weigh_all
from tests.records.signing_helpers import credentials_of


def test_contact_details_are_recorded_audited_and_checked(sessions, clock, pharmacy):
    with sessions.begin() as s:
        saved = contacts.set_contact(s, pharmacy.technician, pharmacy.patient.id, " 12 Elm St\n Springfield, IL 62701 ", "(217) 555-0142", clock())
    assert saved.address == "12 Elm St\nSpringfield, IL 62701" and saved.phone == "(217) 555-0142"
    with pytest.raises(RecordError, match="phone"), sessions.begin() as s:
        contacts.set_contact(s, pharmacy.technician, pharmacy.patient.id, "12 Elm St", "call me", clock())
    with pytest.raises(RecordError, match="address: required"), sessions.begin() as s:
        contacts.set_contact(s, pharmacy.technician, pharmacy.patient.id, "  ", "2175550142", clock())
    with pytest.raises(PermissionRefused), sessions.begin() as s:
        contacts.set_contact(s, pharmacy.admin, pharmacy.patient.id, "12 Elm St", "2175550142", clock())
    with sessions.begin() as s:
        assert not trail_check.verify(s).problems


def test_prescriber_npi_and_dea_are_validated_by_check_digit(sessions, clock, pharmacy):
    record = new_batch(sessions, clock, pharmacy)
    written = clock().date() - dt.timedelta(days=3)
    with sessions.begin() as s:
        # 1234567893 (CMS's worked example) and AP5836727 (5+3+7 + 2×(8+6+2) = 47 → 7): both valid.
        stored = contacts.set_prescription(s, pharmacy.technician, record.batch_number, clock(), npi="1234567893", dea="ap5836727", written_on=written)
    assert stored == contacts.Prescription("1234567893", "AP5836727", written)
    with pytest.raises(RecordError, match="prescriber NPI.*check digit"), sessions.begin() as s:
        contacts.set_prescription(s, pharmacy.technician, record.batch_number, clock(), npi="1234567894")
    with pytest.raises(RecordError, match="prescriber DEA number.*check digit"), sessions.begin() as s:
        contacts.set_prescription(s, pharmacy.technician, record.batch_number, clock(), dea="AP5836728")
    with pytest.raises(RecordError, match="after the batch was compounded"), sessions.begin() as s:
        contacts.set_prescription(s, pharmacy.technician, record.batch_number, clock(), written_on=clock().date() + dt.timedelta(days=1))
    with sessions.begin() as s:
        assert contacts.prescription(s, record.batch_number) == stored
        assert not trail_check.verify(s).problems


def test_the_recall_list_gives_the_patients_contact_details_and_the_prescribers_npi(sessions, clock, pharmacy):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        contacts.set_contact(s, pharmacy.technician, pharmacy.patient.id, "12 Elm St\nSpringfield, IL 62701", "(217) 555-0142", clock())
        contacts.set_prescription(s, pharmacy.technician, record.batch_number, clock(), npi="1234567893")
    lot = pharmacy.lots[record.lines[0].name]
    with sessions.begin() as s:
        (row,) = history.recall(s, lot.id)
        out = io.StringIO()
        history.write_recall_csv(history.lots_numbered(s, lot.lot_number)[0], [row], out)
    assert (row.address, row.phone, row.prescriber_npi) == ("12 Elm St\nSpringfield, IL 62701", "(217) 555-0142", "1234567893")
    header, values = list(csv.reader(io.StringIO(out.getvalue())))
    found = dict(zip(header, values, strict=True))
    assert found["patient phone"] == "(217) 555-0142" and found["prescriber NPI"] == "1234567893"
    assert found["patient address"] == "12 Elm St\nSpringfield, IL 62701"


def test_a_recall_of_a_patient_without_contact_details_says_nothing_recorded(sessions, clock, pharmacy):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    lot = pharmacy.lots[record.lines[0].name]
    with sessions.begin() as s:
        (row,) = history.recall(s, lot.id)
    assert (row.address, row.phone, row.prescriber_npi) == ("", "", "")
