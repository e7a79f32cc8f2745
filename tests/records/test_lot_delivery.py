"""Issue 28 (the road through the records), a delivery of several lots received under one
signature (``stock.receive_delivery``): every lot stored in one transaction, each recorded and
audited as received by the one signer at the one moment; all or nothing when a lot or the
password is refused. And the check the window runs before the signature (``stock.check_receipt``)
refuses what the signature would, naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from compounder.records import lots, stock
from compounder.records.model import AuditEntry, IngredientLot
from compounder.records.model_stock import ControlledReceipt
from compounder.records.people import AuthenticationFailed
from compounder.records.stock import ControlledReceiptDetails, DeliveryRefused, LotReceipt, ReceiptRefused
from tests.records.helpers import make_pharmacy
from tests.records.signing_helpers import credentials_of

SUPPLIER = ControlledReceiptDetails("C-III", "Medisca Inc.", "661 Route 3, Plattsburgh NY 12901", "AB1234563", "INV-5501")
DICLOFENAC = LotReceipt("diclofenac sodium", "diclofenac sodium", "Medisca", "DEL-1", dt.date(2027, 6, 30), "100", "99.5", release=True)
LIPODERM = LotReceipt("Lipoderm", "Lipoderm", "PCCA", "DEL-2", dt.date(2027, 6, 30), "1000", None)
KETAMINE = LotReceipt("ketamine hydrochloride", "ketamine hydrochloride", "Medisca", "DEL-K", dt.date(2027, 12, 31), "25", None,
                      schedule="C-III", controlled=SUPPLIER)


@pytest.fixture
def pharmacy(sessions, clock, catalog):
    return make_pharmacy(sessions, clock, catalog)


def _count(sessions, lot_numbers) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(IngredientLot).where(IngredientLot.lot_number.in_(lot_numbers)))


def test_two_lots_under_one_signature_are_stored_and_each_traceable_to_the_signer(sessions, clock, pharmacy):
    with sessions.begin() as s:
        received = stock.receive_delivery(s, credentials_of(pharmacy.pharmacist), [DICLOFENAC, LIPODERM], clock())
    assert [lot.lot_number for lot in received] == ["DEL-1", "DEL-2"]
    # As typed: 100 g at 99.5 %, released on the pharmacist's review; 1000 g of base, no potency, in quarantine (not ticked).
    assert (received[0].received, received[0].potency_percent, received[0].status) == (Decimal(100), Decimal("99.5"), "released")
    assert (received[1].received, received[1].potency_percent, received[1].status) == (Decimal(1000), None, "quarantined")
    with sessions() as s:
        rows = s.scalars(select(IngredientLot).where(IngredientLot.id.in_([lot.id for lot in received]))).all()
        assert {row.received_by for row in rows} == {pharmacy.pharmacist.id}
        assert {row.received_at.replace(tzinfo=None) for row in rows} == {clock().replace(tzinfo=None)}
        entries = s.execute(select(AuditEntry.row_id, AuditEntry.user_id, AuditEntry.username, AuditEntry.at).where(
            AuditEntry.table_name == "ingredient_lot", AuditEntry.action == "receive", AuditEntry.row_id.in_([lot.id for lot in received]),
        )).all()
    # One "receive" entry per lot, each signed by paula at the one moment of the signature.
    assert sorted(row_id for row_id, *_ in entries) == sorted(lot.id for lot in received)
    assert {(user_id, username) for _, user_id, username, _ in entries} == {(pharmacy.pharmacist.id, pharmacy.pharmacist.username)}
    assert len({at for *_, at in entries}) == 1


def test_a_controlled_lot_in_a_delivery_gets_its_receipt_record_signed_by_the_same_signer(sessions, clock, pharmacy):
    with sessions.begin() as s:
        received = stock.receive_delivery(s, credentials_of(pharmacy.pharmacist), [LIPODERM, KETAMINE], clock())
    with sessions() as s:
        record = s.scalars(select(ControlledReceipt).where(ControlledReceipt.lot_id == received[1].id)).one()
    assert (record.schedule, record.supplier_dea, record.invoice_number, record.user_id) == ("C-III", "AB1234563", "INV-5501", pharmacy.pharmacist.id)


@pytest.mark.parametrize(("bad", "said", "field"), [
    # 2026-11-22 is the day before the clock's 2026-11-23: already past.
    (LotReceipt("lidocaine", "lidocaine", "Fagron", "DEL-OLD", dt.date(2026, 11, 22), "100", "99.8"), "expired on 2026-11-22", "expires"),
    (LotReceipt("ketamine hydrochloride", "ketamine hydrochloride", "Medisca", "DEL-K0", dt.date(2027, 12, 31), "25", None, schedule="C-III"),
     "C-III controlled substance: give the supplier", "controlled"),
])
def test_a_bad_lot_stores_nothing_of_the_delivery_and_is_named(sessions, clock, pharmacy, bad, said, field):
    with pytest.raises(DeliveryRefused) as refused, sessions.begin() as s:
        stock.receive_delivery(s, credentials_of(pharmacy.pharmacist), [DICLOFENAC, LIPODERM, bad], clock())
    assert refused.value.position == 3 and refused.value.field == field
    assert str(refused.value).startswith(f"lot 3 of the delivery ({bad.lot_number} of {bad.stock_form}): ") and said in str(refused.value)
    assert _count(sessions, ["DEL-1", "DEL-2", bad.lot_number]) == 0  # the two good lots were rolled back with it


def test_a_wrong_password_stores_nothing(sessions, clock, pharmacy):
    with pytest.raises(AuthenticationFailed), sessions.begin() as s:
        stock.receive_delivery(s, credentials_of(pharmacy.pharmacist, "not the password"), [DICLOFENAC, LIPODERM], clock())
    assert _count(sessions, ["DEL-1", "DEL-2"]) == 0


def test_a_technician_cannot_release_a_lot_of_a_delivery(sessions, clock, pharmacy):
    with pytest.raises(DeliveryRefused, match=r"lot 1 of the delivery \(DEL-1 of diclofenac sodium\)"), sessions.begin() as s:
        stock.receive_delivery(s, credentials_of(pharmacy.technician), [DICLOFENAC, LIPODERM], clock())
    assert _count(sessions, ["DEL-1", "DEL-2"]) == 0


def test_the_check_before_signing_refuses_as_the_signature_would_and_names_the_field(sessions, clock, pharmacy):
    today = clock().date()
    with sessions() as s:
        stock.check_receipt(s, DICLOFENAC, today)  # a good lot: nothing said, nothing written
        stock.check_receipt(s, KETAMINE, today)
        for receipt, field, said in (
            (LotReceipt("lidocaine", "", "Fagron", "X-1", dt.date(2027, 1, 1), "5", None), "stock_form", "give the stock form"),
            (LotReceipt("lidocaine", "lidocaine", "Fagron", "X-1", dt.date(2026, 11, 22), "5", None), "expires", "expired on 2026-11-22"),
            (LotReceipt("lidocaine", "lidocaine", "Fagron", "X-1", dt.date(2027, 1, 1), "-5", None), "quantity", "quantity received: a weight cannot be negative"),
            (LotReceipt("lidocaine", "lidocaine", "Fagron", "X-1", dt.date(2027, 1, 1), "5", "950"), "potency_percent", "is not a potency"),
            (LotReceipt("ketamine hydrochloride", "ketamine hydrochloride", "Medisca", "K-9", dt.date(2027, 1, 1), "5", None, schedule="C-III",
                        controlled=ControlledReceiptDetails("C-III", "Medisca Inc.", "Plattsburgh NY", "AB1234567", "INV-1")),
             "controlled.supplier_dea", "check digit should be 3"),
        ):
            with pytest.raises(ReceiptRefused, match=said) as refused:
                stock.check_receipt(s, receipt, today)
            assert refused.value.field == field
        with pytest.raises(ReceiptRefused, match="already in this delivery") as refused:
            stock.check_receipt(s, DICLOFENAC, today, alongside=[LIPODERM, DICLOFENAC])
        assert refused.value.field == "lot_number"
    assert _count(sessions, ["DEL-1", "DEL-K", "X-1", "K-9"]) == 0
    with sessions.begin() as s:
        stock.receive_delivery(s, credentials_of(pharmacy.pharmacist), [DICLOFENAC], clock())
    with sessions() as s, pytest.raises(ReceiptRefused, match="DEL-1 of diclofenac sodium from Medisca is already in stock"):
        stock.check_receipt(s, DICLOFENAC, today)
    with sessions() as s:
        assert [lot.lot_number for lot in lots.lots(s, lot_number="DEL-1")] == ["DEL-1"]
