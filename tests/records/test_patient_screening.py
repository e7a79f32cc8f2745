"""Patient profiles in the records, the role rules for acknowledging and overriding findings, and
batches that are screened for the stored profile and keep the pharmacists' signed decisions."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from compounder.calc import Severity
from compounder.records import people, trail_check
from compounder.records.batches import FindingDecision, batch_record
from compounder.records.model import AuditEntry, BatchAcknowledgement
from compounder.records.patients import ProfileEntry, parse_body_weight, save_profile, screening_profile, stored_profile
from compounder.records.policy import Actor, PermissionRefused, RecordError, Role, may_decide_finding
from compounder.records.screening import make_batch, screened_for, screened_plan
from tests.pdf_text import pdf_text
from tests.records.helpers import make_pharmacy
from tests.records.signing_helpers import credentials_of

REASON = "prescriber confirmed the allergy was GI upset only"


# ---------------------------------------------------------------- role rules (pure)

PAULA = Actor(3, "paula", Role.PHARMACIST)
TESS = Actor(2, "tess", Role.TECHNICIAN)
ADA = Actor(1, "ada", Role.ADMINISTRATOR)


@pytest.mark.parametrize("severity", ["warning", "error"])
def test_an_active_pharmacist_with_a_reason_may_decide(severity):
    assert may_decide_finding(PAULA, active=True, severity=severity, code="X", reason=f"  {REASON} ") == REASON


@pytest.mark.parametrize(("signer", "role"), [(TESS, "technician"), (ADA, "administrator")])
@pytest.mark.parametrize(("severity", "what"), [("warning", "acknowledge a warning"), ("error", "override an error")])
def test_only_a_pharmacist_decides_and_the_refusal_names_the_role(signer, role, severity, what):
    with pytest.raises(PermissionRefused) as refused:
        may_decide_finding(signer, active=True, severity=severity, code="NSAID_HYPERSENSITIVITY", reason=REASON)
    assert f"only a pharmacist may {what}" in str(refused.value) and f"is a {role}" in str(refused.value)


def test_an_inactive_pharmacist_is_refused():
    with pytest.raises(PermissionRefused, match="switched off"):
        may_decide_finding(PAULA, active=False, severity="warning", code="X", reason=REASON)


@pytest.mark.parametrize("reason", [None, "", "   ", "ok", "fine", "x x x x x x"])
def test_a_blank_or_short_reason_is_refused(reason):
    with pytest.raises(RecordError) as refused:
        may_decide_finding(PAULA, active=True, severity="error", code="NSAID_HYPERSENSITIVITY", reason=reason)
    assert str(refused.value).startswith("NSAID_HYPERSENSITIVITY: ") and ("reason" in str(refused.value) or "too short" in str(refused.value))


@pytest.mark.parametrize(
    ("text", "unit", "kilograms"),
    [("62", "kg", Decimal("62")), ("62,5", "kg", Decimal("62.5")), ("62.5 kg", "lb", Decimal("62.5")),
     # 136 lb × 0.45359237 kg/lb = 61.68856232 kg → 61.689 kg (to the gram)
     ("136", "lb", Decimal("61.689"))],
)
def test_body_weight_with_its_unit(text, unit, kilograms):
    assert parse_body_weight(text, unit) == kilograms


@pytest.mark.parametrize("text", ["", "sixty", "0.2", "401", "-62", "62 mL"])
def test_a_body_weight_that_is_not_one_is_refused(text):
    with pytest.raises(RecordError):
        parse_body_weight(text, "kg")


# ---------------------------------------------------------------- profiles


def test_profile_round_trip_with_its_audit_entry(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    patient_id = pharmacy.patient.id
    with sessions() as s:
        before = stored_profile(s, patient_id)
        assert before.allergies is None and before.conditions is None and before.medications is None and before.weight_kg is None
        profile = screening_profile(s, patient_id)
        assert profile.allergies is None and profile.date_of_birth == dt.date(1948, 3, 2)
    clock.advance(minutes=5)
    entry = ProfileEntry(
        date_of_birth=dt.date(1948, 3, 2), weight_kg=Decimal("62.5"), allergies=("NSAID allergy",), conditions=(),
        medications=("warfarin", "SSRI"), medication_notes="  metoprolol 25 mg   twice daily ",
    )
    with sessions.begin() as s:
        saved = save_profile(s, pharmacy.technician, patient_id, entry, catalog, clock())
    assert saved.allergies == ("nsaid-hypersensitivity",)  # "NSAID allergy" coded to its term
    assert saved.conditions == () and len(saved.medications) == 2 and saved.medication_notes == "metoprolol 25 mg twice daily"
    assert saved.updated_by == "Tess Technician" and saved.updated_at == clock()
    with sessions() as s:
        again = stored_profile(s, patient_id)
        assert again == saved and again.weight_kg == Decimal("62.5")
        profile = screening_profile(s, patient_id)
        assert profile.weight.m_as("kg") == 62.5 and profile.conditions == frozenset() and "anticoagulant" in profile.medications
        entry_row = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "patient", AuditEntry.row_id == patient_id)
                              .order_by(AuditEntry.sequence.desc())).first()
        assert entry_row.action == "profile" and entry_row.username == "tess"
        assert json.loads(entry_row.old).get("allergies") is None
        assert json.loads(entry_row.new)["weight_kg"] == "62.5" and json.loads(entry_row.new)["conditions"] == []
        assert trail_check.problems(s) == []


def test_profile_refusals(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    pid = pharmacy.patient.id
    cases = [
        (pharmacy.admin, ProfileEntry(), "administrator"),
        (pharmacy.technician, ProfileEntry(date_of_birth=dt.date(2027, 1, 1)), "future"),
        (pharmacy.technician, ProfileEntry(weight_kg=Decimal("900")), "not a body weight"),
        (pharmacy.technician, ProfileEntry(medications=("MAOIs",)), 'did you mean "MAO inhibitor"'),
    ]
    for actor, entry, words in cases:
        with sessions.begin() as s, pytest.raises(RecordError, match=words):
            save_profile(s, actor, pid, entry, catalog, clock())


def test_db_check_is_clean_after_profiles_and_decisions(tmp_path, clock, catalog):
    from compounder.records.database import migrate, open_database, session_factory
    from compounder.records.maintenance import check

    engine = open_database(f"sqlite:///{tmp_path / 'p.sqlite'}")
    try:
        migrate(engine)
        sessions = session_factory(engine)
        pharmacy = make_pharmacy(sessions, clock, catalog)
        with sessions.begin() as s:
            save_profile(s, pharmacy.technician, pharmacy.patient.id, ProfileEntry(dt.date(1948, 3, 2), Decimal("62"), ("NSAID allergy",), (), ()), catalog, clock())
        with sessions.begin() as s:
            make_batch(s, pharmacy.technician, catalog, **batch_args(pharmacy, clock), acknowledgements=decisions(pharmacy, s, catalog, clock))
        assert check(engine) == []
    finally:
        engine.dispose()


# ---------------------------------------------------------------- batches


def batch_args(pharmacy, clock) -> dict:
    return dict(formula_version_id=pharmacy.version_id, patient=pharmacy.patient, rx_number="RX-2001", prescriber="Dr. A. Smith",
                compounded_on=clock().date(), tolerance_percent="5", now=clock())


def decisions(pharmacy, session, catalog, clock, signer=None, reason=REASON) -> list[FindingDecision]:
    plan = screened_plan(session, catalog, pharmacy.version_id, pharmacy.patient.id, clock().date())
    return [FindingDecision(f.code, credentials_of(signer or pharmacy.pharmacist), reason) for f in plan.findings if f.severity is not Severity.INFO]


@pytest.fixture
def allergic(sessions, clock, catalog):
    """The reference diclofenac / cyclobenzaprine formula for a patient with an NSAID allergy, born 1948 (78)."""
    pharmacy = make_pharmacy(sessions, clock, catalog)
    with sessions.begin() as s:
        save_profile(s, pharmacy.technician, pharmacy.patient.id,
                     ProfileEntry(dt.date(1948, 3, 2), Decimal("62"), ("NSAID allergy",), (), ()), catalog, clock())
    return pharmacy


def test_the_batch_is_screened_for_the_stored_profile(sessions, clock, catalog, allergic):
    with sessions() as s:
        found = {f.code: f.severity for f in screened_plan(s, catalog, allergic.version_id, allergic.patient.id, clock().date()).findings}
    assert found["NSAID_HYPERSENSITIVITY"] is Severity.ERROR
    # Born 1948-03-02, compounded 2026-11-23: 78, so 65 or older.
    assert found["MUSCLE_RELAXANT_OLDER_ADULT"] is Severity.WARNING
    assert "ALLERGIES_NOT_RECORDED" not in found


def test_a_profile_not_recorded_reports_the_checks_not_made(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    with sessions() as s:
        found = {f.code: f for f in screened_plan(s, catalog, pharmacy.version_id, pharmacy.patient.id, clock().date()).findings}
    for code in ("ALLERGIES_NOT_RECORDED", "CONDITIONS_NOT_RECORDED", "MEDICINES_NOT_RECORDED"):
        assert found[code].severity is Severity.INFO and "not recorded" in found[code].message


def test_batch_refused_without_the_override_and_the_acknowledgements(sessions, clock, catalog, allergic):
    with sessions.begin() as s, pytest.raises(RecordError, match=r"error findings \(NSAID_HYPERSENSITIVITY\).*overrides"):
        make_batch(s, allergic.technician, catalog, **batch_args(allergic, clock))
    with sessions.begin() as s:
        only_error = [d for d in decisions(allergic, s, catalog, clock) if d.code == "NSAID_HYPERSENSITIVITY"]
    with sessions.begin() as s, pytest.raises(RecordError, match=r"warnings not acknowledged \(.*MUSCLE_RELAXANT_OLDER_ADULT"):
        make_batch(s, allergic.technician, catalog, **batch_args(allergic, clock), acknowledgements=only_error)


def test_a_technician_cannot_sign_a_decision(sessions, clock, catalog, allergic):
    with sessions.begin() as s:
        signed = decisions(allergic, s, catalog, clock, signer=allergic.technician)
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="only a pharmacist may .* tess is a technician"):
        make_batch(s, allergic.technician, catalog, **batch_args(allergic, clock), acknowledgements=signed)


def test_a_pharmacist_switched_off_since_signing_in_is_refused(sessions, clock, catalog, allergic):
    with sessions.begin() as s:
        signed = decisions(allergic, s, catalog, clock)
        people.set_active(s, allergic.admin, "paula", False, clock())
    with sessions.begin() as s, pytest.raises(people.AccountSwitchedOff, match="the account paula is switched off"):
        make_batch(s, allergic.technician, catalog, **batch_args(allergic, clock), acknowledgements=signed)


def test_override_and_acknowledgements_are_stored_audited_and_read_back(sessions, clock, catalog, allergic):
    with sessions.begin() as s:
        signed = decisions(allergic, s, catalog, clock)
        record = make_batch(s, allergic.technician, catalog, **batch_args(allergic, clock), acknowledgements=signed)
    by_code = {a.code: a for a in record.acknowledgements}
    override = by_code["NSAID_HYPERSENSITIVITY"]
    assert override.override and override.action == "OVERRIDDEN" and override.by == "Paula Pharmacist, RPh"
    assert override.role == "pharmacist" and override.reason == REASON and override.at == clock()
    assert not by_code["MUSCLE_RELAXANT_OLDER_ADULT"].override
    with sessions() as s:
        rows = s.scalars(select(BatchAcknowledgement).where(BatchAcknowledgement.batch_id == record.id)).all()
        assert {(r.code, r.severity, r.action) for r in rows} >= {
            ("NSAID_HYPERSENSITIVITY", "error", "overridden"), ("MUSCLE_RELAXANT_OLDER_ADULT", "warning", "acknowledged")}
        assert all("diclofenac" in r.message or "cyclobenzaprine" in r.message for r in rows)
        trail = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "batch_acknowledgement")).all()
        assert {(e.action, e.username) for e in trail} == {("override", "paula"), ("acknowledge", "paula")}
        assert batch_record(s, record.batch_number).acknowledgements == record.acknowledgements
        assert trail_check.problems(s) == []
    stored = {f["code"]: f["severity"] for f in record.plan["findings"]}
    assert stored["NSAID_HYPERSENSITIVITY"] == "error"  # the plan frozen with the batch is the screened one
    # ... with the facts it was screened for, which stay as they were when the profile changes later.
    assert record.plan["screened_for"] == {"date_of_birth": "1948-03-02", "weight": "62 kg", "allergies": ["nsaid-hypersensitivity"],
                                           "conditions": [], "medications": []}
    with sessions.begin() as s:
        save_profile(s, allergic.technician, allergic.patient.id, ProfileEntry(dt.date(1948, 3, 2), Decimal("70"), (), (), ()), catalog, clock())
    with sessions() as s:
        frozen = screened_for(batch_record(s, record.batch_number).plan, catalog)
    assert frozen.weight.m_as("kg") == 62 and frozen.allergies == {"nsaid-hypersensitivity"}


def test_a_decision_for_a_code_the_batch_does_not_have_is_refused(sessions, clock, catalog, allergic):
    with sessions.begin() as s:
        signed = [*decisions(allergic, s, catalog, clock), FindingDecision("DUPLICATE_NSAID", credentials_of(allergic.pharmacist), REASON)]
    with sessions.begin() as s, pytest.raises(RecordError, match="DUPLICATE_NSAID is not a warning or error of this batch"):
        make_batch(s, allergic.technician, catalog, **batch_args(allergic, clock), acknowledgements=signed)


def test_reprint_prints_the_override_and_the_facts_screened_and_an_amendment_carries_the_decisions(sessions, clock, catalog, allergic):
    from compounder.calc.batch_document import plan_with_documents
    from compounder.calc.prescription import parse_order
    from compounder.documents.stored import stored_worksheet_pdf
    from compounder.records import batches, printing
    from compounder.settings import settings_from_data
    from tests.documents.helpers import PHARMACY
    from tests.records.helpers import weigh_all

    order = parse_order({"prescription": {"patient": "Jane Q. Doe", "rx_number": "RX-2001", "prescriber": "Dr. A. Smith"}})
    freeze = lambda plan: plan_with_documents(plan, order, catalog, clock().date(), None)  # noqa: E731
    with sessions.begin() as s:
        signed = decisions(allergic, s, catalog, clock)
        record = make_batch(s, allergic.technician, catalog, **batch_args(allergic, clock), acknowledgements=signed, freeze=freeze)
    with sessions() as s:
        pdf = stored_worksheet_pdf(printing.worksheet_to_print(s, allergic.technician, record.batch_number, clock()), settings_from_data(PHARMACY))
    text = pdf_text(pdf)
    assert f"OVERRIDDEN by Paula Pharmacist, RPh (pharmacist), 2026-11-23 09:00 UTC: {REASON}" in text
    # Born 1948-03-02, compounded 2026-11-23: 78 (the birthday in March has passed).
    assert "78 years on 2026-11-23 (born 1948-03-02)" in text and "NSAID or aspirin hypersensitivity" in text and "62 kg" in text

    record = weigh_all(sessions, clock, allergic, record)
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(allergic.technician), record.batch_number, clock())
        batches.verify(s, credentials_of(allergic.pharmacist), record.batch_number, clock())
        amendment = batches.amend(s, allergic.second_pharmacist, record.batch_number, "lot number typed wrong", clock())
    assert amendment.acknowledgements == record.acknowledgements and amendment.amends == record.batch_number
