"""The life of a batch on a real database: draft → prepared → verified → dispensed, its lots,
weights and signatures, what each role may do, and amendments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from compounder.records import batches, lots, people, trail_check
from compounder.records.policy import PermissionRefused, RecordError, Status
from tests.records.helpers import PASSWORD, make_pharmacy, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of


@pytest.fixture
def pharmacy(sessions, clock, catalog):
    return make_pharmacy(sessions, clock, catalog)


def test_full_life_of_a_batch(sessions, clock, pharmacy):
    record = new_batch(sessions, clock, pharmacy)
    assert record.batch_number == "261123-001"
    assert record.status is Status.DRAFT
    assert record.plan == pharmacy.plan  # frozen as printed
    assert [line.target for line in record.lines] == [Decimal(str(line["grams_rounded"])).normalize() for line in pharmacy.plan["lines"]]
    assert record.beyond_use.isoformat() == pharmacy.plan["bud"]["date"]

    record = weigh_all(sessions, clock, pharmacy, record)
    assert all(line.deviation_percent == 0 and not line.out_of_tolerance for line in record.lines)
    clock.advance(minutes=20)
    with sessions.begin() as s:
        record = batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    assert record.status is Status.PREPARED and record.prepared_by == "Tess Technician"
    with sessions() as s:
        for line in record.lines:
            lot = lots.get_lot(s, pharmacy.lots[line.name].id)
            assert lot.remaining == Decimal(500) - line.actual
    clock.advance(minutes=5)
    with sessions.begin() as s:
        record = batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    assert record.status is Status.VERIFIED and record.verified_by == "Paula Pharmacist, RPh"
    assert record.verified_at == clock()
    with sessions.begin() as s:
        record = batches.dispense(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    assert record.status is Status.DISPENSED
    with sessions() as s:
        assert trail_check.problems(s) == []


def test_batch_numbers_count_up_within_a_day_and_restart_the_next(sessions, clock, pharmacy):
    numbers = [new_batch(sessions, clock, pharmacy).batch_number for _ in range(3)]
    clock.advance(days=1)
    numbers.append(new_batch(sessions, clock, pharmacy).batch_number)
    assert numbers == ["261123-001", "261123-002", "261123-003", "261124-001"]


def test_a_technician_cannot_verify_and_the_preparer_cannot_verify_their_own(sessions, clock, pharmacy):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="only a pharmacist may verify"):
        batches.verify(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="another pharmacist must verify"):
        batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    with sessions.begin() as s:
        assert batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock(), allow_self_verification=True).status is Status.VERIFIED


def test_an_administrator_does_not_compound(sessions, clock, pharmacy):
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="administrator"):
        batches.create_batch(
            s, pharmacy.admin, formula_version_id=pharmacy.version_id, patient=pharmacy.patient, rx_number="RX-1",
            prescriber="Dr. A", plan=pharmacy.plan, compounded_on=clock().date(), tolerance_percent="5", now=clock(),
        )


def test_a_verified_batch_is_never_edited_and_is_corrected_by_an_amendment(sessions, clock, pharmacy):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="verified; make an amendment"):
        batches.enter_weight(s, pharmacy.technician, record.batch_number, 1, "1.000", clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="never changed"):
        batches.reject(s, credentials_of(pharmacy.pharmacist), record.batch_number, "late doubt", clock())
    with sessions.begin() as s:
        amendment = batches.create_batch(
            s, pharmacy.technician, formula_version_id=pharmacy.version_id, patient=pharmacy.patient, rx_number="RX-1001",
            prescriber="Dr. A. Smith", plan=pharmacy.plan, compounded_on=clock().date(), tolerance_percent="5", now=clock(),
            amends=record.batch_number, amendment_reason="prescriber's name misspelt",
        )
    assert amendment.amends == record.batch_number and amendment.batch_number == "261123-002"
    with sessions() as s:
        assert batches.batch_record(s, record.batch_number).status is Status.VERIFIED


def test_weights_outside_tolerance_are_flagged_and_block_verification(sessions, clock, pharmacy):
    record = new_batch(sessions, clock, pharmacy, tolerance="5")
    first = record.lines[0]
    record = weigh_all(sessions, clock, pharmacy, record, off_by=first.target / 10)  # +10 %
    assert record.lines[0].out_of_tolerance and record.lines[0].deviation_percent == Decimal("10.00")
    assert not any(line.out_of_tolerance for line in record.lines[1:])
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match=r"outside the 5 % tolerance: line 1"):
        batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="reason"):
        batches.reject(s, credentials_of(pharmacy.pharmacist), record.batch_number, "  ", clock())
    with sessions.begin() as s:
        rejected = batches.reject(s, credentials_of(pharmacy.pharmacist), record.batch_number, "line 1 overweighed by 10 %", clock())
    assert rejected.status is Status.REJECTED and rejected.reject_reason == "line 1 overweighed by 10 %"


@pytest.mark.parametrize("weight", ["-1", "abc", "nan", "inf", "", "1e3x", "1.2.3", "-0.001 g"])
def test_weights_that_are_not_weights_are_refused_and_nothing_changes(sessions, clock, pharmacy, weight):
    record = new_batch(sessions, clock, pharmacy)
    with sessions.begin() as s, pytest.raises(RecordError):
        batches.enter_weight(s, pharmacy.technician, record.batch_number, 1, weight, clock())
    with sessions() as s:
        assert batches.batch_record(s, record.batch_number).lines[0].actual is None


def test_signing_needs_every_lot_and_weight(sessions, clock, pharmacy):
    record = new_batch(sessions, clock, pharmacy)
    with sessions.begin() as s, pytest.raises(RecordError, match="line 1 .*: lot"):
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())


def test_expired_and_exhausted_lots_are_refused_and_not_offered(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog, expires=dt.date(2026, 12, 1))
    name = pharmacy.plan["lines"][0]["name"]
    with sessions.begin() as s:
        assert [lot.id for lot in lots.usable_lots(s, name, dt.date(2026, 11, 23))] == [pharmacy.lots[name].id]
        assert lots.usable_lots(s, name, dt.date(2026, 12, 2)) == []
        assert pharmacy.lots[name].near_expiry(dt.date(2026, 11, 23))
    clock.advance(days=10)  # 2026-12-03: past expiry
    record = new_batch(sessions, clock, pharmacy)
    with sessions.begin() as s, pytest.raises(RecordError, match="expired on 2026-12-01"):
        batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, pharmacy.lots[name].id, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="expired lot is not received"):
        lots.receive_lot(
            s, credentials_of(pharmacy.pharmacist), release=True, ingredient="x", stock_form=name, manufacturer="M", lot_number="OLD", expires=dt.date(2026, 12, 1),
            quantity="10", potency_percent=None, now=clock(),
        )


def test_a_lot_cannot_be_overdrawn(sessions, clock, pharmacy):
    name = pharmacy.plan["lines"][0]["name"]
    with sessions.begin() as s:
        small = lots.receive_lot(
            s, credentials_of(pharmacy.pharmacist), release=True, ingredient="x", stock_form=name, manufacturer="Spectrum", lot_number="TINY", expires=dt.date(2027, 1, 1),
            quantity="0.5", potency_percent="100", now=clock(),
        )
    record = new_batch(sessions, clock, pharmacy)
    record = weigh_all(sessions, clock, pharmacy, record)
    with sessions.begin() as s:
        batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, small.id, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="only 0.5 g left"):
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    with sessions() as s:
        assert lots.get_lot(s, small.id).remaining == Decimal("0.5")
        assert batches.batch_record(s, record.batch_number).status is Status.DRAFT


def test_an_unapproved_formula_version_is_not_offered(sessions, clock, pharmacy):
    from compounder.records.library import FormulaLibrary

    library = FormulaLibrary(sessions, clock)
    entry = library.add("My cream", pharmacy.plan and {"base": "x"})
    assert library.approved_version(entry.id) is None
    with sessions.begin() as s, pytest.raises(RecordError, match="not approved"):
        batches.create_batch(
            s, pharmacy.technician, formula_version_id=library.versions(entry.id)[0].id, patient=pharmacy.patient, rx_number="RX-1",
            prescriber="Dr. A", plan=pharmacy.plan, compounded_on=clock().date(), tolerance_percent="5", now=clock(),
        )


def test_wrong_password_and_unknown_user_get_the_same_message(sessions, pharmacy):
    with sessions() as s:
        assert people.authenticate(s, "Paula", PASSWORD) == pharmacy.pharmacist
        for name, password in (("paula", "wrong password"), ("nobody", PASSWORD)):
            with pytest.raises(people.AuthenticationFailed, match="^wrong user name or password$"):
                people.authenticate(s, name, password)


def test_passwords_are_stored_only_as_scrypt_hashes(sessions, pharmacy):
    from sqlalchemy import select

    from compounder.records.model import User

    with sessions() as s:
        stored = s.scalars(select(User.password_hash)).all()
    assert all(h.startswith("scrypt$16384$8$1$") and PASSWORD not in h for h in stored)
    assert len(set(stored)) == len(stored)  # salted


def test_only_an_administrator_adds_users_and_the_first_is_one(sessions, clock, pharmacy):
    with sessions.begin() as s, pytest.raises(PermissionRefused):
        people.create_user(s, pharmacy.pharmacist, "eve", "Eve", "pharmacist", PASSWORD, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="sign in as an administrator"):
        people.create_user(s, None, "eve", "Eve", "administrator", PASSWORD, clock())


def test_a_lot_expiring_before_the_beyond_use_date_is_refused_and_not_offered(sessions, clock, pharmacy):
    record = new_batch(sessions, clock, pharmacy)  # beyond use 2026-12-06 (Lipoderm, cream, 14 days)
    name = record.lines[0].name
    with sessions.begin() as s:
        short = lots.receive_lot(
            s, credentials_of(pharmacy.pharmacist), release=True, ingredient="x", stock_form=name, manufacturer="Fagron", lot_number="SHORT", expires=record.beyond_use - dt.timedelta(days=1),
            quantity="50", potency_percent="99", now=clock(),
        )
        offered = [lot.id for lot in lots.usable_lots(s, name, record.compounded_on, record.beyond_use)]
    assert short.id not in offered and pharmacy.lots[name].id in offered
    with sessions.begin() as s, pytest.raises(RecordError, match="before the batch's beyond-use date"):
        batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, short.id, clock())


def test_a_master_formula_with_batches_is_not_deleted(sessions, clock, pharmacy):
    from compounder.records.library import FormulaLibrary, LibraryError

    library = FormulaLibrary(sessions, clock)
    entry = library.add("Mine", {"base": "Lipoderm"})
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    with sessions.begin() as s:
        batches.create_batch(
            s, pharmacy.technician, formula_version_id=library.approved_version(entry.id).id, patient=pharmacy.patient, rx_number="RX-5",
            prescriber="Dr. A", plan=pharmacy.plan, compounded_on=clock().date(), tolerance_percent="5", now=clock(),
        )
    with pytest.raises(LibraryError, match="1 batch record"):
        library.delete(entry.id)
    with pytest.raises(LibraryError, match="only a pharmacist may approve"):
        library.approve(entry.id, credentials_of(pharmacy.technician))


def test_the_audit_trail_records_each_step_with_old_and_new_values(sessions, clock, pharmacy):
    import json

    from sqlalchemy import select

    from compounder.records.model import AuditEntry

    record = new_batch(sessions, clock, pharmacy)
    with sessions.begin() as s:
        batches.reject(s, credentials_of(pharmacy.pharmacist), record.batch_number, "wrong base drawn", clock())
    with sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "batch").order_by(AuditEntry.sequence.desc()).limit(1)).one()
    old, new = json.loads(entry.old), json.loads(entry.new)
    assert (entry.action, entry.username, entry.user_id) == ("rejected", "paula", pharmacy.pharmacist.id)
    assert (old["status"], old["reject_reason"]) == ("draft", None)
    assert (new["status"], new["reject_reason"], new["rejected_by"]) == ("rejected", "wrong base drawn", pharmacy.pharmacist.id)
