"""A stored worksheet of a batch with aliquot lines: each of the aliquot's weighings (the drug for
the aliquot, the base to dilute it, the portion on the line's own row) prints its actual, its
deviation, how it was weighed and the initials of who weighed it; a weighing still to come is
blank. A batch stored before the weighings were recorded (no weighing rows) kept one weight per
line: its reprint says "not recorded" in those cells instead of leaving a blank that could be
filled in afterwards, and the line's cell says what its weight was checked against. On SQLite
and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import select

from compounder.documents.stored import stored_worksheet_pdf
from compounder.records import aliquot_steps, batches, printing
from compounder.records.model import BatchLine
from tests.pdf_text import pdf_text
from tests.records.helpers import PHARMACY, forget_aliquot_weighings, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of

NOT_RECORDED = "not recorded"


def _print(sessions, actor, number, now) -> tuple[str, bytes]:
    with sessions.begin() as s:
        pdf = stored_worksheet_pdf(printing.worksheet_to_print(s, actor, number, now), PHARMACY)
        printing.record_print(s, actor, number, printing.PRINT_WORKSHEET, now)
    if os.environ.get("COMPOUNDER_KEEP_PDF"):  # to look at it: pdftoppm -png
        with open(os.environ["COMPOUNDER_KEEP_PDF"], "wb") as out:
            out.write(pdf)
    return pdf_text(pdf), pdf


def _predating(sessions, record):
    """The batch as one stored before migration 0007: its aliquot lines have no weighing rows."""
    with sessions.begin() as s:
        line_ids = [line.id for line in s.scalars(select(BatchLine).where(BatchLine.batch_id == record.id))]
        forget_aliquot_weighings(s, line_ids, dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))
        return batches.batch_record(s, record.batch_number)


def test_a_reprint_prints_each_aliquot_weighing_as_recorded(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    aliquots = [line for line in pharmacy.plan["lines"] if "aliquot" in line]
    # 120 g × 3 % = 3.60 g, × 2 % = 2.40 g, × 5 % = 6.00 g: each below 8.2 g, each by aliquot
    assert [line["grams_display"] for line in aliquots] == ["3.60", "2.40", "6.00"]
    # the bench's first sheet: the aliquot cells are blank, to be written in
    first, _pdf = _print(sessions, pharmacy.technician, record.batch_number, clock())
    assert "REPRINT" not in first and NOT_RECORDED not in first
    assert "diclofenac sodium for the aliquot (3 × 3.60 g) 10.80 g" in first  # 3 × 3.60 = 10.80 ≥ 8.2 > 2 × 3.60

    # line 1 off its printed targets, the diluent following the ingredient: 10.85 g, then 10.85 × 13.80 / 10.80 = 13.8639 → 13.86 g
    # of base, then 3.60 × 24.71 / 10.85 = 8.1987 → 8.20 g of the mixture, weighed 8.21 g; every other weighing at its target
    with sessions.begin() as s:
        for line in record.lines:
            batches.assign_lot(s, pharmacy.technician, record.batch_number, line.position, pharmacy.lots[line.name].id, clock())
            if not line.steps:
                batches.enter_weight(s, pharmacy.technician, record.batch_number, line.position, str(line.target), clock())
            for step in line.steps:
                grams = {"ingredient": "10.85", "diluent": "13.86", "portion": "8.21"}[step.step] if line.position == 1 else str(step.target)
                aliquot_steps.enter_step(s, pharmacy.technician, record.batch_number, line.position, step.step, grams, clock())
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    again, _pdf = _print(sessions, pharmacy.technician, record.batch_number, clock())
    assert "REPRINT" in again and NOT_RECORDED not in again
    # each weighing: its actual, its deviation from its own target as it stood when weighed, how it was weighed, the initials of Tess Technician
    assert "10.85 g +0.46 % of 10.80 g typed TT" in again  # 0.05 / 10.80
    assert "13.86 g +0.00 % of 13.86 g typed TT" in again  # the diluent's adapted target, not the printed 13.80
    assert "8.21 g +0.12 % of 8.20 g typed" in again  # 0.01 / 8.20, on the line's own row (Required: the portion)
    # the drug delivered: 8.21 × 10.85 / 24.71 = 3.604958 g, +0.14 % of 3.60 g
    assert "drug delivered 3.6050 g of 3.60 g, +0.14 %" in again
    assert "checked against 3.60 g" not in again
    # the other aliquot lines at their targets: 9.60, 23.20, 8.20 and 12.00, 8.20, 10.10
    assert "9.60 g +0.00 % of 9.60 g typed TT" in again and "23.20 g +0.00 % of 23.20 g typed TT" in again
    assert "10.10 g +0.00 % of 10.10 g typed" in again


def test_a_draft_line_part_weighed_keeps_its_steps_to_come_blank(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    with sessions.begin() as s:
        batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, pharmacy.lots[record.lines[0].name].id, clock())
        aliquot_steps.enter_step(s, pharmacy.technician, record.batch_number, 1, "ingredient", "10.80", clock())
    _print(sessions, pharmacy.technician, record.batch_number, clock())
    again, _pdf = _print(sessions, pharmacy.technician, record.batch_number, clock())
    assert "REPRINT" in again and NOT_RECORDED not in again
    assert "10.80 g +0.00 % of 10.80 g typed TT" in again and "drug delivered" not in again


def test_a_batch_stored_before_the_weighings_were_recorded_says_they_were_not(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    record = _predating(sessions, record)
    weigh_all(sessions, clock, pharmacy, record)  # one weight per line: 3.60, 2.40, 6.00 g and the base
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    again, _pdf = _print(sessions, pharmacy.technician, record.batch_number, clock())
    # two weighings per aliquot (the drug, the base to dilute it), three aliquot lines
    assert again.count(NOT_RECORDED) == 2 * 3
    # the line's own weight is printed with what it was checked against: the drug's own grams, not the portion
    assert "3.60 g +0.00 %" in again or "3.60 g +0 %" in again
    assert "checked against 3.60 g" in again and "checked against 2.40 g" in again and "checked against 6.00 g" in again


def test_a_predating_draft_line_not_yet_weighed_keeps_its_aliquot_cells_blank(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    record = _predating(sessions, record)
    with sessions.begin() as s:
        first = record.lines[0]
        batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, pharmacy.lots[first.name].id, clock())
        batches.enter_weight(s, pharmacy.technician, record.batch_number, 1, str(first.target), clock())
    _print(sessions, pharmacy.technician, record.batch_number, clock())
    again, _pdf = _print(sessions, pharmacy.technician, record.batch_number, clock())
    # line 1 weighed: its two aliquot weighings are said not to be recorded; lines 2 and 3 are still to be weighed
    assert "REPRINT" in again and again.count(NOT_RECORDED) == 2
