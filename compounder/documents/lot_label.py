"""The pharmacy's own lot label, printed when a lot is received: what the container holds, its
lot and expiry, and a Code 128 of ``CPL`` + the lot's record number + a check digit
(``compounder.calc.scan.pharmacy_lot_code``) that the weighing station scans to prove the
container. One label a page, 57 × 32 mm (2.25 × 1.25 in, a common thermal roll); the lots of one
delivery in one PDF, a page each (``lot_labels_pdf``).

ReportLab only.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from compounder.calc.scan import pharmacy_lot_code
from compounder.documents.common import (
    CREATOR,
    FONT,
    FONT_BOLD,
    barcode,
    barcode_modules,
    check_printable,
    register_fonts,
)

WIDTH, HEIGHT, MARGIN = 57 * mm, 32 * mm, 2 * mm
#: Narrowest bar: 0.25 mm, above the 0.19 mm that common handheld scanners read.
MIN_BAR = 0.25 * mm


@dataclass(frozen=True)
class LotLabel:
    lot_id: int
    stock_form: str
    lot_number: str
    manufacturer: str
    expires: dt.date
    schedule: str | None = None  # "C-III" for a controlled substance's lot (compounder.calc.controlled.schedule_mark)

    @property
    def code(self) -> str:
        return pharmacy_lot_code(self.lot_id)


def lot_label_pdf(label: LotLabel) -> bytes:
    return lot_labels_pdf([label])


def lot_labels_pdf(labels: Sequence[LotLabel]) -> bytes:
    """The labels of the lots received together (one delivery), one label a page in one PDF: one
    print job on the roll, one preview."""
    if not labels:
        raise ValueError("no lot label to print")
    register_fonts()
    for label in labels:
        for field, text in (("stock form", label.stock_form), ("lot number", label.lot_number), ("manufacturer", label.manufacturer)):
            check_printable(text, field)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(WIDTH, HEIGHT), invariant=1)
    canvas.setCreator(CREATOR)
    canvas.setTitle(f"Lot label {labels[0].lot_number}" if len(labels) == 1 else "Lot labels " + ", ".join(label.lot_number for label in labels))
    for label in labels:
        _draw(canvas, label)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw(canvas: Canvas, label: LotLabel) -> None:
    top = HEIGHT - MARGIN
    canvas.setFont(FONT_BOLD, 8)
    name = label.stock_form
    if label.schedule:  # the DEA schedule first, where it cannot be cut off
        mark = f"{label.schedule} "
        canvas.drawString(MARGIN, top - 7, mark)
        indent = canvas.stringWidth(mark, FONT_BOLD, 8)
        canvas.drawString(MARGIN + indent, top - 7, _fit(canvas, name, FONT_BOLD, 8, indent))
    else:
        canvas.drawString(MARGIN, top - 7, _fit(canvas, name, FONT_BOLD, 8))
    canvas.setFont(FONT, 6.5)
    canvas.drawString(MARGIN, top - 15, _fit(canvas, f"Lot {label.lot_number} · {label.manufacturer}", FONT, 6.5))
    canvas.drawString(MARGIN, top - 22, f"Expires {label.expires.isoformat()}")
    bar = (WIDTH - 2 * MARGIN) / barcode_modules(label.code)
    if bar < MIN_BAR:  # pragma: no cover - an 11-character code always fits
        raise ValueError(f"the lot code {label.code} does not fit the label")
    symbol = barcode(label.code, bar, 11 * mm)
    symbol.drawOn(canvas, MARGIN + (WIDTH - 2 * MARGIN - symbol.width) / 2, MARGIN + 7)
    canvas.setFont(FONT, 6)
    canvas.drawCentredString(WIDTH / 2, MARGIN, label.code)


def _fit(canvas: Canvas, text: str, font: str, size: float, indent: float = 0.0) -> str:
    """The text, cut with "…" to the label's width (the full name is on the lot's record)."""
    room = WIDTH - 2 * MARGIN - indent
    if canvas.stringWidth(text, font, size) <= room:
        return text
    while text and canvas.stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text + "…"
