"""A batch made in the records is checked with its prescription, as the workbench and the command
line check a formula file: the dose-check directions (amount, times a day) the daily maximum is
checked with, the label's directions, the quantity against the container, the days' supply. So a
drug above its typical range cannot be made through the records without directions, nor above its
labeled daily maximum without a pharmacist's signed override, nor into a container too small."""

from __future__ import annotations

import pytest

from compounder.calc import InputError, Severity
from compounder.records.batches import FindingDecision, batch_record
from compounder.records.library import FormulaLibrary
from compounder.records.policy import RecordError
from compounder.records.screening import DIRECTIONS_USED, make_batch, screened_plan
from tests.records.helpers import make_pharmacy
from tests.records.signing_helpers import credentials_of

REASON = "prescriber confirmed the dose and area by phone"

#: Lidocaine 10 % is above its typical range (2 to 5 %), and no maximum strength is on file: the
#: labeled daily maximum of 850 mg lidocaine is the limit left (data/ingredients.toml).
LIDOCAINE = {"batch": "100 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "10 %"}]}
RX = {
    "patient": "Jane Q. Doe", "date_of_birth": "1948-03-02", "rx_number": "RX-3001", "prescriber": "Dr. A. Smith",
    "directions": "Apply 3 g to the lower back three times a day", "quantity": "60 g", "refills": 0,
}
# 10 % lidocaine = 100 mg lidocaine per g; 3 g × 3 a day = 9 g a day → 900 mg a day > 850 mg.
TID_3G = {"amount": "3 g", "times_per_day": 3}
# 2.5 g × 3 a day = 7.5 g a day → 750 mg a day, under 850 mg.
TID_2_5G = {"amount": "2.5 g", "times_per_day": 3}


@pytest.fixture
def lidocaine(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    library = FormulaLibrary(sessions, clock)
    entry = library.add("Lidocaine 10 % in Lipoderm", LIDOCAINE, pharmacy.pharmacist)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    version = library.approved_version(entry.id)
    return pharmacy, version.id


def order(dose=None, **prescription) -> dict:
    """The batch's order: the prescription (``RX`` with ``prescription`` changed) and the dose-check directions."""
    data: dict = {"prescription": {**RX, **prescription}}
    if dose is not None:
        data["directions"] = dose
    return data


def args(pharmacy, version_id, clock) -> dict:
    return dict(formula_version_id=version_id, patient=pharmacy.patient, rx_number="RX-3001", prescriber="Dr. A. Smith",
                compounded_on=clock().date(), tolerance_percent="5", now=clock())


def plan_for(sessions, catalog, clock, pharmacy, version_id, data):
    with sessions() as s:
        return screened_plan(s, catalog, version_id, pharmacy.patient.id, clock().date(), order=data)


def signed(plan, pharmacy, *, overrides=True) -> list[FindingDecision]:
    """Paula's decision on every warning and (``overrides``) every error of the patient."""
    return [
        FindingDecision(f.code, credentials_of(pharmacy.pharmacist), REASON) for f in plan.findings
        if f.severity is Severity.WARNING or (overrides and f.severity is Severity.ERROR and f.patient)
    ]


def test_without_the_order_the_patient_profile_alone_still_gets_the_daily_check(sessions, clock, catalog, lidocaine):
    """The records used to give the version and the profile only a range warning; a patient
    without a prescription now gets the same daily check (issue 23): above the typical range with
    no maximum strength on file, the directions are needed."""
    pharmacy, version_id = lidocaine
    with sessions() as s:
        codes = {f.code for f in screened_plan(s, catalog, version_id, pharmacy.patient.id, clock().date()).findings}
    assert "STRENGTH_OUTSIDE_TYPICAL_RANGE" in codes and "DAILY_CHECK_NEEDED" in codes


def test_above_the_typical_range_without_directions_is_refused(sessions, clock, catalog, lidocaine):
    pharmacy, version_id = lidocaine
    plan = plan_for(sessions, catalog, clock, pharmacy, version_id, order())
    needed = [f for f in plan.findings if f.code == "DAILY_CHECK_NEEDED"]
    assert len(needed) == 1 and needed[0].severity is Severity.ERROR and not needed[0].patient
    assert "850 mg" in needed[0].message
    with sessions.begin() as s, pytest.raises(RecordError, match=r"error findings \(DAILY_CHECK_NEEDED\)"):
        # Not even a pharmacist's decision on everything else lets it through.
        make_batch(s, pharmacy.technician, catalog, **args(pharmacy, version_id, clock), order=order(), acknowledgements=signed(plan, pharmacy))


def test_above_the_daily_maximum_needs_a_pharmacists_override_and_is_then_made(sessions, clock, catalog, lidocaine):
    pharmacy, version_id = lidocaine
    data = order(TID_3G)
    plan = plan_for(sessions, catalog, clock, pharmacy, version_id, data)
    codes = {f.code: f for f in plan.findings}
    assert "DAILY_CHECK_NEEDED" not in codes and "DIRECTIONS_MISMATCH" not in codes
    above = codes["DAILY_AMOUNT_ABOVE_MAXIMUM"]
    assert above.severity is Severity.ERROR and above.patient
    assert "3 g × 3 a day gives 900.0 mg lidocaine a day" in above.message and "850 mg" in above.message
    with sessions.begin() as s, pytest.raises(RecordError, match=r"error findings \(DAILY_AMOUNT_ABOVE_MAXIMUM\).*overrides"):
        make_batch(s, pharmacy.technician, catalog, **args(pharmacy, version_id, clock), order=data,
                   acknowledgements=signed(plan, pharmacy, overrides=False))
    with sessions.begin() as s:
        record = make_batch(s, pharmacy.technician, catalog, **args(pharmacy, version_id, clock), order=data,
                            acknowledgements=signed(plan, pharmacy))
    with sessions() as s:
        stored = batch_record(s, record.batch_number)
    override = {a.code: a for a in stored.acknowledgements}["DAILY_AMOUNT_ABOVE_MAXIMUM"]
    assert override.override and override.by == "Paula Pharmacist, RPh" and override.reason == REASON
    assert stored.plan[DIRECTIONS_USED] == {"amount": "3 g", "times_per_day": 3}
    assert "DAILY_AMOUNT_ABOVE_MAXIMUM" in {f["code"] for f in stored.plan["findings"]}


def test_under_the_daily_maximum_needs_no_override(sessions, clock, catalog, lidocaine):
    pharmacy, version_id = lidocaine
    data = order(TID_2_5G, directions="Apply 2.5 g to the lower back three times a day")
    plan = plan_for(sessions, catalog, clock, pharmacy, version_id, data)
    assert not [f for f in plan.findings if f.severity is Severity.ERROR]
    with sessions.begin() as s:
        record = make_batch(s, pharmacy.technician, catalog, **args(pharmacy, version_id, clock), order=data,
                            acknowledgements=signed(plan, pharmacy, overrides=False))
    assert record.plan[DIRECTIONS_USED] == {"amount": "2.5 g", "times_per_day": 3}


def test_label_directions_that_differ_from_the_dose_check_are_a_warning(sessions, clock, catalog, lidocaine):
    pharmacy, version_id = lidocaine
    data = order(TID_2_5G, directions="Apply 2.5 g to the lower back twice a day")
    found = {f.code: f for f in plan_for(sessions, catalog, clock, pharmacy, version_id, data).findings}
    assert found["DIRECTIONS_MISMATCH"].severity is Severity.WARNING


def test_more_than_the_container_holds_is_refused(sessions, clock, catalog, lidocaine):
    pharmacy, version_id = lidocaine
    data = {**order(TID_2_5G, directions="Apply 2.5 g to the lower back three times a day", quantity="100 g"), "container": "60 g ointment jar"}
    plan = plan_for(sessions, catalog, clock, pharmacy, version_id, data)
    small = [f for f in plan.findings if f.code == "CONTAINER_TOO_SMALL"]
    assert len(small) == 1 and small[0].severity is Severity.ERROR and not small[0].patient
    assert "100 g will not go into the 60 g ointment jar" in small[0].message
    with sessions.begin() as s, pytest.raises(RecordError, match=r"error findings \(CONTAINER_TOO_SMALL\)"):
        make_batch(s, pharmacy.technician, catalog, **args(pharmacy, version_id, clock), order=data, acknowledgements=signed(plan, pharmacy))


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (order({"amount": "3 tablets", "times_per_day": 3}), "directions.amount", ""),
        (order({"amount": "3 g", "times_per_day": 0}), "directions.times_per_day", "more than 0 and at most 24"),
        (order({"amount": "3 g"}), "directions.times_per_day", "missing"),
        (order(TID_3G, quantity="lots"), "prescription.quantity", ""),
        (order(TID_3G, refills=-1), "prescription.refills", "0 to 99"),
        ({**order(TID_3G), "container": "MegaClick 50 mL"}, "container", "click dispenser"),
    ],
)
def test_an_order_the_engine_would_refuse_is_refused_naming_the_field(sessions, clock, catalog, lidocaine, data, field, words):
    pharmacy, version_id = lidocaine
    with pytest.raises(InputError) as refused:
        plan_for(sessions, catalog, clock, pharmacy, version_id, data)
    assert refused.value.field == field and words in refused.value.message
