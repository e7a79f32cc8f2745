"""Issue 26, the worksheet's pages: on Letter a worksheet took 3 pages, the third holding only the
signature table, where A4 took 2. The signatures never stand alone on a page, and Letter (50 pt
shorter than A4: 792 against 841.9 pt) fits where A4 fits."""

from __future__ import annotations

import pytest

from compounder.calc import Severity
from compounder.documents.worksheet import worksheet_renderer
from tests.documents.helpers import evaluated, five_active_formula, issue_formula, pharmacy, record_of
from tests.pdf_text import pages_text


def acknowledged(catalog, data):
    """``data`` with each of its warnings acknowledged, so the worksheet may be printed."""
    plan, _order, _on = evaluated(catalog, data)
    codes = sorted({f.code for f in plan.findings if f.severity is Severity.WARNING})
    return {**data, "acknowledged": [{"code": c, "by": "Paula Pharmacist", "reason": "checked against the SOP"} for c in codes]}


def worksheet_pages(catalog, data, paper):
    return pages_text(worksheet_renderer(paper)(record_of(catalog, data), pharmacy(worksheet_paper=paper)).render())


def assert_signatures_not_alone(pages):
    [page] = [text for text in pages if "Prepared by" in text]
    # what the page holds before the signatures, past its running header (which ends with the
    # batch number under the barcode)
    before = page.split("Signatures")[0].split("Batch 261123-001")[-1].strip()
    assert len(before) > 40, f"the signatures stand alone on their page: {page[:300]}"


def test_the_five_active_worksheet_takes_two_letter_pages_as_on_a4(catalog):
    data = acknowledged(catalog, five_active_formula())
    letter, a4 = worksheet_pages(catalog, data, "letter"), worksheet_pages(catalog, data, "a4")
    assert len(a4) == 2
    assert len(letter) == 2  # it took 3, the third only the signatures
    assert_signatures_not_alone(letter)
    assert_signatures_not_alone(a4)


@pytest.mark.parametrize("steps", [0, 3, 6, 9, 12, 16, 20, 26])
def test_signatures_never_alone_and_letter_fits_where_a4_fits(catalog, steps):
    extra = [f"Step {i + 1}: mix the phase gently with the spatula until it is uniform and smooth, then let it rest" for i in range(steps)]
    data = acknowledged(catalog, issue_formula(steps=extra) if steps else issue_formula())
    letter, a4 = worksheet_pages(catalog, data, "letter"), worksheet_pages(catalog, data, "a4")
    assert len(letter) <= len(a4)
    assert_signatures_not_alone(letter)
    assert_signatures_not_alone(a4)
