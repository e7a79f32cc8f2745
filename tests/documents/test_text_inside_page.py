"""Issue 26: of 279 fuzzed worksheets 17 printed text off the page. Hostile text at each field's
limit (wide glyphs, long words, long names and numbers), on Letter and A4: every character PDFium
finds in the PDF lies inside the page, or the document is refused naming the field."""

from __future__ import annotations

import functools
import os

import pypdfium2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compounder.calc.errors import InputError
from compounder.calc.field_limits import TEXT_LIMITS
from compounder.documents.common import UnprintableText
from compounder.documents.worksheet import worksheet_renderer
from tests.documents.helpers import issue_formula, pharmacy, record_of

EXAMPLES = int(os.environ.get("COMPOUNDER_FUZZ_EXAMPLES", "40"))


def _at(limit: int, word: str) -> str:
    return (word * (limit // len(word) + 1))[:limit]


TEXTS = st.sampled_from(["W", "Wwwwwwwww ", "ǄǄǄǄ", "‰", "Featherstonehaugh-Wolfeschlegelsteinhausen ", "1234567890", "M"])
FIELDS = {  # where in the formula file, and the field's limit
    "patient": ("prescription", "patient"), "prescriber": ("prescription", "prescriber"), "rx_number": ("prescription", "rx_number"),
    "directions": ("prescription", "directions"), "container": (None, "container"), "formula_version": (None, "formula_version"),
    "batch_number": (None, "batch_number"), "manufacturer": ("actives", "manufacturer"), "lot": ("actives", "lot"),
}


def characters_outside(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    outside = []
    try:
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            text = page.get_textpage()
            for char in range(text.count_chars()):
                left, bottom, right, top = text.get_charbox(char)
                if right <= left:  # a space or a line break: no ink
                    continue
                if left < -0.5 or bottom < -0.5 or right > width + 0.5 or top > height + 0.5:
                    outside.append(f"page {index + 1}: {text.get_text_range(char, 1)!r} at {left:.0f},{bottom:.0f}–{right:.0f},{top:.0f}")
    finally:
        document.close()
    return outside


@functools.cache
def _catalog():
    from compounder.data.catalog import load_catalog

    return load_catalog()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=st.lists(st.tuples(st.sampled_from(sorted(FIELDS)), TEXTS), min_size=1, max_size=3), paper=st.sampled_from(["letter", "a4"]))
def test_no_text_leaves_the_page(fields, paper):
    catalog = _catalog()  # not a fixture argument: a failing example's report would print all of it
    data = issue_formula()
    for name, word in fields:
        group, key = FIELDS[name]
        value = _at(TEXT_LIMITS.get(key, 60), word).strip() or "W"
        if group == "prescription":
            data["prescription"] = {**data["prescription"], key: value}
        elif group == "actives":
            data["actives"][0] = {**data["actives"][0], key: value}
        else:
            data[key] = value
    try:
        pdf = worksheet_renderer(paper)(record_of(catalog, data), pharmacy(worksheet_paper=paper)).render()
    except (InputError, UnprintableText) as refused:  # refused naming the field: nothing printed
        assert refused.field
        return
    assert characters_outside(pdf) == []


def test_the_committed_worksheets_keep_their_text_on_the_page(catalog):
    for paper in ("letter", "a4"):
        assert characters_outside(worksheet_renderer(paper)(record_of(catalog, issue_formula()), pharmacy(worksheet_paper=paper)).render()) == []


def test_the_calculation_sheets_later_pages_keep_their_header_on_the_page(catalog):
    """The calculation sheet's running header (its title, the pharmacy's and the formula's names)
    ran 99 pt past the right edge of page 2 on Letter: "… RECORD (contin"."""
    from compounder.documents.batch import calculation_sheet_pdf
    from tests.documents.helpers import evaluated

    plan, order, on = evaluated(catalog, issue_formula())
    for paper in ("letter", "a4"):
        pdf = calculation_sheet_pdf(plan, order, catalog, on, pharmacy(worksheet_paper=paper), paper)
        assert len(pypdfium2.PdfDocument(pdf)) >= 2  # a later page to look at
        assert characters_outside(pdf) == []
