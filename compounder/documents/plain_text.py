"""Paragraphs of plain text drawn without ReportLab's markup parser: the same page, a fraction of the time.

Most of a worksheet's cells are a few plain words ("Expiry", "2028-01-31", a step of the method).
A ReportLab ``Paragraph`` parses each as markup (an HTML parser per cell) and breaks it into lines
through its general machinery; that was most of a document's time. ``PlainText`` breaks the words
into lines as ``Paragraph.breakLines`` does for text of one font (the same widths, the same
shrinking of spaces to fit a word on, the same sums in the same order) and draws them with the
same PDF operators as ``Paragraph.drawPara``, so the PDF is the same byte for byte. Where
ReportLab would do more (split a word longer than the line, or split the text across pages), it
hands the text to a ``Paragraph`` and that does the work.

``paragraph(markup, style)`` is the one entry point: a ``PlainText`` where the markup is plain
text (or plain text all in bold) and the style is a plain one, else a ``Paragraph``.
"""

from __future__ import annotations

import re
from typing import Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.fonts import ps2tt, tt2ps
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from compounder.documents.common import Paragraph

#: Words without markup, entities, soft hyphens or whitespace other than one space between them:
#: text a Paragraph prints as it stands.
_WORDS = r"[^\s<>&\xad]+(?: [^\s<>&\xad]+)*"
_PLAIN = re.compile(_WORDS)
_BOLD = re.compile(f"<b>({_WORDS})</b>")
_FUZZ = 1e-6  # ReportLab's: a narrower width holds nothing

#: Lines as ``Paragraph.breakLines`` gives them for one font: (room left, which is negative where
#: the spaces were shrunk to fit, and the line's words).
Lines = list[tuple[float, list[str]]]


def plain_style(style: ParagraphStyle) -> bool:
    """Whether a paragraph in ``style`` is only its words, broken greedily and set top left (or
    right, or centred): no indents, background, border, bidi, case change, hyphenation or
    automatic leading."""
    return (
        style.alignment in (TA_LEFT, TA_RIGHT, TA_CENTER) and not (style.leftIndent or style.rightIndent or style.firstLineIndent)
        and style.backColor is None and not style.borderWidth and not style.wordWrap and not style.textTransform
        and not style.endDots and not style.shaping and getattr(style, "autoLeading", "") in ("", "off", None)
        and not style.hyphenationLang and not style.uriWasteReduce and not style.embeddedHyphenation
    )


class PlainText(Flowable):
    """Plain text in a plain style (``plain_style``), in ``font`` (the style's, or its bold)."""

    def __init__(self, text: str, style: ParagraphStyle, font: str | None = None) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self.font = font or style.fontName
        self._paragraph: Paragraph | None = None  # where ReportLab does the work
        self._lines: Lines = []
        self._broken_at: float | None = None  # the width ``_lines`` were broken for

    def _as_paragraph(self) -> Paragraph:
        if self._paragraph is None:
            markup = self.text if self.font == self.style.fontName else f"<b>{self.text}</b>"
            self._paragraph = Paragraph(markup, self.style)
        return self._paragraph

    def _break(self, width: float) -> Lines | None:
        """``Paragraph.breakLines`` for one font and no hyphenation; None where it would split a word."""
        style, font, size = self.style, self.font, self.style.fontSize
        if not self.text:
            return []
        words = self.text.split(" ")
        if len(words) == 1 or style.alignment == TA_LEFT:  # one line: the room left is not drawn unless negative
            whole = stringWidth(self.text, font, size)
            if whole <= width - _FUZZ and (len(words) == 1 or style.alignment == TA_LEFT):
                return [(width - whole, words)]
        space = stringWidth(" ", font, size)
        shrink = style.spaceShrinkage * space
        lines: Lines = []
        line: list[str] = []
        current = -space  # as ReportLab: no space before the first word
        for word in words:
            word_width = stringWidth(word, font, size)
            wider = current + space + word_width
            limit = width + shrink * len(line)
            if wider > limit and style.splitLongWords and word_width > width:
                return None  # ReportLab splits the word across lines
            if wider <= limit or not line:
                line.append(word)
                current = wider
            else:
                lines.append((width - current, line))
                line, current = [word], word_width
        lines.append((width - current, line))
        return lines

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - ReportLab's names
        if self._paragraph is None and availWidth >= _FUZZ:
            if self._broken_at != availWidth:
                lines = self._break(availWidth)
                if lines is None:
                    return self._as_paragraph().wrap(availWidth, availHeight)
                self._lines, self._broken_at = lines, availWidth
            self.width, self.height = availWidth, len(self._lines) * self.style.leading
            return self.width, self.height
        return self._as_paragraph().wrap(availWidth, availHeight)

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        return self._as_paragraph().split(availWidth, availHeight)

    def minWidth(self) -> float:  # noqa: N802 - ReportLab's name
        return self._as_paragraph().minWidth()

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803
        # ReportLab's stubs leave out the frame's ``_sW``
        target: Any = self._paragraph if self._paragraph is not None else super()
        target.drawOn(canvas, x, y, _sW)

    def draw(self) -> None:
        """What ``Paragraph.drawPara`` draws for lines of one font, operator for operator."""
        if not self._lines:
            return
        canvas, style = self.canv, self.style
        canvas.saveState()
        canvas.setFillColor(style.textColor)
        text: Any = canvas.beginText(0, self.height - style.fontSize)  # set as drawPara sets it, beyond the stubs
        text.preformatted = False
        text.direction = style.wordWrap
        text.setFont(self.font, style.fontSize, style.leading)
        for room, words in self._lines:
            spaces = len(words) - 1
            shrunk = room <= -1e-8 and spaces > 0  # the spaces narrowed to fit the last word on
            offset = 0.0 if shrunk or style.alignment == TA_LEFT else room if style.alignment == TA_RIGHT else 0.5 * room
            if shrunk:
                text.setWordSpace(room / float(spaces))
            if abs(offset) > 1e-6:
                text.setXPos(offset)
            text._textOut(" ".join(words), 1)
            if shrunk:
                text.setWordSpace(0)
            if abs(offset) > 1e-6:
                text.setXPos(-offset)
        canvas.drawText(text)
        canvas.restoreState()


def paragraph(markup: str, style: ParagraphStyle) -> Flowable:
    """A Paragraph of ``markup``, or a ``PlainText`` where the markup is plain text (or plain
    text all in bold) in a plain style: the same on the page, without the parse."""
    if plain_style(style):
        if not markup or _PLAIN.fullmatch(markup):
            return PlainText(markup, style)
        bold = _BOLD.fullmatch(markup)
        if bold:
            family, _, italic = ps2tt(style.fontName)
            return PlainText(bold.group(1), style, tt2ps(family, 1, italic))
    return Paragraph(markup, style)
