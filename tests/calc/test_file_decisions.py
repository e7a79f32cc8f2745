"""Issue 13: a formula file's ``acknowledged`` list can claim any name and role. A technician's
decision is refused; an override of a patient error from a file is never printed (only the
records' signed ones are); a file's acknowledgement of a warning prints as unverified."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from compounder.calc import InputError
from compounder.calc.prescription import Acknowledgement, parse_order
from compounder.calc.record import decision_text
from compounder.calc.release import release
from tests.calc.formulas import NSAID_ALLERGY, REASON, plan_for

TESS_OVERRIDES = {"code": "NSAID_HYPERSENSITIVITY", "by": "Tess Technician", "role": "technician", "reason": REASON, "override": True}


def test_a_technicians_override_in_a_formula_file_is_refused_naming_the_field():
    with pytest.raises(InputError) as refused:
        parse_order({"acknowledged": [TESS_OVERRIDES]})
    assert refused.value.field == "acknowledged[0].role"
    assert refused.value.message == "'technician': only a pharmacist acknowledges a warning or overrides an error; a technician's decision is refused"


def test_a_pharmacists_name_typed_into_a_file_does_not_override_a_patient_error(catalog):
    plan = plan_for(catalog, NSAID_ALLERGY)
    claimed = {**TESS_OVERRIDES, "by": "Paula Pharmacist, RPh", "role": "pharmacist"}
    with pytest.raises(InputError) as refused:
        release(plan, parse_order({"acknowledged": [claimed]}))
    assert refused.value.field == "acknowledged[0].override"
    assert refused.value.message.startswith("NSAID_HYPERSENSITIVITY: an override of a patient screening error is accepted only from the records")


def test_a_files_acknowledgement_prints_as_unverified_and_a_records_one_does_not():
    at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    typed = Acknowledgement("SUPPLY_BEYOND_BUD", "Paula P., RPh", "rest discarded at the BUD", role="pharmacist", at=at)
    assert decision_text(typed) == (
        "acknowledged (unverified: as typed in the formula file, not signed in the records) by Paula P., RPh (pharmacist), "
        "2026-11-23 09:00 UTC: rest discarded at the BUD"
    )
    signed = dataclasses.replace(typed, verified=True)
    assert decision_text(signed) == "acknowledged by Paula P., RPh (pharmacist), 2026-11-23 09:00 UTC: rest discarded at the BUD"
    assert "verified" not in typed.data()  # never written to a file, so a file cannot claim it
