"""The compounding record (stored worksheet) names the master formula version and its approval,
the time of preparation, each lot's manufacturer and supplier, the QC results with the yield and
the deviations with the pharmacist's decision (issue 25)."""

from __future__ import annotations

from compounder.calc import evaluate, parse_formula
from compounder.calc.batch_document import plan_with_documents
from compounder.calc.prescription import parse_order
from compounder.documents.stored import stored_worksheet_pdf
from compounder.records import batches, compounding_qc, lots, printing
from compounder.records.library import FormulaLibrary
from tests.conftest import TODAY
from tests.pdf_text import pdf_text
from tests.records.helpers import ORDER, PHARMACY, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of
from tests.records.test_compounding_record import RECORD


def test_the_worksheet_prints_the_version_approval_qc_results_and_a_deviation(sessions, clock, pharmacy, catalog, tmp_path):
    library = FormulaLibrary(sessions, clock)
    data = {**library.version(pharmacy.version_id).data, "master_record": RECORD}
    entry = library.add("Diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 % in Lipoderm (ours)", data, pharmacy.technician)
    clock.advance(minutes=3)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    version = library.approved_version(entry.id)
    pharmacy.version_id = version.id
    pharmacy.plan = plan_with_documents(evaluate(parse_formula(version.data), catalog, TODAY), parse_order(ORDER), catalog, TODAY,
                                        PHARMACY.final_weight_tolerance)
    with sessions.begin() as s:  # the base's lot bought through a wholesaler
        base = lots.receive_lot(s, credentials_of(pharmacy.pharmacist), release=True, ingredient="Lipoderm", stock_form="Lipoderm", manufacturer="PCCA", lot_number="PC-77",
                                expires=TODAY.replace(year=TODAY.year + 1), quantity="500", potency_percent=None, now=clock(),
                                supplier="Acme Wholesale")
    pharmacy.lots["Lipoderm"] = base
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy), qc=False)
    number = record.batch_number
    clock.advance(minutes=40)
    with sessions.begin() as s:
        # 120 g theoretical; 118.5 g: 118.5 / 120 = 98.75 % → 98.8 %; −1.5 g; the final-weight tolerance ± 2 % → 117.6 to 122.4 g
        compounding_qc.enter_result(s, pharmacy.technician, number, "final_weight", clock(), weight="118.5")
        compounding_qc.enter_result(s, pharmacy.technician, number, "appearance", clock(), observed="smooth, off-white, uniform", conforms=True)
        compounding_qc.enter_result(s, pharmacy.technician, number, "ph", clock(), ph="6.1")
        compounding_qc.record_deviation(s, pharmacy.technician, number, "milled twice instead of once", "grit after the first pass", clock())
        compounding_qc.decide_deviation(s, pharmacy.pharmacist, number, 1, "accepted", "a second pass changes nothing else", clock())
        batches.sign_prepared(s, credentials_of(pharmacy.technician), number, clock())
    clock.advance(minutes=5)
    with sessions.begin() as s:
        batches.verify(s, credentials_of(pharmacy.second_pharmacist), number, clock())
        pdf = stored_worksheet_pdf(printing.worksheet_to_print(s, pharmacy.technician, number, clock()), PHARMACY)
    (tmp_path / "worksheet.pdf").write_bytes(pdf)
    text = pdf_text(pdf)
    assert "Formula version" in text and "version 1 — approved by Paula Pharmacist, RPh 2026-11-23 09:03 UTC" in text
    assert "Time of preparation: 2026-11-23 09:43 UTC" in text
    assert "PCCA (supplier Acme Wholesale) / PC-77" in text
    assert "118.5 g of 120 g theoretical (-1.5 g), yield 98.8 %; within 117.600 to 122.400 g (± 2 %)" in text
    assert "smooth, off-white, uniform" in text and "pH 6.1; within 5.5 to 7.0" in text
    assert ("Deviation 1: milled twice instead of once — reason: grit after the first pass (recorded by Tess Technician); "
            "accepted by Paula Pharmacist, RPh 2026-11-23 09:43 UTC: a second pass changes nothing else") in text


def test_a_worksheet_before_qc_says_each_result_is_not_entered(sessions, clock, pharmacy):
    number = new_batch(sessions, clock, pharmacy).batch_number
    with sessions.begin() as s:
        text = pdf_text(stored_worksheet_pdf(printing.worksheet_to_print(s, pharmacy.technician, number, clock()), PHARMACY))
    assert text.count("not entered") == 2  # final weight and appearance; the shipped formula asks no pH
    assert "Time of preparation: not prepared yet" in text and "Deviations: none recorded." in text
