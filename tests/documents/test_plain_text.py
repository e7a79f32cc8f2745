"""Plain text drawn without ReportLab's markup parser (issue #27) prints exactly what a ReportLab
Paragraph prints: the same size, and the same PDF byte for byte, for text on one line or many,
left, right or centred, regular or bold, and where a word is longer than the line.

No timing: the worksheet test counts the paragraphs parsed.
"""

from __future__ import annotations

import io
import random

import pytest
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
         "—", "µg/mL", "DS2401", "triturate", "by", "geometric", "dilution", "≤", "0.82", "supercalifragilisticexpialidocious")


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
            assert fast.font == (FONT_BOLD if bold else FONT)
            assert _drawn(fast, width) == _drawn(ReportLabParagraph(markup, style), width), (text, width)
            if fast._paragraph is None:
                lines_seen.add(len(fast._lines))
                shrunk_seen += any(room < 0 for room, _ in fast._lines)
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


@pytest.mark.parametrize("markup", ["a &amp; b", "x<br/>y", "<b>bold</b> and not", "two  spaces", " leading", "nbsp\u00a0here", "soft\u00adhyphen"])
def test_markup_and_unusual_spacing_go_to_reportlab(markup):
    assert not isinstance(paragraph(markup, _style(TA_LEFT, 9)), PlainText)


def test_an_indented_style_goes_to_reportlab():
    assert not isinstance(paragraph("plain", ParagraphStyle("i", fontName=FONT, leftIndent=6)), PlainText)


def test_the_worksheet_parses_no_plain_text(catalog, monkeypatch):
    # The issue's worksheet had ~150 paragraphs, each parsed as markup; those that are plain text
    # (a label, a date, a step) are not parsed now. What is left has markup: bold names over a
    # line, the quantities' smaller unit.
    parsed: list[str] = []
    original = ReportLabParagraph.__init__

    def counted(self, text, *args, **kwargs):
        parsed.append(text)
        original(self, text, *args, **kwargs)

    monkeypatch.setattr(ReportLabParagraph, "__init__", counted)
    WorksheetRenderer(record_of(catalog, issue_formula()), pharmacy()).render()
    plain = [text for text in parsed if "<" not in text and "&" not in text]
    assert parsed, "the worksheet still has paragraphs with markup"
    assert not plain, f"{len(plain)} paragraphs of plain text were parsed: {plain[:5]}"
