"""What both documents share: the embedded font, "Page X of Y", the barcode, and the check that
every character can be printed.

The font is DejaVu Sans, shipped in ``compounder/documents/fonts`` (read through
``importlib.resources``) so "µ", "–" and "≤" print the same on any machine. ReportLab's invariant
mode makes the output depend on the inputs alone, so the same inputs give the same bytes.
"""

from __future__ import annotations

import re
from importlib.resources import as_file, files

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.fonts import ps2tt, tt2ps
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable
from reportlab.platypus import Paragraph as _ReportLabParagraph

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_CONDENSED = "DejaVuSansCondensed"
FONT_CONDENSED_BOLD = "DejaVuSansCondensed-Bold"
_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_CONDENSED: "DejaVuSansCondensed.ttf",
    FONT_CONDENSED_BOLD: "DejaVuSansCondensed-Bold.ttf",
}
CREATOR = "Compounder"


class Paragraph(_ReportLabParagraph):
    """ReportLab's Paragraph, its lines broken once per width.

    A table wraps every cell once to size its rows and again to draw them, at the same width;
    breaking lines is most of a document's time (each of a worksheet's ~170 paragraphs was
    broken twice). The second wrap at the same width returns the first's size: the lines
    (``blPara``) it left are the ones the same break would give again. A split that found no
    room deletes them (ReportLab's ``split``); the next wrap then breaks the lines again.
    """

    _wrapped: tuple[float, float, float] | None = None  # (available width, width, height) of the last wrap

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - ReportLab's names
        wrapped = self._wrapped
        if wrapped is not None and wrapped[0] == availWidth and "blPara" in self.__dict__:
            return wrapped[1], wrapped[2]
        width, height = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, width, height)
        return width, height


#: Text a Paragraph would print as it stands: words without markup, entities, soft hyphens or
#: whitespace other than one space between them.
_PLAIN = re.compile(r"[^\s<>&\xad]+(?: [^\s<>&\xad]+)*")
_BOLD = re.compile(r"<b>([^\s<>&\xad]+(?: [^\s<>&\xad]+)*)</b>")
_FUZZ = 1e-6  # ReportLab's: a narrower width holds nothing


def _plain_style(style: ParagraphStyle) -> bool:
    """Whether a one-line paragraph in ``style`` is only its text at the top left, right or centre
    (no indents, background, border, bidi, case change or automatic leading)."""
    return (
        style.alignment in (TA_LEFT, TA_RIGHT, TA_CENTER) and not (style.leftIndent or style.rightIndent or style.firstLineIndent)
        and style.backColor is None and not style.borderWidth and not style.wordWrap and not style.textTransform
        and not style.endDots and not style.shaping and getattr(style, "autoLeading", "") in ("", "off", None)
    )


class OneLine(Flowable):
    """A paragraph of plain text that fits on one line, drawn as ReportLab's Paragraph draws it
    (the same PDF operators, so the same page) without parsing markup or breaking lines.

    Most of a worksheet's cells are a word or a few ("Expiry", "2028-01-31", "Rx number"); a
    Paragraph parses each as markup and breaks it into lines, most of a document's time. Where the
    text is wider than the width it is given, or split across pages, it becomes a ``Paragraph``
    and that does the work: the page is the same either way.
    """

    def __init__(self, text: str, style: ParagraphStyle, font: str | None = None) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self.font = font or style.fontName
        self._paragraph: _ReportLabParagraph | None = None
        self._text_width = 0.0

    def _as_paragraph(self) -> _ReportLabParagraph:
        if self._paragraph is None:
            markup = self.text if self.font == self.style.fontName else f"<b>{self.text}</b>"
            self._paragraph = Paragraph(markup, self.style)
        return self._paragraph

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - ReportLab's names
        if self._paragraph is None and availWidth >= _FUZZ:
            self._text_width = pdfmetrics.stringWidth(self.text, self.font, self.style.fontSize)
            if self._text_width <= availWidth - _FUZZ:  # a Paragraph keeps it on one line too
                self.width, self.height = availWidth, (self.style.leading if self.text else 0.0)
                return self.width, self.height
        return self._as_paragraph().wrap(availWidth, availHeight)

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        return self._as_paragraph().split(availWidth, availHeight)

    def minWidth(self) -> float:  # noqa: N802 - ReportLab's name
        return self._as_paragraph().minWidth()

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803
        if self._paragraph is not None:
            self._paragraph.drawOn(canvas, x, y, _sW)
        else:
            super().drawOn(canvas, x, y, _sW)

    def draw(self) -> None:
        """What ``Paragraph.drawPara`` does for one line of one font."""
        if not self.text:
            return
        canvas, style = self.canv, self.style
        canvas.saveState()
        canvas.setFillColor(style.textColor)
        text = canvas.beginText(0, self.height - style.fontSize)
        text.preformatted = False
        text.direction = style.wordWrap
        text.setFont(self.font, style.fontSize, style.leading)
        room = self.width - self._text_width
        offset = room if style.alignment == TA_RIGHT else room * 0.5 if style.alignment == TA_CENTER else 0.0
        if abs(offset) > 1e-6:
            text.setXPos(offset)
        text._textOut(self.text, 1)
        if abs(offset) > 1e-6:
            text.setXPos(-offset)
        canvas.drawText(text)
        canvas.restoreState()


def paragraph(markup: str, style: ParagraphStyle) -> Flowable:
    """A Paragraph of ``markup``, or a ``OneLine`` where the markup is plain text (or plain text
    all in bold) in a plain style: the same on the page, without the parse."""
    if _plain_style(style):
        if not markup or _PLAIN.fullmatch(markup):
            return OneLine(markup, style)
        bold = _BOLD.fullmatch(markup)
        if bold:
            family, _, italic = ps2tt(style.fontName)
            return OneLine(bold.group(1), style, tt2ps(family, 1, italic))
    return Paragraph(markup, style)


class UnprintableText(ValueError):
    """Text holds a character the document font has no glyph for (it would print as a box)."""

    def __init__(self, field: str, char: str) -> None:
        super().__init__(f"{field}: the character {char!r} (U+{ord(char):04X}) cannot be printed with the document font")
        self.field = field
        self.message = f"the character {char!r} (U+{ord(char):04X}) cannot be printed with the document font; write it in Latin letters"


def register_fonts() -> None:
    """Register the shipped fonts with ReportLab once (ReportLab keeps a process-wide registry)."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in _FILES.items():
        if name in registered:
            continue
        with as_file(files("compounder.documents").joinpath("fonts", filename)) as path:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    for family, regular, bold in ((FONT, FONT, FONT_BOLD), (FONT_CONDENSED, FONT_CONDENSED, FONT_CONDENSED_BOLD)):
        pdfmetrics.registerFontFamily(family, normal=regular, bold=bold, italic=regular, boldItalic=bold)


def check_printable(text: str, field: str, font: str = FONT) -> str:
    """``text`` unchanged, or ``UnprintableText`` naming the first character the font lacks."""
    registered = pdfmetrics.getFont(font)
    if not isinstance(registered, TTFont):  # register_fonts registers TrueType fonts only
        raise ValueError(f"{font} is not a TrueType font: its glyphs cannot be checked")
    glyphs = registered.face.charToGlyph
    for char in text:
        if char not in "\n\t" and ord(char) not in glyphs:
            raise UnprintableText(field, char)
    return text


def escape(text: str) -> str:
    """Text for a ReportLab Paragraph (which reads a little markup)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def barcode(value: str, bar_width: float, bar_height: float) -> Code128:
    """A Code 128 barcode with the standard quiet zone of ten modules each side."""
    return Code128(value, barWidth=bar_width, barHeight=bar_height, humanReadable=False, lquiet=10 * bar_width, rquiet=10 * bar_width)


def barcode_modules(value: str) -> float:
    """Width of ``value``'s Code 128 symbol, quiet zones included, in modules (bar width 1)."""
    return barcode(value, 1.0, 10.0).width


def numbered_canvas(draw_footer):
    """A canvas class that knows the page count when the pages are finished ("Page X of Y").

    ``draw_footer(canvas, page, pages)`` is called for each page once all are laid out.
    """

    class _NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("invariant", 1)
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict] = []

        def showPage(self):  # noqa: N802 - ReportLab's name
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            pages = len(self._saved_pages)
            for number, state in enumerate(self._saved_pages, start=1):
                self.__dict__.update(state)
                draw_footer(self, number, pages)
                Canvas.showPage(self)
            Canvas.save(self)

    return _NumberedCanvas


def licence_line(licence: str) -> str:
    """The pharmacy's licence as a document prints it: "Licence IL 054-123456", or the text as typed
    when it names itself already ("IL pharmacy licence 054-123456", as the settings' example reads),
    not "Licence IL pharmacy licence …"."""
    return licence if "licen" in licence.casefold() else f"Licence {licence}"
