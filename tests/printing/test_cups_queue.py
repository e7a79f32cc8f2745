"""The documents through a real CUPS queue (a cups-pdf printer under a scheduler the tests start):
the printed file keeps the document's own page, its text and its page count (issue 26)."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from compounder.calc.label_stock import LABEL_STOCKS
from compounder.documents.batch import label_pdf, worksheet_pdf
from compounder.documents.lot_label import LotLabel, lot_label_pdf
from compounder.printing.spool import Page, SpoolerError, pdf_page, print_pdf
from tests.documents.helpers import evaluated, issue_formula, pharmacy


def pdfinfo(path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in out.splitlines())}


def pdftotext(path) -> str:
    return " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout.split())


@pytest.fixture
def spooler(cups_spooler, monkeypatch):
    for key, value in cups_spooler.environment.items():
        monkeypatch.setenv(key, value)
    return cups_spooler


def _batch(catalog):
    plan, order, _compounded_on = evaluated(catalog, issue_formula())
    return plan, order


def test_the_page_size_names_cups_knows():
    assert Page(612, 792).media == "Letter"
    assert Page(595.2756, 841.8898).media == "A4"
    assert Page(288, 144).media == "Custom.288x144"  # 4 × 2 in = 288 × 144 pt
    assert Page(161.57, 90.71).media == "Custom.161.57x90.71"  # 57 × 32 mm


def test_the_label_prints_on_its_own_4_by_2_inch_page(catalog, spooler):
    plan, order = _batch(catalog)
    pdf = label_pdf(plan, order, catalog, dt.date(2026, 11, 23), pharmacy(), LABEL_STOCKS["thermal-4x2"])
    assert pdf_page(pdf) == Page(288, 144)
    queue = spooler.add_pdf_printer("labels")  # its PPD's default paper is A4: the job must not take it
    print_pdf(queue, pdf, "Label RX-104233")
    [printed] = spooler.printed(queue)
    info = pdfinfo(printed)
    assert info["Pages"] == "1"
    assert info["Page size"].startswith("288 x 144 pts")  # 4 in × 72 = 288, 2 in × 72 = 144: not stretched to A4
    text = pdftotext(printed)
    assert "Jane Doe" in text and "RX-104233" in text and "Apply 1 g (4 clicks) to the lower back three times daily" in text


def test_a_label_on_a_sheet_prints_on_the_letter_sheet(catalog, spooler):
    plan, order = _batch(catalog)
    pdf = label_pdf(plan, order, catalog, dt.date(2026, 11, 23), pharmacy(), LABEL_STOCKS["avery-5163"], position=4)
    queue = spooler.add_pdf_printer("sheets")
    print_pdf(queue, pdf, "Label RX-104233")
    [printed] = spooler.printed(queue)
    assert pdfinfo(printed)["Page size"].startswith("612 x 792 pts")  # 8.5 × 11 in


@pytest.mark.parametrize(("paper", "size"), [("letter", "612 x 792 pts"), ("a4", "595 x 842 pts")])
def test_the_worksheet_prints_on_its_paper_with_every_page(catalog, spooler, paper, size):
    plan, order = _batch(catalog)
    pdf = worksheet_pdf(plan, order, catalog, dt.date(2026, 11, 23), pharmacy(worksheet_paper=paper))
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ")
    queue = spooler.add_pdf_printer(f"worksheets-{paper}")
    print_pdf(queue, pdf, "Worksheet 261123-001", copies=1)
    [printed] = spooler.printed(queue)
    info = pdfinfo(printed)
    assert info["Page size"].startswith(size)
    assert int(info["Pages"]) == pages >= 2
    text = pdftotext(printed)
    assert "261123-001" in text and "Diclofenac sodium" in text and "Main Street Compounding" in text
    assert not any("image" in line for line in subprocess.run(["pdfimages", "-list", str(printed)], capture_output=True, text=True).stdout.splitlines()[2:])


def test_the_lot_label_prints_on_its_57_by_32_mm_page(spooler):
    pdf = lot_label_pdf(LotLabel(123, "Baclofen USP powder", "BAC-2291", "Medisca", dt.date(2027, 12, 31)))
    queue = spooler.add_pdf_printer("lots")
    print_pdf(queue, pdf, "Lot label BAC-2291")
    [printed] = spooler.printed(queue)
    info = pdfinfo(printed)
    assert info["Pages"] == "1"
    width, _, height = info["Page size"].split()[:3]
    # 57 mm = 57 / 25.4 × 72 = 161.57 pt; 32 mm = 90.71 pt (gs rounds to whole points)
    assert abs(float(width) - 161.57) < 1 and abs(float(height) - 90.71) < 1
    text = pdftotext(printed)
    assert "Baclofen USP powder" in text and "Lot BAC-2291" in text and "CPL00001236" in text


def test_an_unknown_printer_is_refused_in_one_line(spooler):
    with pytest.raises(SpoolerError) as refused:
        print_pdf("no-such-printer", b"%PDF-1.4 /MediaBox [0 0 612 792]", "x")
    assert "no-such-printer" in str(refused.value) and "nothing was printed" in str(refused.value)
    assert "\n" not in str(refused.value)
