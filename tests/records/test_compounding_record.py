"""The compounding record's QC results, deviations and remake links (issue 25), on both databases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.calc import evaluate, parse_formula
from compounder.calc.batch_document import plan_with_documents
from compounder.calc.prescription import parse_order
from compounder.records import batches, compounding_qc, trail_check
from compounder.records.batch_rows import batch_row
from compounder.records.library import FormulaLibrary
from compounder.records.policy import PermissionRefused, RecordError, Status
from tests.conftest import TODAY
from tests.records.helpers import ORDER, PHARMACY, make_pharmacy, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of

RECORD = {
    "characteristics": {"diclofenac sodium": "USP, micronized"},
    "container_closure": "120 g airless pump, white PP",
    "equipment": ["electronic balance 0.001 g", "ointment mill"],
    "description": "smooth, off-white cream",
    "bud_reference": "USP <795> (2023) Table 4: nonpreserved aqueous preparation, 14 days refrigerated (2–8 °C)",
    "labelling": "For external use only",
    "quality_control": {"appearance": "smooth, off-white, no particles", "ph": "5.5 to 7.0"},
}


def prepared(sessions, clock, pharmacy, *, qc=False):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy), qc=qc)
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    return record.batch_number


def test_verification_is_refused_naming_each_missing_qc_result(sessions, clock, pharmacy):
    number = prepared(sessions, clock, pharmacy)
    with sessions.begin() as s, pytest.raises(RecordError, match="QC results missing: final weight, appearance"):
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())
    with sessions.begin() as s:
        compounding_qc.enter_result(s, pharmacy.technician, number, "appearance", clock(), observed="smooth white cream", conforms=True)
    with sessions.begin() as s, pytest.raises(RecordError, match=r"QC results missing: final weight \("):
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())
    with sessions.begin() as s:
        compounding_qc.enter_result(s, pharmacy.technician, number, "final_weight", clock(), weight="119.4")
        assert batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock()).status is Status.VERIFIED
    with sessions() as s:
        assert trail_check.problems(s) == []


def test_the_final_weight_is_stored_with_its_yield_worked_by_hand(sessions, clock, pharmacy):
    number = prepared(sessions, clock, pharmacy)
    with sessions.begin() as s:
        # theoretical 120 g (the shipped formula, no excess); 117.6 / 120 = 0.98 → yield 98.0 %; −2.4 g;
        # the pharmacy's final-weight tolerance frozen with the batch, ± 2 % of 120 g = 2.4 g → 117.6 to 122.4 g: on the edge, within.
        result = compounding_qc.enter_result(s, pharmacy.technician, number, "final_weight", clock(), weight="117.6")
    assert result.passed and result.yield_percent == Decimal("98.0")
    assert result.result == "117.6 g of 120 g theoretical (-2.4 g), yield 98.0 %; within 117.600 to 122.400 g (± 2 %)"
    with sessions.begin() as s:
        # 113.9 g: below 117.6 g; 113.9 / 120 = 0.94916… → 94.9 %; a correction before verification, audited
        result = compounding_qc.enter_result(s, pharmacy.technician, number, "final_weight", clock(), weight="113.9")
        compounding_qc.enter_result(s, pharmacy.technician, number, "appearance", clock(), observed="smooth", conforms=True)
    assert not result.passed and result.yield_percent == Decimal("94.9")
    with sessions.begin() as s, pytest.raises(RecordError, match=r"QC failed: final weight \(113.9 g .*reject the batch"):
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())
    with sessions() as s:
        assert trail_check.problems(s) == []


@pytest.mark.parametrize(("kind", "values", "field"), [
    ("final_weight", {"weight": "heavy"}, "'heavy' is not a weight"),
    ("final_weight", {}, "final weight: give"),
    ("final_weight", {"weight": "0"}, "final weight: a weight above 0 g"),
    ("appearance", {"observed": "fine"}, "appearance: say whether it conforms"),
    ("appearance", {"conforms": True}, "appearance: say what"),
    ("ph", {"ph": "6.5"}, "asks no pH"),
    ("viscosity", {}, "viscosity' is not a QC check"),
])
def test_bad_qc_entries_are_refused_naming_the_field(sessions, clock, pharmacy, kind, values, field):
    number = prepared(sessions, clock, pharmacy)
    with sessions.begin() as s, pytest.raises(RecordError, match=field):
        compounding_qc.enter_result(s, pharmacy.technician, number, kind, clock(), **values)


def pharmacy_formula(sessions, clock, catalog, pharmacy, record=RECORD):
    """The shipped cream saved as the pharmacy's own with a master record asking a pH, approved."""
    library = FormulaLibrary(sessions, clock)
    data = {**library.version(pharmacy.version_id).data, "master_record": record}
    entry = library.add(data["name"], data, pharmacy.technician)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    version = library.approved_version(entry.id)
    pharmacy.version_id = version.id
    pharmacy.plan = plan_with_documents(evaluate(parse_formula(version.data), catalog, TODAY), parse_order(ORDER), catalog, TODAY,
                                        PHARMACY.final_weight_tolerance)
    return version


def test_the_ph_is_asked_where_the_master_formula_gives_a_range(sessions, clock, catalog, pharmacy):
    pharmacy_formula(sessions, clock, catalog, pharmacy)
    number = prepared(sessions, clock, pharmacy)
    with sessions() as s:
        asked = compounding_qc.asked(s, batch_row(s, number))
    assert [(a.kind, a.specification) for a in asked] == [
        ("final_weight", "theoretical 120 g, accepted within ± 2 %; the yield is worked out"),
        ("appearance", "smooth, off-white, no particles"),
        ("ph", "pH 5.5 to 7.0"),
    ]
    with sessions.begin() as s:
        compounding_qc.enter_result(s, pharmacy.technician, number, "final_weight", clock(), weight="120.1")
        compounding_qc.enter_result(s, pharmacy.technician, number, "appearance", clock(), observed="smooth, off-white", conforms=True)
    with sessions.begin() as s, pytest.raises(RecordError, match=r"QC results missing: pH \("):
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())
    with sessions.begin() as s:
        low = compounding_qc.enter_result(s, pharmacy.technician, number, "ph", clock(), ph="5.4")
    assert not low.passed and low.result == "pH 5.4; OUTSIDE 5.5 to 7.0"
    with sessions.begin() as s:
        assert compounding_qc.enter_result(s, pharmacy.technician, number, "ph", clock(), ph="6.2").passed
        assert batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock()).status is Status.VERIFIED


def test_a_deviation_needs_a_pharmacists_decision_before_verification(sessions, clock, pharmacy):
    number = prepared(sessions, clock, pharmacy, qc=True)
    with sessions.begin() as s:
        deviation = compounding_qc.record_deviation(s, pharmacy.technician, number, "mixed 10 min in the mill instead of 5",
                                                    "grit felt after 5 min", clock())
    assert deviation.number == 1 and deviation.decision is None
    with sessions.begin() as s, pytest.raises(RecordError, match="deviation 1 without a pharmacist's decision"):
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="only a pharmacist decides on a deviation"):
        compounding_qc.decide_deviation(s, pharmacy.technician, number, 1, "accepted", None, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="note: say why"):
        compounding_qc.decide_deviation(s, pharmacy.pharmacist, number, 1, "rejected", "", clock())
    with sessions.begin() as s:
        compounding_qc.decide_deviation(s, pharmacy.pharmacist, number, 1, "rejected", "milling time not validated", clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="deviation 1 rejected by a pharmacist"):
        batches.verify(s, credentials_of(pharmacy.second_pharmacist), number, clock())
    with sessions.begin() as s:
        decided = compounding_qc.decide_deviation(s, pharmacy.pharmacist, number, 1, "accepted", "longer milling does no harm", clock())
    assert decided.text() == ("Deviation 1: mixed 10 min in the mill instead of 5 — reason: grit felt after 5 min (recorded by Tess Technician); "
                              "accepted by Paula Pharmacist, RPh 2026-11-23 09:00 UTC: longer milling does no harm")
    with sessions.begin() as s:
        assert batches.verify(s, credentials_of(pharmacy.second_pharmacist), number, clock()).status is Status.VERIFIED
        with pytest.raises(RecordError, match="no longer change"):
            compounding_qc.record_deviation(s, pharmacy.technician, number, "late", "late", clock())
    with sessions() as s:
        assert trail_check.problems(s) == []


def test_a_remake_is_linked_to_the_batch_it_replaces(sessions, clock, pharmacy):
    failed = prepared(sessions, clock, pharmacy, qc=True)
    with sessions.begin() as s:
        batches.reject(s, credentials_of(pharmacy.pharmacist), failed, "cream separated", clock())
    remake = new_batch(sessions, clock, pharmacy).batch_number
    with sessions.begin() as s, pytest.raises(RecordError, match="reason: say why"):
        compounding_qc.link_remake(s, pharmacy.technician, remake, failed, " ", clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="does not replace itself"):
        compounding_qc.link_remake(s, pharmacy.technician, remake, remake, "x", clock())
    with sessions.begin() as s:
        compounding_qc.link_remake(s, pharmacy.technician, remake, failed, "the first separated", clock())
    other = new_batch(sessions, clock, pharmacy).batch_number
    with sessions.begin() as s, pytest.raises(RecordError, match=f"batch {failed} is already linked"):
        compounding_qc.link_remake(s, pharmacy.technician, other, failed, "again", clock())
    with sessions() as s:
        new, old = compounding_qc.details(s, batch_row(s, remake)), compounding_qc.details(s, batch_row(s, failed))
        assert (new.remake_of, new.remake_reason, old.replaced_by) == (failed, "the first separated", remake)
        assert trail_check.problems(s) == []


def test_an_amendment_carries_the_qc_results(sessions, clock, pharmacy):
    number = prepared(sessions, clock, pharmacy, qc=True)
    with sessions.begin() as s:
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())
        amendment = batches.amend(s, pharmacy.pharmacist, number, "directions corrected", clock())
        found = compounding_qc.details(s, batch_row(s, amendment.batch_number))
    assert [(r.kind, r.passed) for r in found.results] == [("final_weight", True), ("appearance", True)]


def test_without_a_final_weight_tolerance_the_person_weighing_judges_it(sessions, clock, catalog):
    plain = make_pharmacy(sessions, clock, catalog)  # its plan froze no documents, so no final-weight tolerance
    number = prepared(sessions, clock, plain)
    with sessions.begin() as s, pytest.raises(RecordError, match="say whether the weight is within the SOP's range"):
        compounding_qc.enter_result(s, plain.technician, number, "final_weight", clock(), weight="119")
    with sessions.begin() as s:
        # 119 / 120 = 0.991666… → 99.2 %; −1 g
        result = compounding_qc.enter_result(s, plain.technician, number, "final_weight", clock(), weight="119", conforms=True)
    assert result.passed and result.result.startswith("119 g of 120 g theoretical (-1 g), yield 99.2 %; within the SOP's range")
