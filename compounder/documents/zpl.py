"""The patient label and the lot label as ZPL, for a Zebra printer the pharmacy prints on in its
own language: the label's text as the printer's scalable font (font 0) and its barcode as the
printer's Code 128, on the label stock's size in the printer's dots: 8, 12 or 24 dots per mm for
a 203, 300 or 600 dpi head (203 unless told). Every size and position is set for the 8 dots/mm
head and scaled to the head's own, so a label is the same on paper whatever the printhead.

Every line is placed by Compounder, one field a line, in a field block one line high: a line the
printer's font would draw wider than measured is cut at the label's edge by the printer, never
drawn over the next line or off the label. Lines are measured with DejaVu Sans Condensed (the PDF
label's font), whose letters are as wide as or wider than the printer's condensed font 0 at the
same height, so a line that fits here fits there. Text that does not fit
the stock even at the smallest size, and characters the printer's font cannot draw (outside
Windows-1252, which ``^CI28`` maps from UTF-8), are refused naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.pdfbase.pdfmetrics import stringWidth

from compounder.calc.label_stock import INCH, LabelStock
from compounder.calc.labeling import LabelContent
from compounder.calc.printer_choice import DEFAULT_DPI, ZPL_DOTS_PER_MM
from compounder.documents.common import FONT_CONDENSED, FONT_CONDENSED_BOLD, barcode_modules, register_fonts
from compounder.documents.label import LabelOverflow
from compounder.documents.lot_label import HEIGHT as LOT_HEIGHT
from compounder.documents.lot_label import WIDTH as LOT_WIDTH
from compounder.documents.lot_label import LotLabel
from compounder.settings import PharmacySettings

SIZES = (25, 23, 21, 19, 17)  # text height in 8 dots/mm dots, largest first: 25 dots = 8.9 pt, 17 dots = 6.0 pt (the PDF's smallest)
MODULE = 2  # 8 dots/mm dots per narrowest bar: 0.25 mm


class _Head:
    """A printhead's dots: ``per_inch`` for the stock's inches, ``scale`` from the 8 dots/mm sizes."""

    def __init__(self, dpi: int) -> None:
        if dpi not in ZPL_DOTS_PER_MM:
            raise ZplRefused("dpi", f"{dpi} is not a Zebra printhead's resolution; choose {', '.join(map(str, ZPL_DOTS_PER_MM))}")
        self.per_mm = ZPL_DOTS_PER_MM[dpi]
        self.per_inch = self.per_mm * 25.4
        self.scale = self.per_mm / 8

    def dots(self, at_8_per_mm: float) -> int:
        return round(at_8_per_mm * self.scale)

    def length(self, inches: float) -> int:
        """A length of the stock in whole dots, never past its edge."""
        return int(inches * self.per_inch + 1e-9)


class ZplRefused(ValueError):
    """A field the printer's font cannot draw; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _printable(text: str, field: str) -> str:
    for char in text:
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            raise ZplRefused(
                field, f"the character {char!r} (U+{ord(char):04X}) cannot be printed by the Zebra printer's font; write it in Latin letters",
            ) from None
    return text.replace("^", " ").replace("~", " ")  # ZPL's command prefixes, never data


def _wrap(text: str, size: int, room: float, bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``room`` dots at ``size`` dots (words split only when one is wider)."""
    font = FONT_CONDENSED_BOLD if bold else FONT_CONDENSED
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if stringWidth(candidate, font, size) <= room:
            line = candidate
            continue
        if line:
            lines.append(line)
        while stringWidth(word, font, size) > room:  # a word longer than the line: split it
            cut = len(word)
            while cut > 1 and stringWidth(word[:cut], font, size) > room:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _field(x: int, y: int, size: int, width: int, text: str, bold: bool = False) -> str:
    font = f"^A0N,{size},{size}"  # font 0 is bold already
    return f"^FO{x},{y}{font}^FB{width},1,0,L,0^FD{text}^FS"


def label_zpl(content: LabelContent, pharmacy: PharmacySettings, stock: LabelStock, dpi: int = DEFAULT_DPI) -> bytes:
    """The patient label on a roll ``stock`` in ZPL; ``LabelOverflow`` or ``ZplRefused`` before anything is made."""
    register_fonts()
    if stock.is_sheet:
        raise ZplRefused("label_stock", f"a {stock.title} is printed on a sheet printer as PDF, not on a Zebra; choose a roll stock")
    head = _Head(dpi)
    width, height, margin = head.length(stock.width / INCH), head.length(stock.height / INCH), round(stock.margin / INCH * head.per_inch)
    room = width - 2 * margin
    c = content
    fields = [
        ("pharmacy.name", pharmacy.name, True),
        ("pharmacy.address", f"{', '.join(pharmacy.address)} · {pharmacy.phone}", False),
        ("prescription.patient", f"{c.patient}   Rx {c.rx_number}   Filled {c.date_filled.isoformat()}", True),
        ("prescription.directions", c.directions, True),
        *((("label", c.per_click, False),) if c.per_click else ()),
        ("label", f"{c.drug}. {c.statement}.", False),
        *(("label", text, True) for text in c.controlled),
        ("label", f"Qty {c.quantity} · Refills {c.refills} · {c.prescriber} · Lot {c.lot}", False),
        ("label", f"Use by {c.beyond_use.isoformat()} · {c.storage}", True),
        ("label", " ".join(f"* {w.text}" for w in c.warnings), False),
    ]
    fields = [(field, _printable(text, field), bold) for field, text, bold in fields if text.strip()]
    module = head.dots(MODULE)
    bar_width = round(barcode_modules(c.rx_number) * module)
    bar_height = round(0.25 * head.per_inch)
    if bar_width > room // 2:
        raise LabelOverflow(f"the barcode of Rx number {c.rx_number!r} does not fit a {stock.title}; use a shorter Rx number")
    for size in (head.dots(size) for size in SIZES):
        placed: list[str] = []
        y = margin
        for index, (_field_name, text, bold) in enumerate(fields):
            beside_barcode = index < 2  # the pharmacy's name and address sit left of the barcode
            box = room - bar_width - head.dots(8) if beside_barcode else room
            for line in _wrap(text, size, box, bold=True):  # font 0 is a bold face: measured as bold
                placed.append(_field(margin, y, size, box, line, bold))
                y += round(size * 1.1)
            if index == 1:
                y = max(y, margin + bar_height) + head.dots(4)
        if y <= height - margin:
            break
    else:
        raise LabelOverflow(
            f"the text does not fit a {stock.title} on the Zebra printer even at {head.dots(SIZES[-1])} dots; choose a larger label stock, or shorten the directions"
        )
    code = f"^FO{width - margin - bar_width + 10 * module},{margin}^BY{module}^BCN,{bar_height},N,N,N^FD{_printable(c.rx_number, 'prescription.rx_number')}^FS"
    return _document(width, height, [*placed, code])


def lot_label_zpl(label: LotLabel, dpi: int = DEFAULT_DPI) -> bytes:
    """The pharmacy's lot label (57 × 32 mm) in ZPL: the lot's name, lot and expiry, and its scan code."""
    register_fonts()
    head = _Head(dpi)
    d = head.dots
    width, height, margin = head.length(LOT_WIDTH / INCH), head.length(LOT_HEIGHT / INCH), head.per_mm * 2
    room = width - 2 * margin
    name = f"{label.schedule} {label.stock_form}" if label.schedule else label.stock_form
    lines = [
        _field(margin, margin, d(22), room, _printable(name, "stock form"), True),
        _field(margin, margin + d(26), d(18), room, _printable(f"Lot {label.lot_number} · {label.manufacturer}", "lot number, manufacturer")),
        _field(margin, margin + d(48), d(18), room, f"Expires {label.expires.isoformat()}"),
    ]
    module = max(1, int(room // barcode_modules(label.code)))
    bar_x = margin + (room - round(barcode_modules(label.code) * module)) // 2 + 10 * module
    lines.append(f"^FO{bar_x},{margin + d(72)}^BY{module}^BCN,{height - margin - d(72) - d(22)},N,N,N^FD{label.code}^FS")
    lines.append(f"^FO{margin},{height - margin - d(18)}^A0N,{d(18)},{d(18)}^FB{room},1,0,C,0^FD{label.code}^FS")
    return _document(width, height, lines)


def lot_labels_zpl(labels: Sequence[LotLabel], dpi: int = DEFAULT_DPI) -> bytes:
    """The labels of the lots received together, one ``^XA`` … ``^XZ`` format after another: one job."""
    if not labels:
        raise ValueError("no lot label to print")
    return b"".join(lot_label_zpl(label, dpi) for label in labels)


def _document(width: int, height: int, fields: list[str]) -> bytes:
    """``^XA`` … ``^XZ``: UTF-8 text (``^CI28``), the label's width and length in dots, home at the corner."""
    return ("\n".join(["^XA", "^CI28", f"^PW{width}", f"^LL{height}", "^LH0,0", *fields, "^XZ"]) + "\n").encode("utf-8")
