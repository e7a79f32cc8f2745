"""Issue 25, lots: received into quarantine until a pharmacist reviews the certificate of analysis
and releases it; corrections, adjustments, losses, destruction (witnessed) and voids, each signed
with a reason; stock on hand always the sum of what the records say happened to the lot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from compounder.records import batches, lots, stock
from compounder.records.model import AuditEntry
from compounder.records.policy import PermissionRefused, RecordError
from compounder.records.screening import choose_lot
from compounder.records.stock import CoaReview, DestructionDetails
from compounder.records.stock_ledger import ledgers, reconcile
from tests.records.lidocaine_lot import make_lidocaine_batch
from tests.records.signing_helpers import credentials_of


def _receive(s, actor, clock, number="LB26-888", **more):
    fields = {"ingredient": "lidocaine", "stock_form": "lidocaine", "manufacturer": "Spectrum", "lot_number": number,
              "expires": dt.date(2027, 12, 31), "quantity": "100", "potency_percent": "95.0", "now": clock()}
    return lots.receive_lot(s, credentials_of(actor), **{**fields, **more})


def test_a_technicians_receipt_waits_in_quarantine_and_cannot_be_chosen(sessions, clock, catalog, lidocaine_lot):
    pharmacy, version_id, _released, base = lidocaine_lot
    with sessions.begin() as s:
        held = _receive(s, pharmacy.technician, clock)
        assert held.status == "quarantined"
        assert held.id not in [lot.id for lot in lots.usable_lots(s, "lidocaine", clock().date())]  # not offered in the batch dialog
    with pytest.raises(RecordError, match=r"lot LB26-888 of lidocaine cannot be used: it is in quarantine"), sessions.begin() as s:
        make_lidocaine_batch(s, pharmacy, version_id, clock, catalog, lots={1: held.id, 2: base.id})  # batches make --lot
    with sessions.begin() as s:
        record = make_lidocaine_batch(s, pharmacy, version_id, clock, catalog, lots={2: base.id})
        with pytest.raises(RecordError, match=r"lot LB26-888 of lidocaine cannot be used: it is in quarantine"):
            choose_lot(s, pharmacy.technician, catalog, record.batch_number, 1, held.id, clock())  # batches weigh --lot, the dialog


def test_release_needs_a_pharmacist_and_the_certificate_as_recorded(sessions, clock, catalog, lidocaine_lot):
    pharmacy, version_id, _released, base = lidocaine_lot
    review = CoaReview(Decimal("95.0"), dt.date(2027, 12, 31), identity_confirmed=True)
    with sessions.begin() as s:
        held = _receive(s, pharmacy.technician, clock)
        with pytest.raises(PermissionRefused, match=r"only a pharmacist may release a lot from quarantine \(the review of its certificate of analysis\); tess is a technician"):
            stock.release_lot(s, pharmacy.technician, held.id, review, clock())
        with pytest.raises(RecordError, match=r"gives assay 99\.0 %, the lot records 95\.0 %"):
            stock.release_lot(s, pharmacy.pharmacist, held.id, CoaReview(Decimal("99.0"), dt.date(2027, 12, 31), True), clock())
        with pytest.raises(RecordError, match="identity is not confirmed"):
            stock.release_lot(s, pharmacy.pharmacist, held.id, CoaReview(Decimal("95.0"), dt.date(2027, 12, 31), False), clock())
        stock.release_lot(s, pharmacy.pharmacist, held.id, review, clock())
        assert lots.get_lot(s, held.id).status == "released"
        record = make_lidocaine_batch(s, pharmacy, version_id, clock, catalog, lots={1: held.id, 2: base.id})
        assert record.lines[0].lot_number == "LB26-888"
        signed = s.execute(select(AuditEntry.username, AuditEntry.action).where(AuditEntry.table_name == "lot_status")
                           .order_by(AuditEntry.sequence.desc()).limit(1)).one()
    assert tuple(signed) == ("paula", "release")


def test_a_pharmacist_receives_and_releases_in_one_step_but_a_technician_may_not(sessions, clock, lidocaine_lot):
    pharmacy, *_ = lidocaine_lot
    with sessions.begin() as s:
        with pytest.raises(PermissionRefused, match="tess is a technician"):
            _receive(s, pharmacy.technician, clock, release=True)
        lot = _receive(s, pharmacy.pharmacist, clock, release=True)
        actions = s.execute(select(AuditEntry.table_name, AuditEntry.action, AuditEntry.username).where(AuditEntry.table_name.in_(
            ("ingredient_lot", "lot_status"))).order_by(AuditEntry.sequence.desc()).limit(3)).all()
    assert lot.status == "released"
    assert [tuple(a) for a in reversed(actions)] == [
        ("ingredient_lot", "receive", "paula"), ("lot_status", "quarantine", "paula"), ("lot_status", "receive and release", "paula"),
    ]


def test_stock_on_hand_is_the_sum_of_the_receipt_and_each_signed_change(sessions, clock, lidocaine_lot):
    pharmacy, *_ = lidocaine_lot
    with sessions.begin() as s:
        lot = _receive(s, pharmacy.pharmacist, clock, release=True)  # 100 g
        stock.correct_received(s, pharmacy.pharmacist, lot.id, "120", "invoice says 120 g; 100 g typed", clock())  # +20 → 120
        stock.adjust(s, pharmacy.pharmacist, lot.id, "-1.25", "spilled while opening the container", clock())  # → 118.75
        with pytest.raises(PermissionRefused, match="only a pharmacist may adjust"):
            stock.adjust(s, pharmacy.technician, lot.id, "-1", "spilled", clock())
        with pytest.raises(RecordError, match=r"above the 120 g received"):
            stock.adjust(s, pharmacy.pharmacist, lot.id, "+2", "found more on the shelf", clock())
        with pytest.raises(RecordError, match="has 118.75 g on hand; 200 g cannot be taken out"):
            stock.adjust(s, pharmacy.pharmacist, lot.id, "-200", "a count of the whole shelf", clock())
        now = lots.get_lot(s, lot.id)
        [ledger] = ledgers(s, [now])
        problems = reconcile(s, [now])
    # By hand: received 100 g, corrected to 120 g (+20), 1.25 g spilled: 120 − 1.25 = 118.75 g.
    assert now.received == Decimal("120") and now.remaining == Decimal("118.75")
    assert [(line.kind, line.quantity_ug) for line in ledger.lines] == [
        ("receipt", 100_000_000), ("correction", 20_000_000), ("adjustment", -1_250_000),
    ]
    assert ledger.on_hand_ug == 118_750_000 and problems == []


def test_an_expired_lot_is_destroyed_with_a_witness_who_is_not_the_signer(sessions, clock, lidocaine_lot):
    pharmacy, *_ = lidocaine_lot
    with sessions.begin() as s:
        lot = _receive(s, pharmacy.pharmacist, clock, release=True, quantity="10", expires=dt.date(2026, 11, 30))
    clock.advance(days=10)  # 2026-12-03: the lot expired on 2026-11-30, 10 g still on the shelf
    with sessions.begin() as s:
        assert "expired on 2026-11-30" in (lots.get_lot(s, lot.id).problem(clock().date()) or "")
        itself = DestructionDetails(clock().date(), "denaturing kit", pharmacy.pharmacist)
        with pytest.raises(RecordError, match="the witness must be another person"):
            stock.destroy(s, pharmacy.pharmacist, lot.id, None, "expired", itself, clock())
        witnessed = DestructionDetails(clock().date(), "denaturing kit", pharmacy.technician)
        stock.destroy(s, pharmacy.pharmacist, lot.id, None, "expired on 2026-11-30", witnessed, clock())
        after = lots.get_lot(s, lot.id)
        signers = s.scalars(select(AuditEntry.username).where(AuditEntry.table_name == "lot_event").order_by(AuditEntry.sequence)).all()
    assert after.remaining == 0 and "expired on 2026-11-30" in (after.problem(clock().date()) or "")
    assert signers[-2:] == ["paula", "tess"]  # the pharmacist's destruction, then the witness's own signature


def test_a_lot_entered_in_error_is_voided_unless_a_batch_used_it(sessions, clock, catalog, lidocaine_lot):
    pharmacy, version_id, used, base = lidocaine_lot
    with sessions.begin() as s:
        wrong = _receive(s, pharmacy.technician, clock)
        stock.void(s, pharmacy.pharmacist, wrong.id, "received twice: the same container entered again", clock())
        voided = lots.get_lot(s, wrong.id)
        make_lidocaine_batch(s, pharmacy, version_id, clock, catalog, lots={1: used.id, 2: base.id})
        with pytest.raises(RecordError, match="is on a batch's record"):
            stock.void(s, pharmacy.pharmacist, used.id, "a mistake", clock())
    assert voided.status == "voided" and voided.remaining == 0
    assert "voided" in (voided.problem(clock().date()) or "")


def test_a_weighed_and_prepared_batch_is_a_use_in_the_ledger(sessions, clock, catalog, lidocaine_lot):
    pharmacy, version_id, lot, base = lidocaine_lot
    with sessions.begin() as s:
        record = make_lidocaine_batch(s, pharmacy, version_id, clock, catalog, lots={1: lot.id, 2: base.id})
        batches.enter_weight(s, pharmacy.technician, record.batch_number, 1, "2.530", clock())
        batches.enter_weight(s, pharmacy.technician, record.batch_number, 2, "57.470", clock())
        from compounder.records.batch_signoff import sign_prepared

        sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        [ledger] = ledgers(s, [lots.get_lot(s, lot.id)])
        assert reconcile(s, lots.lots(s)) == []
    # By hand: 100 g received, 2.530 g weighed into the batch: 97.470 g on hand.
    assert [(line.kind, line.quantity_ug, line.what) for line in ledger.lines] == [
        ("receipt", 100_000_000, "Spectrum"), ("use", -2_530_000, f"batch {record.batch_number}"),
    ]
    assert ledger.on_hand_ug == 97_470_000
