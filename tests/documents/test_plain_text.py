"""Plain text drawn without ReportLab's markup parser (issue #27) prints exactly what a ReportLab
Paragraph prints: the same size, and the same PDF byte for byte, for text on one line or many,
left, right or centred, regular or bold, and where a word is longer than the line. Lines joined by
``<br/>`` and one line of bold or sized runs print each piece of text at the same place.

No timing: the worksheet test counts the paragraphs parsed.
"""

from __future__ import annotations

import io
import random

import pytest
from pypdf import PdfReader
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable
from reportlab.platypus import Paragraph as ReportLabParagraph

from compounder.documents.common import FONT, FONT_BOLD, register_fonts
from compounder.documents.plain_text import PlainText, paragraph
from compounder.documents.worksheet import WorksheetRenderer
from tests.documents.helpers import issue_formula, pharmacy, record_of

WORDS = ("g", "of", "the", "base", "lidocaine", "2028-01-31", "Lipoderm", "(q.s.)", "±", "5 %", "cyclobenzaprine", "hydrochloride",
         "—", "µg/mL", "DS2401", "triturate", "by", "geometric", "dilution", "≤", "0.82", "supercalifragilisticexpialidocious",
         "■\u00a0Keep", "Rx\u00a0RX-104234\u00a0\u00a0")  # a no-break space holds its word together


def _drawn(flowable: Flowable, width: float) -> tuple[tuple[float, float], bytes]:
    """The size ``flowable`` takes in ``width`` and the page it draws (uncompressed, so the operators compare)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1, pageCompression=0)
    size = flowable.wrapOn(canvas, width, 10_000)
    flowable.drawOn(canvas, 36, 400)
    canvas.showPage()
    canvas.save()
    return size, buffer.getvalue()


def _style(alignment: int, size: float) -> ParagraphStyle:
    return ParagraphStyle("s", fontName=FONT, fontSize=size, leading=size * 1.2, alignment=alignment, textColor=colors.Color(0.2, 0.2, 0.2))


def _texts(count: int) -> list[str]:
    rng = random.Random(27)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 14))) for _ in range(count)]


@pytest.mark.parametrize("alignment", [TA_LEFT, TA_RIGHT, TA_CENTER])
@pytest.mark.parametrize("bold", [False, True])
def test_plain_text_prints_what_a_paragraph_prints(alignment, bold):
    register_fonts()
    style = _style(alignment, 8.5)
    lines_seen, shrunk_seen, handed_on = set(), 0, 0
    for text in _texts(30):
        markup = f"<b>{text}</b>" if bold else text
        for width in (24.0, 61.5, 97.25, 180.0):
            fast = paragraph(markup, style)
            assert isinstance(fast, PlainText)
            [words] = fast.pieces
            assert words.font == (FONT_BOLD if bold else FONT)
            assert _drawn(fast, width) == _drawn(ReportLabParagraph(markup, style), width), (text, width)
            if fast._paragraph is None:
                lines_seen.add(len(words.lines))
                shrunk_seen += any(room < 0 for room, _ in words.lines)
            else:
                handed_on += 1
    # the cases that matter were met: one line and several, spaces shrunk to fit, a word split by ReportLab
    assert {1, 2, 3} <= lines_seen
    assert shrunk_seen and handed_on


def test_empty_text_takes_no_room_and_draws_nothing_as_a_paragraph():
    register_fonts()
    assert _drawn(paragraph("", _style(TA_LEFT, 9)), 100) == _drawn(ReportLabParagraph("", _style(TA_LEFT, 9)), 100)


def test_a_split_across_pages_is_the_paragraphs():
    register_fonts()
    style = _style(TA_LEFT, 9)
    text = " ".join(_texts(3))
    fast, slow = paragraph(text, style), ReportLabParagraph(text, style)
    fast.wrap(80, 10_000), slow.wrap(80, 10_000)
    parts, expected = fast.split(80, 30), slow.split(80, 30)
    assert [part.wrap(80, 10_000) for part in parts] == [part.wrap(80, 10_000) for part in expected]
    assert len(parts) == 2


def _placed(pdf: bytes) -> list[tuple[str, float, float, float]]:
    """Each piece of text the page shows, where it starts and its size, in the order drawn."""
    found: list[tuple[str, float, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
            found.append((text.strip(), round(x, 3), round(y, 3), size))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return found


QUANTITY = ParagraphStyle("q", fontName=FONT_BOLD, fontSize=12, leading=14.4, alignment=TA_RIGHT)
MARKUP = [
    ("3.600&nbsp;<font size=9.0>g</font>", QUANTITY, 70.0),
    ("98.168&nbsp;<font size=8.5>g</font>", QUANTITY, 51.0),
    ("<b>Total</b> (prepared)", _style(TA_LEFT, 8.5), 400.0),
    ("<b>Use by 2026-12-06</b> · Store in a refrigerator, 2–8 °C", _style(TA_CENTER, 6), 270.0),
    ("<b>INFO</b><br/>POWDER_LOAD_LIMIT_UNKNOWN", _style(TA_LEFT, 7), 140.0),
    ("<b>Jane Doe</b><font size='6.0'>&nbsp;&nbsp; Rx&nbsp;<b>RX-104234</b>&nbsp;&nbsp; Filled&nbsp;2026-11-23</font>", _style(TA_LEFT, 8), 260.0),
    ("<b>Lipoderm</b> (q.s.)<br/>q.s. to 120.000 g", _style(TA_LEFT, 8.5), 130.0),
    # what ``escape`` writes for < > & (ReportLab makes each a run of its own)
    *((f"USP &lt;795&gt; {text} A&amp;B", _style(TA_LEFT, 7), width) for text in _texts(4) for width in (61.5, 180.0)),
    *((f"<b>{a}</b><br/>{b}", _style(TA_LEFT, 8.5), width) for a, b in zip(_texts(12)[::2], _texts(12)[1::2], strict=True)
      for width in (61.5, 130.0, 300.0)),
]


@pytest.mark.parametrize(("markup", "style", "width"), MARKUP)
def test_lines_and_runs_print_each_piece_where_a_paragraph_prints_it(markup, style, width):
    register_fonts()
    fast = paragraph(markup, style)
    assert isinstance(fast, PlainText)
    (size, pdf), (expected_size, expected) = _drawn(fast, width), _drawn(ReportLabParagraph(markup, style), width)
    assert size == pytest.approx(expected_size)
    if fast._paragraph is None:  # else ReportLab drew it (a word split over lines)
        assert _placed(pdf) == _placed(expected)


def test_a_run_too_wide_for_one_line_goes_to_reportlab():
    register_fonts()
    fast = paragraph("<b>Balance:</b> Electronic balance, readability 0.001 g (minimum weighable quantity 0.82 g)", _style(TA_LEFT, 9))
    assert _drawn(fast, 120) == _drawn(ReportLabParagraph(fast.markup, _style(TA_LEFT, 9)), 120)


@pytest.mark.parametrize("markup", ["a &quot; b", "two  spaces", " leading", "x<br/><br/>y", "<i>slanted</i>", "<b>a <font size=6>b</font></b>",
                                    "soft\u00adhyphen", "<font color='red'>red</font>"])
def test_other_markup_and_unusual_spacing_go_to_reportlab(markup):
    assert not isinstance(paragraph(markup, _style(TA_LEFT, 9)), PlainText)


def test_an_indented_style_goes_to_reportlab():
    assert not isinstance(paragraph("plain", ParagraphStyle("i", fontName=FONT, leftIndent=6)), PlainText)


def test_the_worksheet_parses_only_what_needs_reportlab(catalog, monkeypatch):
    # The issue's worksheet had ~150 paragraphs, each parsed as markup. Plain text (a label, a
    # date, a step), bold names over a line and the quantities with their smaller unit are not
    # parsed now.
    parsed: list[str] = []
    original = ReportLabParagraph.__init__

    def counted(self, text, *args, **kwargs):
        parsed.append(text)
        original(self, text, *args, **kwargs)

    monkeypatch.setattr(ReportLabParagraph, "__init__", counted)
    WorksheetRenderer(record_of(catalog, issue_formula()), pharmacy()).render()
    assert parsed, "the worksheet still has paragraphs"
    # what is left: lines of more than one run (a label in bold before its text) and an entity
    assert all("&" in text or ("<b>" in text and "<br/>" not in text) for text in parsed), parsed
    assert len(parsed) <= 3, parsed
