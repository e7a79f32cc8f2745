""""Not recorded" against "none known" in the screening, and the print gate's overrides of errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json

import pytest

from compounder.calc import InputError, Severity, evaluate, parse_formula
from compounder.calc.patient import PatientProfile, parse_patient, profile_data
from compounder.calc.prescription import parse_order, reason_problem
from compounder.calc.release import BatchBlocked, open_errors, open_findings, release, stale_acknowledgements
from compounder.cli import run
from tests.calc.formulas import NSAID_ALLERGY, REASON, active, formula, plan_for
from tests.conftest import TODAY  # 2026-11-23
from tests.pdf_text import pdf_text


def codes(plan):
    return {f.code: f for f in plan.findings}


def test_a_part_not_recorded_is_reported_and_none_known_is_quiet(catalog):
    # Ketoprofen: NSAID rules need allergies (NSAID hypersensitivity, octocrylene), conditions and medicines.
    missing = codes(plan_for(catalog, {"date_of_birth": "1960-01-01"}))
    for code, words in (("ALLERGIES_NOT_RECORDED", "NSAID or aspirin hypersensitivity"), ("CONDITIONS_NOT_RECORDED", "kidney disease"),
                        ("MEDICINES_NOT_RECORDED", "anticoagulant")):
        assert missing[code].severity is Severity.INFO
        assert "not recorded" in missing[code].message and words in missing[code].message and "ketoprofen" in missing[code].message
    none_known = codes(plan_for(catalog, {"date_of_birth": "1960-01-01", "allergies": [], "conditions": [], "medications": []}))
    assert not {"ALLERGIES_NOT_RECORDED", "CONDITIONS_NOT_RECORDED", "MEDICINES_NOT_RECORDED"} & set(none_known)
    assert not [f for f in none_known.values() if f.severity is not Severity.INFO]


def test_not_recorded_stays_quiet_for_an_active_no_rule_needs_it_for(catalog):
    # Lidocaine has an allergy rule (amide anaesthetics) but no condition or medicine rule.
    found = codes(plan_for(catalog, {}, [active("lidocaine", "5 %")]))
    assert "ALLERGIES_NOT_RECORDED" in found
    assert "CONDITIONS_NOT_RECORDED" not in found and "MEDICINES_NOT_RECORDED" not in found


def test_profile_data_round_trip_keeps_not_recorded_apart_from_none_known(catalog):
    profile = parse_patient({"weight": "62.5 kg", "allergies": [], "medications": ["warfarin"]}, catalog)
    assert profile.allergies == frozenset() and profile.conditions is None and profile.medications == {"anticoagulant"}
    data = profile_data(profile)
    assert data == {"weight": "62.5 kg", "allergies": [], "medications": ["anticoagulant"]}
    assert parse_patient(data, catalog) == profile
    assert PatientProfile().has("allergy", "nsaid_hypersensitivity") is False


# ---------------------------------------------------------------- overrides

def order(*acks):
    return parse_order({"acknowledged": list(acks)})


def test_an_error_blocks_until_overridden_and_the_override_is_returned(catalog):
    plan = plan_for(catalog, NSAID_ALLERGY)
    assert codes(plan)["NSAID_HYPERSENSITIVITY"].severity is Severity.ERROR
    with pytest.raises(BatchBlocked) as blocked:
        release(plan, order())
    assert [f.code for f in blocked.value.findings] == ["NSAID_HYPERSENSITIVITY"] and "override" in blocked.value.reason
    # Merely acknowledged (no override): still blocked.
    with pytest.raises(BatchBlocked):
        release(plan, order({"code": "NSAID_HYPERSENSITIVITY", "by": "Paula P., RPh", "reason": REASON}))
    ack = {"code": "nsaid_hypersensitivity", "by": "Paula P., RPh", "reason": REASON, "override": True, "role": "pharmacist",
           "at": "2026-11-23T09:05:00+00:00"}
    # From a formula file, an override is refused whatever name and role it claims (issue 13).
    with pytest.raises(InputError) as refused:
        release(plan, order(ack))
    assert refused.value.field == "acknowledged[0].override" and "accepted only from the records" in refused.value.message
    # Read back from the records, where a signed-in pharmacist signed it, it releases the batch.
    signed = order(ack)
    signed = dataclasses.replace(signed, acknowledged=tuple(dataclasses.replace(a, verified=True) for a in signed.acknowledged))
    released = {item.finding.code: item.acknowledgement for item in release(plan, signed)}
    override = released["NSAID_HYPERSENSITIVITY"]
    assert override.override and override.action == "OVERRIDDEN" and override.role == "pharmacist"
    assert override.at == dt.datetime(2026, 11, 23, 9, 5, tzinfo=dt.UTC)
    assert open_errors(plan, order(ack)) == () and open_findings(plan, order()) == (codes(plan)["NSAID_HYPERSENSITIVITY"],)


def test_an_override_on_a_warning_or_without_a_real_reason_is_refused(catalog):
    plan = plan_for(catalog, {"allergies": [], "conditions": ["kidney disease"], "medications": []})
    assert codes(plan)["NSAID_KIDNEY_DISEASE"].severity is Severity.WARNING
    with pytest.raises(InputError) as error:
        release(plan, order({"code": "NSAID_KIDNEY_DISEASE", "by": "P", "reason": REASON, "override": True}))
    assert error.value.field == "acknowledged[0].override" and "warning" in error.value.message
    with pytest.raises(InputError) as error:
        order({"code": "X", "by": "P", "reason": "ok", "override": True})
    assert error.value.field == "acknowledged[0].reason" and "too short" in error.value.message
    with pytest.raises(InputError) as error:
        order({"code": "X", "by": "P", "reason": REASON, "override": "yes"})
    assert error.value.field == "acknowledged[0].override"
    stale = order({"code": "NSAID_KIDNEY_DISEASE", "by": "P", "reason": REASON, "override": True})
    assert [a.code for a in stale_acknowledgements(plan, stale)] == ["NSAID_KIDNEY_DISEASE"]


def test_an_error_of_the_formula_itself_is_never_overridden(catalog):
    plan = evaluate(parse_formula(formula(active("camphor", "12 %"))), catalog, TODAY)
    assert codes(plan)["STRENGTH_ABOVE_MAXIMUM"].severity is Severity.ERROR and not codes(plan)["STRENGTH_ABOVE_MAXIMUM"].patient
    with pytest.raises(InputError) as error:
        release(plan, order({"code": "STRENGTH_ABOVE_MAXIMUM", "by": "P", "reason": REASON, "override": True}))
    assert error.value.field == "acknowledged[0].override" and "corrected, never overridden" in error.value.message
    assert open_errors(plan, order()) == ()  # nothing to offer a pharmacist: the formula is corrected


@pytest.mark.parametrize(
    ("reason", "usable"),
    [("", False), ("   ", False), ("ok", False), ("reviewed", False), ("..........", False), ("aaaa aaaa aaaa", False),
     ("prescriber confirmed", True), (REASON, True)],
)
def test_reason_rule(reason, usable):
    assert (reason_problem(reason) is None) is usable


def test_cli_worksheet_with_an_override_and_exit_2_for_a_bad_one(catalog, tmp_path):
    from tests.documents.helpers import PHARMACY, issue_formula

    settings = tmp_path / "pharmacy.json"
    settings.write_text(json.dumps(PHARMACY), encoding="utf-8")
    data = issue_formula()
    data["patient"] = {"date_of_birth": "1970-05-05", "allergies": ["NSAID allergy"], "conditions": [], "medications": []}
    # the prescription's date of birth must agree with the profile's (it feeds the screening), and
    # 40 g at 1 g three times a day lasts 40 / 3 = 13.3 days, inside the 14-day beyond-use date
    data["prescription"] = {**data["prescription"], "date_of_birth": "1970-05-05", "quantity": "40 g"}
    path, out_pdf = tmp_path / "rx.json", tmp_path / "w.pdf"

    def worksheet() -> tuple[int, str]:
        path.write_text(json.dumps(data), encoding="utf-8")
        err = io.StringIO()
        status = run(["worksheet", str(path), "--out", str(out_pdf), "--pharmacy-settings", str(settings)],
                     load_catalog=lambda _p: catalog, today=TODAY, stdout=io.StringIO(), stderr=err)
        return status, err.getvalue()

    status, err = worksheet()
    assert status == 1 and "NSAID_HYPERSENSITIVITY" in err and "override" in err and not out_pdf.exists()
    data["acknowledged"] = [{"code": "NSAID_HYPERSENSITIVITY", "by": "Paula P., RPh", "reason": "too short", "override": True}]
    status, err = worksheet()
    assert status == 2 and err.count("\n") == 1 and "acknowledged[0].reason" in err
    data["acknowledged"][0]["reason"] = REASON
    # A formula file's override is not printed, whoever it names (issue 13): one line, exit 2.
    status, err = worksheet()
    assert status == 2 and err.count("\n") == 1 and "acknowledged[0].override" in err and "accepted only from the records" in err
    # A technician's decision is refused outright.
    data["acknowledged"] = [{"code": "SUPPLY_BEYOND_BUD", "by": "Tess Technician", "role": "technician", "reason": "patient told to discard the rest at the BUD"}]
    status, err = worksheet()
    assert status == 2 and "acknowledged[0].role" in err and "only a pharmacist acknowledges" in err
    # Without the allergy, the warning's acknowledgement prints, marked as unverified. The warning:
    # 60 g at 1 g three times a day = 3 g a day lasts 60 / 3 = 20 days, beyond the 14-day beyond-use
    # date (SUPPLY_BEYOND_BUD); the 120 g batch is 120 / 60 = 2 times the fill, not a slipped digit (over 3).
    data["patient"]["allergies"] = []
    data["prescription"]["quantity"] = "60 g"
    data["acknowledged"] = [{"code": "SUPPLY_BEYOND_BUD", "by": "Paula P., RPh", "reason": "patient told to discard the rest at the BUD"}]
    status, err = worksheet()
    assert status == 0 and out_pdf.exists(), err
    text = pdf_text(out_pdf.read_bytes())
    assert "lasts 20.0 days, longer than the beyond-use date of 14 days" in " ".join(text.split())
    assert "acknowledged (unverified: as typed in the formula file, not signed in the records) by Paula P., RPh: patient told to discard the rest at the BUD" in text
    # Born 1970-05-05, compounded 2026-11-23: 56 years (the birthday in May has passed).
    assert "56 years on 2026-11-23 (born 1970-05-05)" in text

