"""Issue 26: of 279 fuzzed worksheets 17 printed text off the page and 10 over other text. Hostile
text at each field's limit (wide glyphs, long words, long names and numbers), on Letter and A4:
every character PDFium finds in the PDF lies inside the page, on no other text and under no
rule, cell border or barcode bar, or the document is refused naming the field."""

from __future__ import annotations

import functools
import os

import pypdfium2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compounder.calc.errors import InputError
from compounder.calc.field_limits import TEXT_LIMITS
from compounder.calc.label_stock import LABEL_STOCKS
from compounder.documents.common import UnprintableText
from compounder.documents.worksheet import worksheet_renderer
from tests.documents.helpers import issue_formula, pharmacy, record_of
from tests.documents.pdf_layout import characters_outside, collisions

EXAMPLES = int(os.environ.get("COMPOUNDER_FUZZ_EXAMPLES", "40"))


def _at(limit: int, word: str) -> str:
    return (word * (limit // len(word) + 1))[:limit]


TEXTS = st.sampled_from(["W", "Wwwwwwwww ", "ǄǄǄǄ", "‰", "Featherstonehaugh-Wolfeschlegelsteinhausen ", "1234567890", "M"])
FIELDS = {  # where in the formula file, and the field's limit
    "patient": ("prescription", "patient"), "prescriber": ("prescription", "prescriber"), "rx_number": ("prescription", "rx_number"),
    "directions": ("prescription", "directions"), "container": (None, "container"), "formula_version": (None, "formula_version"),
    "batch_number": (None, "batch_number"), "manufacturer": ("actives", "manufacturer"), "lot": ("actives", "lot"),
    "base_lot": (None, "base_lot"), "name": (None, "name"),
}
LIMIT_KEYS = {"base_lot": "base lot", "name": "formula"}  # the field_limits key where it differs


@functools.cache
def _catalog():
    from compounder.data.catalog import load_catalog

    return load_catalog()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=st.lists(st.tuples(st.sampled_from(sorted(FIELDS)), TEXTS), min_size=1, max_size=3), paper=st.sampled_from(["letter", "a4"]))
def test_no_text_leaves_the_page_or_prints_over_other_text(fields, paper):
    catalog = _catalog()  # not a fixture argument: a failing example's report would print all of it
    data = issue_formula()
    for name, word in fields:
        group, key = FIELDS[name]
        value = _at(TEXT_LIMITS.get(LIMIT_KEYS.get(key, key), 60), word).strip() or "W"
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
    assert collisions(pdf) == []


def test_the_committed_worksheets_keep_their_text_on_the_page(catalog):
    for paper in ("letter", "a4"):
        pdf = worksheet_renderer(paper)(record_of(catalog, issue_formula()), pharmacy(worksheet_paper=paper)).render()
        assert characters_outside(pdf) == [] and collisions(pdf) == []


def test_the_calculation_sheets_later_pages_keep_their_header_on_the_page(catalog):
    """The calculation sheet's running header (its title, the pharmacy's and the formula's names)
    ran 99 pt past the right edge of page 2 on Letter: "… RECORD (contin"."""
    from compounder.documents.batch import calculation_sheet_pdf
    from tests.documents.helpers import evaluated

    plan, order, on = evaluated(catalog, issue_formula())
    for paper in ("letter", "a4"):
        pdf = calculation_sheet_pdf(plan, order, catalog, on, pharmacy(worksheet_paper=paper), paper)
        assert len(pypdfium2.PdfDocument(pdf)) >= 2  # a later page to look at
        assert characters_outside(pdf) == [] and collisions(pdf) == []


LABEL_FIELDS = ("patient", "prescriber", "rx_number", "directions")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fields=st.lists(st.tuples(st.sampled_from(LABEL_FIELDS), TEXTS), min_size=1, max_size=3),
    stock=st.sampled_from(sorted(LABEL_STOCKS)), position=st.integers(1, 30),
)
def test_no_label_text_leaves_the_label_or_prints_over_other_text(fields, stock, position):
    """The patient label at each field's limit on every stock: every character on the page, none
    on another or on the barcode, or the label refused (it does not fit) naming why."""
    from compounder.documents.batch import label_pdf
    from compounder.documents.label import LabelOverflow
    from tests.documents.helpers import evaluated

    catalog = _catalog()
    data = issue_formula()
    for key, word in fields:
        data["prescription"] = {**data["prescription"], key: _at(TEXT_LIMITS.get(key, 60), word).strip() or "W"}
    try:
        plan, order, on = evaluated(catalog, data)
        pdf = label_pdf(plan, order, catalog, on, pharmacy(label_stock=stock), LABEL_STOCKS[stock], min(position, LABEL_STOCKS[stock].columns * LABEL_STOCKS[stock].rows))
    except (InputError, UnprintableText, LabelOverflow):  # refused: nothing printed
        return
    assert characters_outside(pdf) == []
    assert collisions(pdf) == []


def test_a_long_batch_numbers_barcode_moves_the_title_down_rather_than_over_it(catalog):
    """Fuzzed: a 40-character batch number's barcode (40 × 11 + 55 = 495 modules × 0.8 pt = 396 pt)
    ran over the title and the pharmacy's name. A barcode too wide to stand beside the title now
    stands above it; one too wide even there is refused naming the field."""
    import pytest

    for paper in ("letter", "a4"):
        pdf = worksheet_renderer(paper)(record_of(catalog, issue_formula(batch_number="CR-2026-0001234-AB")), pharmacy(worksheet_paper=paper)).render()
        assert characters_outside(pdf) == [] and collisions(pdf) == []
        with pytest.raises(InputError) as refused:
            worksheet_renderer(paper)(record_of(catalog, issue_formula(batch_number="W" * 40)), pharmacy(worksheet_paper=paper))
        assert refused.value.field == "batch_number"


def test_the_later_pages_barcode_digits_stay_above_the_header_rule(catalog):
    """Fuzzed: with long lots and manufacturers the worksheet goes compact, its later pages' header
    is 0.42 in, and the barcode's digits printed through the rule under it."""
    data = issue_formula(base_lot="W" * 40)
    data["actives"][0] = {**data["actives"][0], "lot": "W" * 40, "manufacturer": "W" * 80}
    pdf = worksheet_renderer("letter")(record_of(catalog, data), pharmacy()).render()
    assert len(pypdfium2.PdfDocument(pdf)) >= 2
    assert collisions(pdf) == []
