"""Paragraphs of plain text drawn without ReportLab's markup parser: the same page, a fraction of the time.

Most of a worksheet's cells are a few plain words ("Expiry", "2028-01-31", a step of the method).
A ReportLab ``Paragraph`` parses each as markup (an HTML parser per cell) and breaks it into lines
through its general machinery; that was most of a document's time. ``PlainText`` breaks the words
into lines as ``Paragraph.breakLines`` does for text of one font (the same widths, the same
shrinking of spaces to fit a word on, the same sums in the same order) and draws them with the
same PDF operators as ``Paragraph.drawPara``, so the PDF is the same byte for byte. Where
ReportLab would do more (split a word longer than the line, or split the text across pages), it
hands the text to a ``Paragraph`` and that does the work.

A little markup is drawn the same way: lines separated by ``<br/>``, each plain or all bold,
and one line of a few runs in bold or another size ("<b>Total</b> (prepared)", a quantity with a
smaller unit), drawn where ReportLab draws them (these are not byte for byte: the text is cut
into the same runs at the same places, in separate text blocks).

``paragraph(markup, style)`` is the one entry point: a ``PlainText`` where the markup is that
simple and the style is a plain one, else a ``Paragraph``.
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

#: Words without markup, entities, soft hyphens or whitespace other than one space between them
#: (a no-break space is part of its word): text a Paragraph prints as it stands.
_CHAR = r"(?:[^\s<>&\xad]|\xa0|&(?:lt|gt|amp);)"  # and what ``common.escape`` writes for < > &
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}
_ENTITY = re.compile("|".join(_ENTITIES))
_WORDS = f"{_CHAR}+(?: {_CHAR}+)*"
_PLAIN = re.compile(_WORDS)
_BOLD = re.compile(f"<b>({_WORDS})</b>")
#: One run of a line: plain text, bold, or another size (which may hold bold runs).
_RUN = re.compile(r"<b>([^<>&]+)</b>|<font size=[\"']?([0-9.]+)[\"']?>((?:[^<>&]|<b>[^<>&]+</b>)+)</font>|([^<>&]+)")
_SIZED_RUN = re.compile(r"<b>([^<>&]+)</b>|([^<>&]+)")
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


class _Words:
    """Text in one font, broken into lines as ``Paragraph.breakLines`` breaks it (kind 0)."""

    def __init__(self, text: str, font: str, style: ParagraphStyle) -> None:
        self.text, self.font, self.style = text, font, style
        self.lines: Lines = []
        self._broken_at: float | None = None  # the width ``lines`` were broken for

    def lay(self, width: float) -> float | None:
        """The height at ``width``, or None where ReportLab would split a word."""
        if self._broken_at != width:
            lines = self._break(width)
            if lines is None:
                return None
            self.lines, self._broken_at = lines, width
        return len(self.lines) * self.style.leading

    def _break(self, width: float) -> Lines | None:
        style, font, size = self.style, self.font, self.style.fontSize
        if not self.text:
            return []
        words = self.text.split(" ")
        if len(words) == 1 or style.alignment == TA_LEFT:  # one line: the room left is not drawn unless negative
            whole = stringWidth(self.text, font, size)
            if whole <= width - _FUZZ:
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

    def paint(self, canvas: Canvas, top: float) -> None:
        """What ``Paragraph.drawPara`` draws for lines of one font, operator for operator."""
        if not self.lines:
            return
        style = self.style
        canvas.saveState()
        canvas.setFillColor(style.textColor)
        text: Any = canvas.beginText(0, top - style.fontSize)  # set as drawPara sets it, beyond the stubs
        text.preformatted = False
        text.direction = style.wordWrap
        text.setFont(self.font, style.fontSize, style.leading)
        for room, words in self.lines:
            spaces = len(words) - 1 + sum(word.count("\xa0") for word in words)  # as ReportLab counts them
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


class _Runs:
    """One line of runs of text, each in its font and size, where it fits on one line; a space
    between runs is set in the run it is written in, as ReportLab sets it."""

    def __init__(self, runs: list[tuple[str, str, float]], style: ParagraphStyle) -> None:
        self.runs, self.style = runs, style
        self.width = sum(stringWidth(text, font, size) for text, font, size in runs)
        self.size = max(size for _, _, size in runs)  # the line's baseline is this far below its top
        self.room = 0.0

    def lay(self, width: float) -> float | None:
        if self.width > width - _FUZZ:
            return None
        self.room = width - self.width
        return self.style.leading

    def paint(self, canvas: Canvas, top: float) -> None:
        style = self.style
        offset = self.room if style.alignment == TA_RIGHT else 0.5 * self.room if style.alignment == TA_CENTER else 0.0
        canvas.saveState()
        canvas.setFillColor(style.textColor)
        text = canvas.beginText(offset, top - self.size)
        for run, font, size in self.runs:
            text.setFont(font, size, style.leading)
            text.textOut(run)
        canvas.drawText(text)
        canvas.restoreState()


class PlainText(Flowable):
    """Lines of plain text, or of a few runs of bold or sized text, in a plain style
    (``plain_style``); ``markup`` is what a ``Paragraph`` would be given."""

    def __init__(self, markup: str, style: ParagraphStyle, pieces: list[_Words | _Runs]) -> None:
        super().__init__()
        self.markup = markup
        self.style = style
        self.pieces = pieces
        self._paragraph: Paragraph | None = None  # where ReportLab does the work
        self._heights: list[float] = []  # each piece's, at the last wrap

    def _as_paragraph(self) -> Paragraph:
        if self._paragraph is None:
            self._paragraph = Paragraph(self.markup, self.style)
        return self._paragraph

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - ReportLab's names
        if self._paragraph is None and availWidth >= _FUZZ:
            heights = [piece.lay(availWidth) for piece in self.pieces]
            if None not in heights:
                self._heights = [h for h in heights if h is not None]
                self.width, self.height = availWidth, sum(self._heights)
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
        top = self.height
        for piece, height in zip(self.pieces, self._heights, strict=True):
            piece.paint(self.canv, top)
            top -= height


def _bold(font: str) -> str:
    family, _, italic = ps2tt(font)
    return tt2ps(family, 1, italic)


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda entity: _ENTITIES[entity.group()], text) if "&" in text else text


def _piece(line: str, style: ParagraphStyle) -> _Words | _Runs | None:
    """One line of markup between ``<br/>``s as words or runs, or None where it needs ReportLab."""
    if _PLAIN.fullmatch(line):
        return _Words(_unescape(line), style.fontName, style)
    bold = _BOLD.fullmatch(line)
    if bold:
        return _Words(_unescape(bold.group(1)), _bold(style.fontName), style)
    runs: list[tuple[str, str, float]] = []
    position = 0
    while position < len(line):
        match = _RUN.match(line, position)
        if match is None:
            return None
        position = match.end()
        bolded, size, sized, plain = match.groups()
        if bolded is not None:
            runs.append((bolded, _bold(style.fontName), style.fontSize))
        elif sized is not None:
            for inner in _SIZED_RUN.finditer(sized):
                runs.append((inner.group(1), _bold(style.fontName), float(size)) if inner.group(1) else (inner.group(2), style.fontName, float(size)))
        else:
            runs.append((plain, style.fontName, style.fontSize))
    if not _PLAIN.fullmatch("".join(text for text, _, _ in runs)):
        return None  # spaces a Paragraph would collapse or strip
    return _Runs(runs, style)


def paragraph(markup: str, style: ParagraphStyle) -> Flowable:
    """A Paragraph of ``markup``, or a ``PlainText`` where the markup is plain text, lines of
    plain or bold text, or one line of bold and sized runs, in a plain style: the same on the
    page, without the parse."""
    if not plain_style(style):
        return Paragraph(markup, style)
    if not markup:
        return PlainText(markup, style, [_Words("", style.fontName, style)])
    lines = markup.replace("&nbsp;", "\xa0").split("<br/>")
    pieces = [_piece(line, style) for line in lines]
    if None in pieces:
        return Paragraph(markup, style)
    return PlainText(markup, style, [piece for piece in pieces if piece is not None])
