"""Documents are laid out once (issue #27): a worksheet breaks each paragraph's lines once per
width, not once to size its table row and again to draw it; the label's type size is found
without laying out sizes the text cannot fit, and it is the size trying every one would find.

No timing: these count layouts, and compare the size chosen with an exhaustive search.
"""

from __future__ import annotations

import pytest
from reportlab.platypus import Paragraph as ReportLabParagraph

from compounder.calc.label_stock import LABEL_STOCKS
from compounder.documents.label import LabelOverflow, LabelRenderer
from compounder.documents.worksheet import WorksheetRenderer
from tests.documents.helpers import five_active_formula, issue_formula, label_of, pharmacy, record_of

STOCKS = ("thermal-4x2", "thermal-3x2", "avery-5163")


def _one_active() -> dict:
    return issue_formula(actives=[{"ingredient": "ketoprofen", "strength": "10 %"}], excipients=[])


CONTENTS = {"issue": issue_formula, "one active": _one_active, "five actives": five_active_formula}


def test_a_worksheet_breaks_each_paragraphs_lines_once_per_width(catalog, monkeypatch):
    broken: dict[int, list[float]] = {}
    original = ReportLabParagraph.breakLines

    def counted(self, width):
        broken.setdefault(id(self), []).append(tuple(width) if isinstance(width, list) else width)
        return original(self, width)

    monkeypatch.setattr(ReportLabParagraph, "breakLines", counted)
    WorksheetRenderer(record_of(catalog, issue_formula()), pharmacy()).render()
    assert broken, "the worksheet has paragraphs"
    twice = {key: widths for key, widths in broken.items() if len(widths) != len(set(widths))}
    assert not twice, f"{len(twice)} of {len(broken)} paragraphs were broken into lines twice at one width"


def _exhaustive(renderer: LabelRenderer) -> float | None:
    """The largest size at which ``layout`` fits the text, trying every size."""
    return next((size for size in renderer.sizes() if renderer.layout(size) is not None), None)


@pytest.mark.parametrize("stock", STOCKS)
@pytest.mark.parametrize("content", CONTENTS)
def test_the_label_size_is_the_one_trying_every_size_finds(catalog, stock, content):
    renderer = LabelRenderer(label_of(catalog, CONTENTS[content]()), pharmacy(), LABEL_STOCKS[stock])
    expected = _exhaustive(renderer)
    if expected is None:
        with pytest.raises(LabelOverflow):
            renderer.fit()
        return
    assert renderer.fit()[0] == expected


@pytest.mark.parametrize("stock", STOCKS)
@pytest.mark.parametrize("content", CONTENTS)
def test_the_height_worked_out_without_a_layout_is_never_above_the_laid_out_one(catalog, stock, content):
    renderer = LabelRenderer(label_of(catalog, CONTENTS[content]()), pharmacy(), LABEL_STOCKS[stock])
    code_height = renderer.barcode_size()[1]
    for size in renderer.sizes():
        styles = renderer.styles(size)
        header = [p.wrap(renderer.inner_width - renderer.barcode_size()[0] - 4, renderer.inner_height)[1] for p in renderer.header_paragraphs(styles)]
        body = [p.wrap(renderer.inner_width, renderer.inner_height)[1] for p in renderer.body_paragraphs(styles)]
        laid_out = max(sum(header), code_height) + 3 + sum(body) + renderer.gap * (len(body) - 1) + 2  # as ``layout`` adds it up
        assert renderer.shortest(size) <= laid_out + 1e-9, size


def test_the_issue_label_is_laid_out_once(catalog, monkeypatch):
    # The issue's label fits the 4 × 2 in stock at 6 pt (its warnings are long); sizes 9 to 6.5 pt
    # cannot hold its words however they break, so only 6 pt is laid out (bisection laid out three).
    renderer = LabelRenderer(label_of(catalog, issue_formula()), pharmacy(), LABEL_STOCKS["thermal-4x2"])
    sizes: list[float] = []
    original = renderer.layout
    monkeypatch.setattr(renderer, "layout", lambda size: sizes.append(size) or original(size))
    renderer.render()
    assert renderer.size_used == _exhaustive(LabelRenderer(label_of(catalog, issue_formula()), pharmacy(), LABEL_STOCKS["thermal-4x2"]))
    assert len(sizes) == 1
