"""Issue 25, controlled substances: ketamine hydrochloride (C-III, 21 CFR 1308.13(c)) received with
its supplier, DEA number and invoice (21 CFR 1304.22(c)); used by a batch; adjusted; a theft with
DEA Form 106's facts; a destruction with DEA Form 41's, witnessed. The perpetual inventory adds up
to the lot's stock after each, and a difference put in with SQL is named."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from compounder.calc.batch_document import plan_with_documents
from compounder.calc.controlled import schedule_mark
from compounder.calc.prescription import parse_order
from compounder.records import batches, lots, stock
from compounder.records.batch_signoff import sign_prepared
from compounder.records.library import FormulaLibrary
from compounder.records.model import IngredientLot
from compounder.records.policy import RecordError
from compounder.records.screening import make_batch
from compounder.records.stock import ControlledReceiptDetails, DestructionDetails, LossDetails
from compounder.records.stock_ledger import controlled_lots, ledgers, reconcile, reconcile_controlled_receipts
from tests.records.helpers import make_pharmacy
from tests.records.signing_helpers import credentials_of

FORMULA = {"batch": "60 g", "base": "Lipoderm", "actives": [{"ingredient": "ketamine hydrochloride", "strength": "5 %"}]}
ORDER = {"prescription": {
    "patient": "Jane Q. Doe", "date_of_birth": "1948-03-02", "rx_number": "RX-3001", "prescriber": "Dr. A. Smith",
    "directions": "Apply 1 g to the area three times a day", "quantity": "60 g", "refills": 1, "written_on": "2026-11-20",
}}
SUPPLIER = ControlledReceiptDetails("C-III", "Medisca Inc.", "661 Route 3, Plattsburgh NY 12901", "AB1234563", "INV-5501")
KETAMINE = {"ingredient": "ketamine hydrochloride", "stock_form": "ketamine hydrochloride", "manufacturer": "Medisca", "lot_number": "K-1",
            "expires": dt.date(2027, 12, 31), "quantity": "25", "potency_percent": None}


@pytest.fixture
def ketamine(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    library = FormulaLibrary(sessions, clock)
    entry = library.add("Ketamine 5 % in Lipoderm", FORMULA, pharmacy.pharmacist)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    return pharmacy, library.approved_version(entry.id).id


def test_a_controlled_receipt_needs_the_supplier_its_dea_number_and_the_invoice(sessions, clock, catalog, ketamine):
    pharmacy, _ = ketamine
    mark = schedule_mark(catalog, "ketamine hydrochloride")
    assert mark == "C-III"
    with pytest.raises(RecordError, match=r"ketamine hydrochloride is a C-III controlled substance: give the supplier"), sessions.begin() as s:
        stock.receive(s, credentials_of(pharmacy.pharmacist), schedule=mark, controlled=None, release=True, now=clock(), **KETAMINE)
    # AB1234563: 1+3+5 = 9, 2 × (2+4+6) = 24, 9 + 24 = 33 → check digit 3. AB1234567 is a misread.
    bad = ControlledReceiptDetails("C-III", "Medisca Inc.", "Plattsburgh NY", "AB1234567", "INV-5501")
    with pytest.raises(RecordError, match="check digit should be 3"), sessions.begin() as s:
        stock.receive(s, credentials_of(pharmacy.pharmacist), schedule=mark, controlled=bad, release=True, now=clock(), **KETAMINE)
    c2 = ControlledReceiptDetails("C-II", "Medisca Inc.", "Plattsburgh NY", "AB1234563", "INV-5501")
    with pytest.raises(RecordError, match="DEA Form 222 or CSOS order number"), sessions.begin() as s:
        stock.receive(s, credentials_of(pharmacy.pharmacist), schedule="C-II", controlled=c2, release=True, now=clock(), **KETAMINE)


def test_the_perpetual_inventory_reconciles_after_receipt_use_adjustment_theft_and_destruction(sessions, clock, catalog, ketamine):
    pharmacy, version_id = ketamine
    mark = schedule_mark(catalog, "ketamine hydrochloride")
    with sessions.begin() as s:
        k1 = stock.receive(s, credentials_of(pharmacy.pharmacist), schedule=mark, controlled=SUPPLIER, release=True, now=clock(), **KETAMINE)
        base = lots.receive_lot(s, credentials_of(pharmacy.pharmacist), release=True, ingredient="Lipoderm", stock_form="Lipoderm", manufacturer="PCCA",
                                lot_number="LD-1", expires=dt.date(2027, 12, 31), quantity="500", potency_percent=None, now=clock())
        freeze = lambda plan: plan_with_documents(plan, parse_order(ORDER), catalog, clock().date(), None)  # noqa: E731
        record = make_batch(s, pharmacy.technician, catalog, formula_version_id=version_id, patient=pharmacy.patient, rx_number="RX-3001",
                            prescriber="Dr. A. Smith", compounded_on=clock().date(), tolerance_percent="5", now=clock(), order=ORDER,
                            freeze=freeze, lots={1: k1.id, 2: base.id})
        # By hand: 60 g × 5 % = 3.000 g ketamine hydrochloride (no assay given: taken as 100 %); 3.010 g weighed.
        assert record.lines[0].target == 3
        batches.enter_weight(s, pharmacy.technician, record.batch_number, 1, "3.010", clock())
        batches.enter_weight(s, pharmacy.technician, record.batch_number, 2, "57.000", clock())
    clock.advance(hours=1)
    with sessions.begin() as s:
        sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    clock.advance(days=1)
    with sessions.begin() as s:
        stock.adjust(s, pharmacy.pharmacist, k1.id, "-0.090", "count: container weighed 0.090 g short of the record", clock())
        stock.record_loss(s, pharmacy.pharmacist, k1.id, "theft", "1.400", "container found opened in the safe",
                          LossDetails(clock().date(), "employee pilferage", "Springfield PD, report 26-1183"), clock())
        before_destruction = clock()
    clock.advance(days=1)
    with sessions.begin() as s:
        stock.destroy(s, pharmacy.pharmacist, k1.id, "0.500", "contaminated when the container fell",
                      DestructionDetails(clock().date(), "rendered non-retrievable in a denaturing kit", pharmacy.technician), clock())
        found = controlled_lots(s, lambda form: schedule_mark(catalog, form))
        [ledger] = ledgers(s, found)
        problems = reconcile(s, found)
        on_hand = lots.get_lot(s, k1.id).remaining
    # By hand: 25.000 received − 3.010 (batch) − 0.090 (adjustment) − 1.400 (theft) − 0.500 (destroyed) = 20.000 g.
    assert [line.lot_number for line in found] == ["K-1"]
    assert [(line.kind, line.quantity_ug) for line in ledger.lines] == [
        ("receipt", 25_000_000), ("use", -3_010_000), ("adjustment", -90_000), ("theft", -1_400_000), ("destruction", -500_000),
    ]
    assert ledger.schedule == "C-III" and "DEA AB1234563, invoice INV-5501" in ledger.lines[0].what
    assert ledger.lines[1].what == f"batch {record.batch_number}" and ledger.lines[4].by == "Paula Pharmacist, RPh (paula), witness Tess Technician (tess)"
    assert ledger.on_hand_ug == 20_000_000 and on_hand == 20 and problems == []
    # The biennial inventory's figure at a moment: 25.000 − 3.010 − 0.090 − 1.400 = 20.500 g before the destruction.
    assert ledger.on_hand_at(before_destruction) == 20_500_000
    with sessions.begin() as s:  # a gram put back with SQL, outside the records: named
        s.execute(update(IngredientLot).where(IngredientLot.id == k1.id).values(remaining_ug=IngredientLot.remaining_ug + 1_000_000))
        named = reconcile_controlled_receipts(s)
    assert named == ["lot K-1 of ketamine hydrochloride: 21 g on hand, but its records (receipt, batches, adjustments, destruction) add up to 20 g"]


def test_db_check_names_a_controlled_lot_whose_stock_differs_from_its_records(database_urls, clock, catalog):
    from sqlalchemy import text
    from sqlalchemy.orm import sessionmaker

    from compounder.records.database import migrate, open_database
    from compounder.records.maintenance import check

    engine = open_database(database_urls("sqlite", "controlled_check"))
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog)
    with sessions.begin() as s:  # every new record audited: the trail replays each to the row as it is
        k1 = stock.receive(s, credentials_of(pharmacy.pharmacist), schedule="C-III", controlled=SUPPLIER, release=True, now=clock(), **KETAMINE)
        stock.destroy(s, pharmacy.pharmacist, k1.id, "1", "contaminated when the container fell",
                      DestructionDetails(clock().date(), "denaturing kit", pharmacy.technician), clock())
        stock.correct_received(s, pharmacy.pharmacist, k1.id, "26", "the invoice says 26 g", clock())
    assert check(engine) == []
    with engine.begin() as connection:  # 0.5 g taken off with SQL: no record says where it went
        connection.execute(text("UPDATE ingredient_lot SET remaining_ug = remaining_ug - 500000 WHERE lot_number = 'K-1'"))
    problems = check(engine)
    # By hand: 25 g received, corrected to 26 g, 1 g destroyed: 25 g; 0.5 g less with SQL: 24.5 g on the lot.
    assert "controlled-substance inventory: lot K-1 of ketamine hydrochloride: 24.5 g on hand, but its records " \
           "(receipt, batches, adjustments, destruction) add up to 25 g" in problems
    engine.dispose()
