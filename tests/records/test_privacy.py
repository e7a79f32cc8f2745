"""Issue 24, privacy and sessions as the records hold them: who sees patients' names, dates of
birth and Rx numbers (nobody signed in: no one; by default technicians and pharmacists, not an
administrator), the rule an administrator stores (audited, like the other pharmacy rules), and the
idle time before the window locks. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlalchemy import select

from compounder.records import history, pharmacy_rules, privacy
from compounder.records.model import AuditEntry
from compounder.records.policy import RecordError
from compounder.settings import EXAMPLE, SettingsError, settings_from_data
from tests.records.helpers import new_batch

SETTINGS = settings_from_data(EXAMPLE)


def test_nobody_signed_in_sees_no_patient_details_and_an_administrator_none_by_default(sessions, pharmacy):
    with sessions() as s:
        assert not privacy.patient_details_shown(s, None, SETTINGS)
        assert privacy.patient_details_shown(s, pharmacy.technician, SETTINGS)
        assert privacy.patient_details_shown(s, pharmacy.pharmacist, SETTINGS)
        assert not privacy.patient_details_shown(s, pharmacy.admin, SETTINGS)
        assert not privacy.patient_details_shown(s, pharmacy.admin, None)  # no settings file: the default
        assert privacy.why_hidden(None, ("technician", "pharmacist")) == (
            "Patients' names, dates of birth and Rx numbers are hidden: nobody is signed in (Records ▸ Sign in…)."
        )
        assert privacy.why_hidden(pharmacy.admin, ("technician", "pharmacist")) == (
            "Patients' names, dates of birth and Rx numbers are hidden: admin is an administrator, and the pharmacy shows them "
            "to technicians and pharmacists (File ▸ Pharmacy settings…)."
        )


def test_the_stored_rule_decides_and_is_audited(sessions, clock, pharmacy):
    with sessions.begin() as s:
        changed = pharmacy_rules.set_rules(
            s, pharmacy.admin, dataclasses.replace(SETTINGS, patient_details_roles=("pharmacist",), idle_lock_minutes=2), clock(),
        )
    assert {"patient_details_roles", "idle_lock_minutes"} <= set(changed)
    with sessions() as s:
        # The records' rule, whatever the settings file says (it still says technicians too).
        assert not privacy.patient_details_shown(s, pharmacy.technician, SETTINGS)
        assert privacy.patient_details_shown(s, pharmacy.pharmacist, SETTINGS)
        assert privacy.idle_lock_minutes(s, SETTINGS) == 2 and privacy.idle_lock_minutes(s, None) == 2
        entries = {e.row_id: e for e in s.scalars(select(AuditEntry).where(AuditEntry.table_name == "pharmacy_rule"))}
        stored = {json.loads(e.new)["name"]: json.loads(e.new)["value"] for e in entries.values()}
        assert stored["patient_details_roles"] == '["pharmacist"]' and stored["idle_lock_minutes"] == "2"
        assert {e.username for e in entries.values()} == {"admin"}
    with sessions.begin() as s, pytest.raises(RecordError, match="only an administrator"):
        pharmacy_rules.set_rules(s, pharmacy.pharmacist, dataclasses.replace(SETTINGS, patient_details_roles=()), clock())


def test_an_account_switched_off_since_its_sign_in_sees_nothing(sessions, clock, pharmacy):
    from compounder.records import people

    with sessions.begin() as s:
        people.set_active(s, pharmacy.admin, "tess", False, clock())
    with sessions() as s:
        assert not privacy.patient_details_shown(s, pharmacy.technician, SETTINGS)


def test_idle_time_default_and_settings(sessions):
    with sessions() as s:
        assert privacy.idle_lock_minutes(s, None) == 5  # the default
        assert privacy.idle_lock_minutes(s, dataclasses.replace(SETTINGS, idle_lock_minutes=12)) == 12


@pytest.mark.parametrize(("value", "accepted"), [(1, True), (240, True), (0, False), (241, False), (2.5, False), (True, False), ("5", False)])
def test_the_idle_time_setting_is_whole_minutes_from_1_to_240(value, accepted):
    data = {**EXAMPLE, "idle_lock_minutes": value}
    if accepted:
        assert settings_from_data(data).idle_lock_minutes == value
    else:
        with pytest.raises(SettingsError, match="idle_lock_minutes|not an idle time"):
            settings_from_data(data)


def test_the_roles_setting_names_roles():
    assert settings_from_data({**EXAMPLE, "patient_details_roles": []}).patient_details_roles == ()
    assert settings_from_data({**EXAMPLE, "patient_details_roles": ["pharmacist", "administrator"]}).patient_details_roles == ("pharmacist", "administrator")
    with pytest.raises(SettingsError, match="'cashier' is not a role"):
        settings_from_data({**EXAMPLE, "patient_details_roles": ["cashier"]})


def test_rows_hidden_keep_the_batch_and_lose_the_patient(sessions, clock, pharmacy):
    record = new_batch(sessions, clock, pharmacy, rx="RX-77")
    with sessions() as s:
        row = history.find(s, batch_number=record.batch_number).rows[0]
        assert (row.patient, row.date_of_birth, row.rx_number) == ("Jane Q. Doe", dt.date(1948, 3, 2), "RX-77")
        hidden = privacy.hide_summary(row)
        assert (hidden.batch_number, hidden.formula, hidden.status) == (row.batch_number, row.formula, row.status)
        assert (hidden.patient, hidden.date_of_birth, hidden.rx_number) == ("(hidden)", None, "(hidden)")
    privacy.refuse_patient_search(True, "jane", None)
    privacy.refuse_patient_search(False, "  ", "")
    for patient, rx in (("jane", None), (None, "RX-77")):
        with pytest.raises(RecordError, match="to search by patient or Rx number"):
            privacy.refuse_patient_search(False, patient, rx)
