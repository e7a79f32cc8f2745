"""Where a PDF's ink lies, read back with PDFium: each character's box, each text run, each rule
and bar drawn. A document prints each text inside its box when no character lies outside the
page, no two text runs lie on one another, and no rule, cell border or barcode bar runs through
a character. Shared by the document tests (issue 26: text over text and off the page)."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2
import pypdfium2.raw as pdfium_c

#: A drawn path thinner than this (pt) is a rule, a cell border or a barcode bar: no text may
#: lie on it. A wider one is a filled background (a table's header): text lies inside it, and
#: its edges are rules.
RULE = 3.0
#: Glyph boxes are PDFium's tight outlines; boxes that touch within this (pt) do not collide
#: (a kerned pair, an italic overhang, an underline's stroke at the baseline).
SLACK = 0.6

Box = tuple[float, float, float, float]  # left, bottom, right, top in points
BAND = 10.0


@dataclass(frozen=True)
class Ink:
    page: int
    text: str
    box: Box

    def where(self) -> str:
        left, bottom, right, top = self.box
        return f"page {self.page + 1}: {self.text!r} at {left:.0f},{bottom:.0f}–{right:.0f},{top:.0f}"


def _shrunk(box: Box, by: float) -> Box:
    left, bottom, right, top = box
    return left + by, bottom + by, right - by, top - by


def _meet(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _pages(pdf: bytes) -> Iterator[tuple[int, pypdfium2.PdfPage]]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            yield index, document[index]
    finally:
        document.close()


def characters_outside(pdf: bytes) -> list[str]:
    """Every character with ink that lies (partly) off its page."""
    outside = []
    for index, page in _pages(pdf):
        width, height = page.get_size()
        text = page.get_textpage()
        for char in range(text.count_chars()):
            left, bottom, right, top = text.get_charbox(char)
            if right <= left:  # a space or a line break: no ink
                continue
            if left < -0.5 or bottom < -0.5 or right > width + 0.5 or top > height + 0.5:
                outside.append(Ink(index, text.get_text_range(char, 1), (left, bottom, right, top)).where())
    return outside


def _rules(page: pypdfium2.PdfPage) -> list[Box]:
    """The page's rules: thin paths (borders, underlines, barcode bars), and the four edges of
    each wider filled shape."""
    rules: list[Box] = []
    for item in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=8):
        left, bottom, right, top = item.get_bounds()
        if min(right - left, top - bottom) <= RULE:
            rules.append((left, bottom, right, top))
        else:
            rules += [(left, bottom, right, bottom), (left, top, right, top), (left, bottom, left, top), (right, bottom, right, top)]
    return rules


def _glyphs(page_index: int, page: pypdfium2.PdfPage) -> list[tuple[int, Ink]]:
    """Each character with ink, with the text object (the run) that draws it."""
    text = page.get_textpage()
    found = []
    for char in range(text.count_chars()):
        box = text.get_charbox(char)
        letter = text.get_text_range(char, 1)
        if box[2] > box[0] and box[3] > box[1] and not letter.isspace():
            if abs(pdfium_c.FPDFText_GetCharAngle(text.raw, char)) > 0.01:
                continue  # turned: the calculation sheet's light "NOT A COMPOUNDING RECORD" band, meant to lie behind the text
            run = ctypes.cast(pdfium_c.FPDFText_GetTextObject(text.raw, char), ctypes.c_void_p).value or 0
            found.append((run, Ink(page_index, letter, box)))
    return found


def collisions(pdf: bytes) -> list[str]:
    """Text printed over other text, or a rule, cell border or barcode bar through a character:
    each as "page N: 'text' at x,y–x,y over …"."""
    found = []
    for index, page in _pages(pdf):
        glyphs = _glyphs(index, page)
        ordered = sorted(glyphs, key=lambda glyph: glyph[1].box[0])
        for position, (run, glyph) in enumerate(ordered):  # a sweep along x: only glyphs that start before this one ends
            inner = _shrunk(glyph.box, SLACK)
            for other_run, other in ordered[position + 1:]:
                if other.box[0] >= glyph.box[2]:
                    break
                if other_run != run and _meet(inner, _shrunk(other.box, SLACK)):
                    found.append(f"{glyph.where()} over {other.where()}")
        rules = _rules(page)
        bands: dict[int, list[Box]] = {}  # the rules by the 10 pt bands of height they reach
        for left, bottom, right, top in rules:
            # a rule is a line: widen a zero-width edge to a hair so the test is one of boxes
            hair = (left - 0.01, bottom - 0.01, right + 0.01, top + 0.01)
            for band in range(int(hair[1] // BAND), int(hair[3] // BAND) + 1):
                bands.setdefault(band, []).append(hair)
        for _run, glyph in glyphs:
            inner = _shrunk(glyph.box, SLACK)
            near = {rule for band in range(int(inner[1] // BAND), int(inner[3] // BAND) + 1) for rule in bands.get(band, ())}
            crossing = next((rule for rule in near if _meet(inner, rule)), None)
            if crossing is not None:
                left, bottom, right, top = crossing
                found.append(f"{glyph.where()} crossed by a rule or bar at {left:.0f},{bottom:.0f}–{right:.0f},{top:.0f}")
    return found
