"""The controlled-substance ledger and biennial inventory on paper: every line printed, a long
ledger over several pages with its column heads again, Schedule II apart, a character the font
cannot print refused naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from compounder.calc.controlled_records import CLOSE, InventoryLine, LedgerEntry, LotLedger
from compounder.documents.common import UnprintableText
from compounder.documents.controlled_records import biennial_inventory_pdf, ledger_pdf
from compounder.settings import settings_from_data
from tests.pdf_text import pages_text

PHARMACY = settings_from_data({"schema_version": 1, "name": "Main Street Compounding", "address": ["12 Main Street"], "phone": "555-0142",
                               "licence": "IL 054-000000"})
AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _ledger(uses: int, what: str = "batch") -> LotLedger:
    # By hand: 100 g received, then `uses` uses of 1.5 g each: 100 − 1.5 × uses.
    entries = [LedgerEntry(AT, "receipt", Decimal(100), Decimal(100), "Medisca Inc., DEA AB1234563, invoice INV-5501", "paula")]
    for n in range(1, uses + 1):
        entries.append(LedgerEntry(AT + dt.timedelta(hours=n), "use", Decimal("-1.5"), Decimal(100) - Decimal("1.5") * n, f"{what} 261123-{n:03d}", "tess"))
    return LotLedger("C-III", "ketamine hydrochloride", "K-1", "Medisca", dt.date(2027, 12, 31), entries[0].what, tuple(entries))


def test_a_long_ledger_runs_over_pages_with_its_heads_and_its_last_balance():
    pages = pages_text(ledger_pdf(PHARMACY, [_ledger(60)], AT, "BM1234563"))
    assert len(pages) >= 2 and all("Balance" in page for page in pages)
    assert "Page 2 of" in pages[1] and "DEA registration number: BM1234563" in pages[0]
    # 100 − 1.5 × 60 = 10 g after the last use.
    assert "261123-060" in pages[-1] and "on hand 10 g" in pages[0]


def test_the_inventory_keeps_schedule_ii_apart_and_leaves_the_count_to_the_pharmacist():
    lines = [InventoryLine("C-II", "hydrocodone bitartrate", "H-2", "Spectrum", dt.date(2027, 6, 30), Decimal("4.125")),
             InventoryLine("C-III", "ketamine hydrochloride", "K-1", "Medisca", dt.date(2027, 12, 31), Decimal("20"))]
    [page] = pages_text(biennial_inventory_pdf(PHARMACY, lines, AT, CLOSE, AT))
    assert page.index("Schedule II") < page.index("H-2") < page.index("Schedules III, IV and V") < page.index("K-1")
    assert "close of business" in page and "Counted (g)" in page and "Taken by (name, signature)" in page


def test_a_character_the_font_cannot_print_is_refused_naming_the_field():
    with pytest.raises(UnprintableText, match="what: the character"):
        ledger_pdf(PHARMACY, [_ledger(1, what="批次")], AT)
