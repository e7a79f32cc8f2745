"""Issue 24 in the records, on SQLite and PostgreSQL: the blind double check at verification
(a mismatch blocks the verification and is recorded, a match lets it through and is recorded,
switching it off is an administrator's audited act) and a refill's formula changes signed by a
pharmacist (a technician cannot), stored and required before verification. Migration 0015
carries a database at 0014 forward.

The batch: lidocaine 4 % in 60 g of Lipoderm with lot LB26-777 at 95.0 % (``lidocaine_lot``):
by hand 60 g × 4 % = 2.400 g; ÷ 0.950 = 2.52632 g → 2.526 g on the 0.001 g balance.
"""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import select

from compounder.records import audit, batches, trail_check
from compounder.records.blind_check import blind_check_rule, checks_of, record_check, set_blind_check_rule
from compounder.records.library import FormulaLibrary
from compounder.records.model import AuditEntry
from compounder.records.policy import PermissionRefused, RecordError
from compounder.records.refill_signoff import sign, signed_change, store
from tests.records.helpers import PASSWORD, new_batch, pass_qc, weigh_all
from tests.records.lidocaine_lot import make_lidocaine_batch
from tests.records.signing_helpers import credentials_of

FORMULA = {
    "batch": "120 g", "base": "Lipoderm",
    "actives": [{"ingredient": "diclofenac sodium", "strength": "3 %"}, {"ingredient": "lidocaine", "strength": "5 %"}],
}


@pytest.fixture
def prepared(sessions, clock, catalog, lidocaine_lot):
    """The lidocaine batch weighed at its targets and signed as prepared, the blind check on."""
    pharmacy, version_id, lot, base = lidocaine_lot
    with sessions.begin() as s:
        set_blind_check_rule(s, pharmacy.admin, True, "actives", clock())
        record = make_lidocaine_batch(s, pharmacy, version_id, clock, catalog, lots={1: lot.id, 2: base.id})
        for line in record.lines:
            batches.enter_weight(s, pharmacy.technician, record.batch_number, line.position, str(line.target), clock())
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    pass_qc(sessions, clock, pharmacy.technician, record.batch_number)  # issue 25: verification waits for the QC results too
    return pharmacy, record.batch_number


def entries(sessions, table):
    with sessions() as s:
        return [tuple(e) for e in s.execute(select(AuditEntry.username, AuditEntry.action).where(AuditEntry.table_name == table)
                                              .order_by(AuditEntry.sequence)).all()]


def test_without_a_blind_check_a_pharmacist_cannot_verify(sessions, clock, prepared):
    pharmacy, number = prepared
    with sessions.begin() as s, pytest.raises(RecordError, match="the blind check comes first"):
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())


def test_a_mismatch_blocks_verification_and_is_recorded(sessions, clock, prepared):
    pharmacy, number = prepared
    # At the master formula's 99.8 % instead of the lot's 95.0 %: 2.400 / 0.998 = 2.40481 → 2.405 g.
    with sessions.begin() as s:
        outcome = record_check(s, pharmacy.pharmacist, number, {(1, "grams"): "2.405 g"}, clock())
    assert not outcome.matches
    assert outcome.check.compared[0].text == "line 1 (lidocaine): grams to weigh: you 2.405 g, the plan 2.526 g — DIFFERS"
    with sessions.begin() as s, pytest.raises(RecordError, match=r"your blind check did not match \(line 1 \(lidocaine\) grams: you 2.405 g, the plan 2.526 g\)"):
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())
    with sessions() as s:
        assert batches.batch_record(s, number).status.value == "prepared"
        (check,) = checks_of(s, number)
        assert (check["by"], check["matched"]) == ("paula", False)
        assert check["figures"] == [{"line": 1, "name": "lidocaine", "figure": "grams", "entered": "2.405", "typed": "2.405 g",
                                     "planned": "2.526315789", "shown": "2.526 g", "matches": False}]
        assert trail_check.problems(s) == []
    assert entries(sessions, "blind_check") == [("paula", "blind check MISMATCH")]


def test_a_match_lets_the_verification_through_and_is_recorded(sessions, clock, prepared):
    pharmacy, number = prepared
    with sessions.begin() as s:
        assert record_check(s, pharmacy.pharmacist, number, {(1, "grams"): "2.5263 g"}, clock()).matches  # 0.00002 g from 2.52632
    with sessions.begin() as s:
        assert batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock()).status.value == "verified"
    with sessions() as s:
        assert [(c["by"], c["matched"]) for c in checks_of(s, number)] == [("paula", True)]
        assert trail_check.problems(s) == []
    assert entries(sessions, "blind_check") == [("paula", "blind check matched")]


def test_the_check_is_the_verifiers_own(sessions, clock, prepared):
    """Peter's matching check does not let Paula verify: she has not worked the figures out."""
    pharmacy, number = prepared
    with sessions.begin() as s:
        record_check(s, pharmacy.second_pharmacist, number, {(1, "grams"): "2.526 g"}, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="the blind check comes first"):
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="only a pharmacist makes the blind check; tess is a technician"):
        record_check(s, pharmacy.technician, number, {(1, "grams"): "2.526 g"}, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match=r"blind check: figures: give line 1 \(lidocaine\): grams to weigh"):
        record_check(s, pharmacy.pharmacist, number, {}, clock())


def test_switching_the_check_off_is_an_administrators_audited_act(sessions, clock, prepared):
    pharmacy, number = prepared
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="only an administrator switches the blind check on or off; paula is a pharmacist"):
        set_blind_check_rule(s, pharmacy.pharmacist, False, "actives", clock())
    with sessions.begin() as s:
        rule = set_blind_check_rule(s, pharmacy.admin, False, "actives", clock())
    assert (rule.on, rule.changed[0]) == (False, "admin")
    with sessions.begin() as s:
        assert batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock()).status.value == "verified"
    # helpers switched it off first, the fixture on, this test off again
    assert entries(sessions, "pharmacy_rule") == [("admin", "blind check switched off"), ("admin", "blind check on"), ("admin", "blind check switched off")]
    with sessions() as s:
        assert not blind_check_rule(s).on
        assert trail_check.problems(s) == []


# --------------------------------------------------------------------------- refill changes


@pytest.fixture
def refill(sessions, clock, catalog, pharmacy):
    """A batch of diclofenac sodium 3 % / lidocaine 5 % made and prepared on RX-9, then a refill
    on the formula's next approved version, with lidocaine at 4 % (the batches' plans are the
    shared pharmacy's: the comparison is of the formula versions)."""
    library = FormulaLibrary(sessions, clock)
    entry = library.add("Our pain cream", FORMULA, pharmacy.pharmacist)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    pharmacy.version_id = library.approved_version(entry.id).id
    first = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx="RX-9"))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), first.batch_number, clock())
    data = copy.deepcopy(FORMULA)
    data["actives"][1]["strength"] = "4 %"
    library.update(entry.id, data, actor=pharmacy.pharmacist)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    pharmacy.version_id = library.approved_version(entry.id).id
    again = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx="RX-9"))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), again.batch_number, clock())
    pass_qc(sessions, clock, pharmacy.technician, again.batch_number)  # issue 25: verification waits for the QC results too
    return pharmacy, first.batch_number, again.batch_number


def test_a_technician_cannot_sign_a_refills_formula_changes(sessions, clock, refill):
    pharmacy, _first, number = refill
    with pytest.raises(PermissionRefused, match="tess is a technician: only a pharmacist signs a refill's formula changes"):
        sign(sessions, "tess", PASSWORD, clock())
    with pytest.raises(RecordError, match="wrong user name or password"):
        sign(sessions, "paula", "not her password", clock())
    with sessions() as s:
        assert signed_change(s, number) is None


def test_a_refill_to_a_changed_formula_is_verified_only_once_a_pharmacist_signed_the_changes(sessions, clock, refill):
    pharmacy, first, number = refill
    with sessions.begin() as s, pytest.raises(RecordError, match=f"is a refill and the formula changed since batch {first}.*lidocaine strength: 5 % → 4 %"):
        batches.verify(s, credentials_of(pharmacy.second_pharmacist), number, clock())
    signature = sign(sessions, "paula", PASSWORD, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="not the ones shown"):
        store(s, signature, number, ["lidocaine strength: 5 % → 3 %"], clock())
    with sessions.begin() as s:
        signed = store(s, signature, number, ["lidocaine strength: 5 % → 4 %"], clock())
    assert signed.changes == ("lidocaine strength: 5 % → 4 %",)
    assert signed.signature == "signed by Paula Pharmacist, RPh (paula), 2026-11-23 09:00 UTC: checked the refill's formula changes against the prescription"
    with sessions.begin() as s:
        assert batches.verify(s, credentials_of(pharmacy.second_pharmacist), number, clock()).status.value == "verified"
    with sessions() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "refill_change")).one()
        assert (row.username, row.action, json.loads(row.new)["changes"]) == ("paula", "sign refill changes", '["lidocaine strength: 5 % → 4 %"]')
        assert trail_check.problems(s) == []
    assert {"blind_check", "refill_change"} <= set(audit.AUDITED)


def test_the_worksheet_shows_the_signed_refill_change_and_the_blind_check(sessions, clock, refill, tmp_path):
    from compounder.documents.stored import stored_worksheet_pdf
    from compounder.records import printing
    from tests.pdf_text import pdf_text
    from tests.records.helpers import PHARMACY

    pharmacy, first, number = refill
    with sessions.begin() as s:
        store(s, sign(sessions, "paula", PASSWORD, clock()), number, ["lidocaine strength: 5 % → 4 %"], clock())
        sheet = printing.worksheet_to_print(s, pharmacy.second_pharmacist, number, clock())
    pdf = stored_worksheet_pdf(sheet, PHARMACY)
    (tmp_path / "refill-worksheet.pdf").write_bytes(pdf)
    text = " ".join(pdf_text(pdf).split())
    assert f"Refill: the formula changed since batch {first} (Our pain cream, version 1):" in text
    assert "• lidocaine strength: 5 % → 4 %" in text
    assert ("signed by Paula Pharmacist, RPh (paula), 2026-11-23 09:00 UTC: checked the refill's formula changes against the "
            "prescription") in text
    with sessions() as s:
        assert signed_change(s, first) is None  # the first fill has nothing to sign


def test_the_worksheet_lists_each_blind_check(sessions, clock, prepared):
    from compounder.documents.stored import stored_worksheet_pdf
    from compounder.records import printing
    from tests.pdf_text import pdf_text
    from tests.records.helpers import PHARMACY

    pharmacy, number = prepared
    with sessions.begin() as s:
        record_check(s, pharmacy.pharmacist, number, {(1, "grams"): "2.405 g"}, clock())
        record_check(s, pharmacy.pharmacist, number, {(1, "grams"): "2.526 g"}, clock())
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())
        text = " ".join(pdf_text(stored_worksheet_pdf(printing.worksheet_to_print(s, pharmacy.pharmacist, number, clock()), PHARMACY)).split())
    assert "Blind check by paula, 2026-11-23 09:00 UTC: DID NOT MATCH (line 1 lidocaine 2.405 g (plan 2.526 g))" in text
    assert "Blind check by paula, 2026-11-23 09:00 UTC: matched (line 1 lidocaine 2.526 g)" in text


def test_migration_0015_carries_a_0014_database_forward(tmp_path, clock):
    """A database at 0014 with a user in it: migrated to head, the two new tables are there and
    empty, the trail checks, and a blind-check setting can be stored."""
    from importlib.resources import as_file, files

    from alembic import command
    from sqlalchemy import inspect, text
    from sqlalchemy.orm import sessionmaker

    from compounder.records import people
    from compounder.records.database import HEAD_REVISION, alembic_config, current_revision, migrate, open_database
    from compounder.records.maintenance import check
    from compounder.records.policy import Role

    engine = open_database(f"sqlite:///{tmp_path / 'at-0014.sqlite'}")
    with engine.begin() as connection, as_file(files("compounder.records").joinpath("migrations")) as location:
        config = alembic_config(location)
        config.attributes["connection"] = connection
        command.upgrade(config, "0014")
    assert current_revision(engine) == "0014"
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions.begin() as s:
        admin = people.create_user(s, None, "admin", "Ada Admin", Role.ADMINISTRATOR, PASSWORD, clock())
    migrate(engine)
    assert current_revision(engine) == HEAD_REVISION and HEAD_REVISION >= "0015"
    assert {"blind_check", "refill_change"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM blind_check")).scalar() == 0
    assert check(engine) == []
    with sessions.begin() as s:
        assert set_blind_check_rule(s, admin, False, "all", clock()).lines == "all"
    assert check(engine) == []
    engine.dispose()
