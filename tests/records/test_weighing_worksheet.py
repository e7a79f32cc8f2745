"""The stored worksheet's actual-weight column says how each weight was taken: from which
balance or typed, and whether the container was scanned or confirmed by hand."""

from __future__ import annotations

import os

from compounder.calc.balance_reading import Reading, ReadingState
from compounder.calc.scan import pharmacy_lot_code
from compounder.documents.stored import stored_worksheet_pdf
from compounder.records import batches, printing
from compounder.records import station as station_records
from tests.pdf_text import pdf_text
from tests.records.helpers import PHARMACY, new_batch
from tests.records.signing_helpers import credentials_of


def test_the_worksheet_marks_balance_typed_scanned_and_by_hand(sessions, clock, pharmacy):
    record = new_batch(sessions, clock, pharmacy)
    first, second = record.lines[0], record.lines[1]
    with sessions.begin() as s:
        station_records.confirm_scan(s, pharmacy.technician, record.batch_number, 1, pharmacy_lot_code(pharmacy.lots[first.name].id), clock())
        reading = Reading(ReadingState.STABLE, first.target, at=5.0, detail="S S 3.600 g", balance_id="XS205-1")
        station_records.record_reading(s, pharmacy.technician, record.batch_number, 1, reading, clock(), monotonic_now=5.1)
        batches.assign_lot(s, pharmacy.technician, record.batch_number, 2, pharmacy.lots[second.name].id, clock())
        station_records.confirm_by_hand(s, credentials_of(pharmacy.pharmacist), record.batch_number, 2, "label smudged; lot read by eye", clock())
        station_records.record_typed(s, pharmacy.technician, record.batch_number, 2, str(second.target), clock())
    with sessions.begin() as s:
        stored = printing.worksheet_to_print(s, pharmacy.technician, record.batch_number, clock())
    assert [line.how_weighed for line in stored.lines] == [
        "balance XS205-1 · scanned", "typed · confirmed by hand (signed: Paula Pharmacist, RPh: label smudged; lot read by eye)", "", "",
    ]
    pdf = stored_worksheet_pdf(stored, PHARMACY)
    if os.environ.get("COMPOUNDER_KEEP_PDF"):  # to look at it: pdftoppm -png
        with open(os.environ["COMPOUNDER_KEEP_PDF"], "wb") as out:
            out.write(pdf)
    text = pdf_text(pdf)
    for printed in ("balance XS205-1", "scanned", "typed", "confirmed"):  # each on its own line of the cell
        assert printed in text
