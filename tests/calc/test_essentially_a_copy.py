"""Essentially a copy (issue #23): a formula matching a commercially available product asks for the
prescriber's documented clinical difference before it is made, recorded with the batch."""

from __future__ import annotations

import datetime as dt

import pytest

from compounder.calc import Severity, evaluate, parse_formula
from compounder.calc.patient import PatientProfile
from compounder.calc.release import overridable
from tests.calc.formulas import active, formula
from tests.conftest import TODAY

ADULT = PatientProfile(date_of_birth=dt.date(1970, 1, 1))


def findings(catalog, *actives, patient=ADULT):
    return {f.code: f for f in evaluate(parse_formula(formula(*actives)), catalog, TODAY, patient).findings}


@pytest.mark.parametrize(
    ("actives", "product"),
    [
        ([active("diclofenac sodium", "1 %")], "Voltaren Gel"),
        ([active("lidocaine", "5 %")], "Lidocaine Ointment USP, 5 %"),
        # lidocaine 2.5 % + prilocaine HCl 2.914 % = 2.914 × 220.31 / 256.77 = 2.500 % prilocaine
        ([active("lidocaine", "2.5 %"), active("prilocaine hydrochloride", "2.914 %")], "EMLA"),
    ],
)
def test_a_copy_of_a_commercial_product_is_an_error_to_override_with_the_reason(catalog, actives, product):
    found = findings(catalog, *actives)["ESSENTIALLY_A_COPY"]
    assert found.severity is Severity.ERROR and overridable(found)  # the reason is the prescriber's documented difference
    assert product in found.message and "503A" in found.message


def test_a_master_formula_not_yet_prescribed_is_told_what_each_batch_will_need(catalog):
    found = findings(catalog, active("lidocaine", "5 %"), patient=None)
    assert "ESSENTIALLY_A_COPY" not in found
    assert found["COPY_OF_COMMERCIAL_PRODUCT"].severity is Severity.INFO


def test_another_active_makes_it_no_copy(catalog):
    assert "ESSENTIALLY_A_COPY" not in findings(catalog, active("lidocaine", "5 %"), active("ketoprofen", "10 %"))


def test_the_same_actives_at_another_strength_are_left_to_the_pharmacist(catalog):
    found = findings(catalog, active("diclofenac sodium", "2 %"))
    assert "ESSENTIALLY_A_COPY" not in found
    assert found["SAME_ACTIVES_AS_PRODUCT"].severity is Severity.INFO  # two products, 1 % and 3 %: one finding each at most


def test_the_override_is_kept_with_the_batch(catalog):
    from compounder.calc.prescription import Acknowledgement, Order
    from compounder.calc.release import release

    plan = evaluate(parse_formula(formula(active("diclofenac sodium", "1 %"))), catalog, TODAY, ADULT)
    reason = "prescriber documents a fragrance-free base for the patient's contact allergy"
    ack = Acknowledgement("ESSENTIALLY_A_COPY", "Paula P., RPh", reason, override=True, role="pharmacist",
                          at=dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC), verified=True)
    released = {a.finding.code: a.acknowledgement for a in release(plan, Order(acknowledged=(ack,))) if a.acknowledgement}
    assert released["ESSENTIALLY_A_COPY"].reason == reason
