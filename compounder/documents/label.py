"""The patient label: what goes on the dispenser or jar the patient takes home.

``LabelRenderer(content, pharmacy, stock).render()`` returns PDF bytes: one label, on a page of
the label's size for a thermal roll, or at ``position`` on a sheet of labels. Text never clips:
it wraps, and the type shrinks step by step down to ``min_size``; when even that does not fit,
``LabelOverflow`` is raised before anything is printed.
"""

from __future__ import annotations

import html
import io
import math
import re
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from compounder.calc.label_stock import INCH, LabelStock
from compounder.calc.labeling import LabelContent
from compounder.documents.common import (
    CREATOR,
    FONT_CONDENSED,
    FONT_CONDENSED_BOLD,
    barcode,
    barcode_modules,
    check_printable,
    escape,
    register_fonts,
)
from compounder.documents.plain_text import paragraph
from compounder.settings import PharmacySettings

_TAG = re.compile(r"<[^>]*>")


class LabelOverflow(ValueError):
    """The label's text does not fit the stock even at the smallest readable size."""

    def __init__(self, message: str) -> None:
        super().__init__(f"label: {message}")
        self.field = "label"
        self.message = message


@dataclass(frozen=True)
class _Block:
    paragraph: Flowable
    height: float


class LabelRenderer:
    """Lays out a ``LabelContent`` on one label of ``stock``."""

    max_size = 9.0  # body type size to start from
    min_size = 6.0  # smallest size printed; below it the label is refused
    step = 0.5
    gap = 1.0  # between blocks
    # Thermal printers print in dots; 2 dots of a 203 dpi head make each bar an exact width.
    thermal_bar_width = 2 * INCH / 203
    sheet_bar_width = 0.75
    bar_height = 0.25 * INCH
    barcode_share = 0.5  # at most this share of the label's width

    def __init__(self, content: LabelContent, pharmacy: PharmacySettings, stock: LabelStock, position: int = 1) -> None:
        register_fonts()
        self.content = content
        self.pharmacy = pharmacy
        self.stock = stock
        self.position = position
        self._word_widths: dict[str, float] = {}  # a paragraph's markup → its words' width at 1 pt (``shortest``)
        stock.origin(position)  # refuses a position not on the sheet
        self._check_text()

    # ------------------------------------------------------------------ layout

    @property
    def inner_width(self) -> float:
        return self.stock.width - 2 * self.stock.margin

    @property
    def inner_height(self) -> float:
        return self.stock.height - 2 * self.stock.margin

    def bar_width(self) -> float:
        return self.sheet_bar_width if self.stock.is_sheet else self.thermal_bar_width

    def barcode_size(self) -> tuple[float, float]:
        width = barcode_modules(self.content.rx_number) * self.bar_width()
        if width > self.inner_width * self.barcode_share:
            raise LabelOverflow(
                f"the barcode of Rx number {self.content.rx_number!r} is {width / INCH:.2f} in wide and does not fit "
                f"a {self.stock.title}; use a shorter Rx number or a wider label stock"
            )
        return width, self.bar_height

    def styles(self, size: float) -> dict[str, ParagraphStyle]:
        small = max(size - 1, self.min_size)

        def style(name: str, points: float, bold: bool = False) -> ParagraphStyle:
            return ParagraphStyle(
                name, fontName=FONT_CONDENSED_BOLD if bold else FONT_CONDENSED, fontSize=points, leading=points * 1.15,
                splitLongWords=1,
            )

        return {
            "pharmacy": style("pharmacy", size, bold=True),
            "small": style("small", small),
            "patient": style("patient", size + 2, bold=False),
            "directions": style("directions", size + 1, bold=True),
            "body": style("body", size),
            "bold": style("bold", size, bold=True),
            "warning": style("warning", size),
        }

    def header_texts(self) -> list[tuple[str, str]]:
        """The header's paragraphs as (markup, style name)."""
        p = self.pharmacy
        return [(escape(p.name), "pharmacy"), (f"{escape(', '.join(p.address))} · {escape(p.phone)}", "small")]

    def body_texts(self, body_size: float) -> list[tuple[str, str]]:
        """The body's paragraphs as (markup, style name), the Rx number and date at ``body_size``."""
        c = self.content
        texts = [
            (f"<b>{escape(c.patient)}</b><font size='{body_size}'>"
             f"&nbsp;&nbsp; Rx&nbsp;<b>{escape(c.rx_number)}</b>&nbsp;&nbsp; Filled&nbsp;{c.date_filled.isoformat()}</font>", "patient"),
            (escape(c.directions), "directions"),
        ]
        if c.per_click:
            texts.append((escape(c.per_click), "body"))
        texts += [
            (f"<b>{escape(c.drug)}</b>. {escape(c.statement)}.", "body"),
            *((f"<b>{escape(text)}</b>", "body") for text in c.controlled),
            (f"Qty {escape(c.quantity)} · Refills {c.refills} · {escape(c.prescriber)} · Lot {escape(c.lot)}", "body"),
            (f"<b>Use by {c.beyond_use.isoformat()}</b> · {escape(c.storage)}", "body"),
            (" ".join(f"■&nbsp;{escape(w.text)}" for w in c.warnings), "warning"),
        ]
        return texts

    def header_paragraphs(self, styles) -> list[Flowable]:
        return [paragraph(text, styles[name]) for text, name in self.header_texts()]

    def body_paragraphs(self, styles) -> list[Flowable]:
        return [paragraph(text, styles[name]) for text, name in self.body_texts(styles["body"].fontSize)]

    def layout(self, size: float) -> tuple[list[_Block], list[_Block], float] | None:
        """Blocks of the header and the body at ``size``, or None when they do not fit."""
        styles = self.styles(size)
        code_width, code_height = self.barcode_size()
        header_width = self.inner_width - code_width - 4
        header = [_Block(p, p.wrap(header_width, self.inner_height)[1]) for p in self.header_paragraphs(styles)]
        header_height = max(sum(b.height for b in header), code_height)
        body = [_Block(p, p.wrap(self.inner_width, self.inner_height)[1]) for p in self.body_paragraphs(styles)]
        used = header_height + 3 + sum(b.height for b in body) + self.gap * (len(body) - 1) + 2  # + rule before the warnings
        if used > self.inner_height:
            return None
        return header, body, header_height

    def shortest(self, size: float) -> float:
        """A height the text cannot be shorter than at ``size``, worked out without laying it out.

        Every line holds at most its width of text, so a paragraph takes at least (its words'
        widths added up ÷ the width) lines, and at least one; each line is the style's leading.
        The words are measured in the regular face (bold is wider) at the smallest size any part
        of the paragraph is set in, with the spaces left out, so the figure is never above the
        height ``layout`` finds.
        """
        styles = self.styles(size)
        code_width, code_height = self.barcode_size()

        def height(texts: list[tuple[str, str]], width: float) -> list[float]:
            heights = []
            for text, name in texts:
                style = styles[name]
                points = min(style.fontSize, styles["body"].fontSize)
                words = self._word_widths.get(text)
                if words is None:
                    plain = html.unescape(_TAG.sub("", text)).replace(" ", "").replace("\u00a0", "")
                    words = self._word_widths[text] = stringWidth(plain, FONT_CONDENSED, 1)
                heights.append(max(1, math.ceil(words * points / width - 1e-6)) * style.leading)
            return heights

        header_height = max(sum(height(self.header_texts(), self.inner_width - code_width - 4)), code_height)
        body = height(self.body_texts(self.max_size), self.inner_width)  # the markup's sizes are not measured
        return header_height + 3 + sum(body) + self.gap * (len(body) - 1) + 2

    def sizes(self) -> list[float]:
        count = int(round((self.max_size - self.min_size) / self.step))
        return [self.max_size - i * self.step for i in range(count + 1)]

    def fit(self) -> tuple[float, list[_Block], list[_Block], float]:
        """The largest size from ``max_size`` down to ``min_size`` at which everything fits.

        Sizes at which the text cannot fit however it breaks (``shortest``) are not laid out;
        the largest size left is laid out first, as it is usually the one that fits; if it does
        not, the smaller sizes are searched by bisection, as text only grows taller as the size
        grows. Each layout costs a parse and a line break of every paragraph.
        """
        # Largest first. The shortest height only grows with the size, so the sizes it rules out
        # are the largest ones: the first size left is found by bisection.
        sizes = self.sizes()
        low, high = 0, len(sizes)
        while low < high:
            middle = (low + high) // 2
            if self.shortest(sizes[middle]) > self.inner_height:
                low = middle + 1
            else:
                high = middle
        sizes = sizes[low:]
        best = None
        found = self.layout(sizes[0]) if sizes else None
        if found is not None:
            best = (sizes[0], *found)
        low, high = (1, len(sizes) - 1) if best is None else (1, 0)
        while low <= high:
            middle = (low + high) // 2
            found = self.layout(sizes[middle])
            if found is not None:
                best = (sizes[middle], *found)
                high = middle - 1
            else:
                low = middle + 1
        if best is None:
            raise LabelOverflow(
                f"the text does not fit a {self.stock.title} even at {self.min_size:g} pt "
                f"({len(self.content.actives)} actives, {len(self.content.warnings)} warnings); "
                "choose a larger label stock in the pharmacy settings, or shorten the directions"
            )
        return best

    # ------------------------------------------------------------------ drawing

    def render(self) -> bytes:
        size, header, body, header_height = self.fit()
        stock = self.stock
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=stock.page_size, invariant=1, pageCompression=1)
        canvas.setTitle(f"Label {self.content.rx_number}")
        canvas.setAuthor(self.pharmacy.name)
        canvas.setCreator(CREATOR)
        canvas.setProducer(CREATOR)
        x0, y0 = stock.origin(self.position)
        left = x0 + stock.margin
        top = y0 + stock.height - stock.margin

        y = top
        for block in header:
            y -= block.height
            block.paragraph.drawOn(canvas, left, y)
        code_width, code_height = self.barcode_size()
        symbol = barcode(self.content.rx_number, self.bar_width(), code_height)
        code_x = left + self.inner_width - code_width
        symbol.drawOn(canvas, code_x, top - code_height)  # the Rx number is printed beside the patient's name

        y = top - header_height - 1.5
        canvas.setStrokeColor(colors.black)
        canvas.setLineWidth(0.6)
        canvas.line(left, y, left + self.inner_width, y)
        y -= 1.5
        for index, block in enumerate(body):
            if index == len(body) - 1:  # the warnings, set off by a rule
                y -= 1
                canvas.setLineWidth(0.4)
                canvas.line(left, y, left + self.inner_width, y)
                y -= 1
            y -= block.height
            block.paragraph.drawOn(canvas, left, y)
            y -= self.gap
        canvas.showPage()
        canvas.save()
        self.size_used = size
        return buffer.getvalue()

    def _check_text(self) -> None:
        c, p = self.content, self.pharmacy
        texts = {
            "pharmacy.name": p.name, "pharmacy.address": " ".join(p.address), "pharmacy.phone": p.phone,
            "prescription.patient": c.patient, "prescription.prescriber": c.prescriber,
            "prescription.directions": c.directions, "label": " ".join((c.drug, c.per_click or "", c.storage, *c.controlled, *(w.text for w in c.warnings))),
        }
        for field, text in texts.items():
            check_printable(text, field, FONT_CONDENSED)
            check_printable(text, field, FONT_CONDENSED_BOLD)
