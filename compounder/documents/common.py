"""What both documents share: the embedded font, "Page X of Y", the barcode, and the check that
every character can be printed.

The font is DejaVu Sans, shipped in ``compounder/documents/fonts`` (read through
``importlib.resources``) so "µ", "–" and "≤" print the same on any machine. ReportLab's invariant
mode makes the output depend on the inputs alone, so the same inputs give the same bytes.
"""

from __future__ import annotations

from importlib.resources import as_file, files

from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
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
