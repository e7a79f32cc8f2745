"""The controlled-substance records on paper: each lot's perpetual inventory (its ledger, from
receipt to the last use, loss or destruction, with the balance after each line) and the biennial
inventory (21 CFR 1304.11), both on the pharmacy's paper, "Page X of Y", every text checked
printable with the document font.

The inventory lists Schedule II apart from Schedules III–V (21 CFR 1304.04(h)); each line is one
container (lot) with its quantity by the records, a blank "counted" cell for the count taken and
the pharmacist's signature at the foot: the inventory is of what is on the shelf, the records
only say what it should be.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import BaseDocTemplate, Frame, KeepTogether, PageTemplate, Paragraph, Spacer, Table, TableStyle

from compounder import __version__
from compounder.calc.controlled_records import InventoryLine, LotLedger
from compounder.documents.common import (
    CREATOR,
    FONT,
    FONT_BOLD,
    check_printable,
    escape,
    licence_line,
    numbered_canvas,
    register_fonts,
)
from compounder.settings import PharmacySettings

GRID = colors.Color(0.35, 0.35, 0.35)
SHADE = colors.Color(0.90, 0.90, 0.90)
MARGIN = 0.6 * inch


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()  # before any text is checked printable with them
    return {
        "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=13, leading=16, spaceAfter=4),
        "heading": ParagraphStyle("heading", fontName=FONT_BOLD, fontSize=10.5, leading=13, spaceBefore=8, spaceAfter=3),
        "body": ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=10.5),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=9.5),
        "bold": ParagraphStyle("bold", fontName=FONT_BOLD, fontSize=8, leading=9.5),
        "small": ParagraphStyle("small", fontName=FONT, fontSize=7, leading=8.5),
    }


def _p(text: str, style: ParagraphStyle, field: str) -> Paragraph:
    return Paragraph(escape(check_printable(text, field)), style)


def _grams(value: Decimal, signed: bool = False) -> str:
    text = format(value.normalize(), "f") if value != 0 else "0"
    return f"+{text}" if signed and value > 0 else text.replace("-", "−")


def _build(pharmacy: PharmacySettings, title: str, story: list, printed_at: dt.datetime) -> bytes:
    register_fonts()
    pagesize = A4 if pharmacy.worksheet_paper == "a4" else LETTER
    buffer = io.BytesIO()
    doc = BaseDocTemplate(buffer, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
                          title=title, author=pharmacy.name, creator=CREATOR)
    frame = Frame(MARGIN, MARGIN, pagesize[0] - 2 * MARGIN, pagesize[1] - 2 * MARGIN, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    footer = check_printable(f"{pharmacy.name} · {title} · printed {printed_at:%Y-%m-%d %H:%M} UTC · Compounder {__version__}", "footer")

    def draw_footer(canvas, page: int, pages: int) -> None:
        canvas.setFont(FONT, 7)
        canvas.drawString(MARGIN, MARGIN / 2, footer)
        canvas.drawRightString(pagesize[0] - MARGIN, MARGIN / 2, f"Page {page} of {pages}")

    doc.build(story, canvasmaker=numbered_canvas(draw_footer))
    return buffer.getvalue()


def _registrant(pharmacy: PharmacySettings, registration: str | None, styles) -> list:
    address = ", ".join(pharmacy.address)
    number = registration or "____________________"
    return [
        _p(f"{pharmacy.name}, {address} · {licence_line(pharmacy.licence)}", styles["body"], "pharmacy"),
        _p(f"DEA registration number: {number}", styles["body"], "registration"),
    ]


def _grid(rows: list, widths: Sequence[float], numbers_from: int) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (numbers_from, 1), (numbers_from + 1, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def ledger_pdf(pharmacy: PharmacySettings, ledgers: Sequence[LotLedger], printed_at: dt.datetime, registration: str | None = None) -> bytes:
    """Each controlled lot's perpetual inventory: receipt, every use by batch, corrections,
    adjustments, losses and thefts (DEA Form 106's facts), destructions (DEA Form 41's, with the
    witness), with the balance after each (21 CFR 1304.21(a), 1304.22(c))."""
    styles = _styles()
    title = "Controlled-substance perpetual inventory"
    story: list = [_p(title, styles["title"], "title"), *_registrant(pharmacy, registration, styles),
                   _p("Quantities in grams; each lot's balance is the sum of the lines above it. 21 CFR 1304.21(a), 1304.22(c); "
                      "losses and thefts as reported on DEA Form 106 (21 CFR 1301.76(b)); destructions as on DEA Form 41 (21 CFR 1304.21(e)).",
                      styles["small"], "note")]
    if not ledgers:
        story.append(_p("No controlled-substance lot is on record.", styles["body"], "empty"))
    width = (A4 if pharmacy.worksheet_paper == "a4" else LETTER)[0] - 2 * MARGIN
    for ledger in ledgers:
        heading = (f"{ledger.schedule} {ledger.stock_form} — lot {ledger.lot_number} ({ledger.manufacturer}), expires "
                   f"{ledger.expires.isoformat()} — on hand {_grams(ledger.on_hand_g)} g")
        rows: list = [[_p(text, styles["bold"], "heading") for text in ("Date (UTC)", "What", "Change (g)", "Balance (g)", "Signed")]]
        for entry in ledger.entries:
            rows.append([
                _p(f"{entry.at:%Y-%m-%d %H:%M}", styles["cell"], "date"), _p(f"{entry.kind}: {entry.what}", styles["cell"], "what"),
                _p(_grams(entry.change_g, signed=True), styles["cell"], "change"), _p(_grams(entry.balance_g), styles["cell"], "balance"),
                _p(entry.by, styles["cell"], "by"),
            ])
        fixed = [0.95 * inch, 0.75 * inch, 0.75 * inch, 1.2 * inch]
        widths = [fixed[0], width - sum(fixed), fixed[1], fixed[2], fixed[3]]
        story.append(KeepTogether([_p(heading, styles["heading"], "lot"), _p(f"Received from: {ledger.receipt}", styles["body"], "receipt"),
                                   Spacer(1, 3)]))
        story[-1].keepWithNext = True  # the lot's heading never ends a page without its table
        story.append(_grid(rows, widths, 2))
    return _build(pharmacy, title, story, printed_at)


def biennial_inventory_pdf(
    pharmacy: PharmacySettings, lines: Sequence[InventoryLine], taken_at: dt.datetime, when: str, printed_at: dt.datetime,
    registration: str | None = None,
) -> bytes:
    """The biennial inventory (21 CFR 1304.11(c)) at ``taken_at``, at the ``when`` ("opening of
    business" or "close of business", 1304.11(a)): each controlled substance's containers with the
    quantity by the records and a blank cell for the count; Schedule II apart (1304.04(h))."""
    styles = _styles()
    title = "Biennial controlled-substance inventory"
    story: list = [
        _p(title, styles["title"], "title"), *_registrant(pharmacy, registration, styles),
        _p(f"Inventory taken {taken_at:%Y-%m-%d} at the {when} (records as of {taken_at:%Y-%m-%d %H:%M} UTC). "
           "21 CFR 1304.11(a), (c), (e)(3): name, form and quantity of each controlled substance on hand; Schedules I–II exact count, "
           "III–V an estimated count unless a container holds more than 1,000 units. Bulk substances are weighed: quantities in grams.",
           styles["small"], "note"),
    ]
    width = (A4 if pharmacy.worksheet_paper == "a4" else LETTER)[0] - 2 * MARGIN
    fixed = [0.75 * inch, 0.9 * inch, 0.85 * inch, 1.0 * inch, 0.9 * inch]
    widths = [fixed[0], width - sum(fixed), fixed[1], fixed[2], fixed[3], fixed[4]]
    for part, schedules in (("Schedule II", ("C-I", "C-II")), ("Schedules III, IV and V", ("C-III", "C-IV", "C-V"))):
        found = [line for line in lines if line.schedule in schedules]
        story.append(_p(part, styles["heading"], "part"))
        if not found:
            story.append(_p("None on hand.", styles["body"], "none"))
            continue
        rows: list = [[_p(text, styles["bold"], "heading") for text in
                       ("Schedule", "Substance (form) — lot, manufacturer", "Expires", "By the records (g)", "Counted (g)", "Containers")]]
        for line in found:
            rows.append([
                _p(line.schedule, styles["cell"], "schedule"),
                _p(f"{line.stock_form} (bulk) — lot {line.lot_number}, {line.manufacturer}", styles["cell"], "substance"),
                _p(line.expires.isoformat(), styles["cell"], "expires"), _p(_grams(line.on_hand_g), styles["cell"], "on hand"), "",
                _p("1", styles["cell"], "containers"),
            ])
        story.append(_grid(rows, widths, 3))
    story += [
        Spacer(1, 18),
        _p("Taken by (name, signature): ______________________________________   Date: ______________", styles["body"], "signature"),
        Spacer(1, 10),
        _p("Kept at the registered location for at least two years (21 CFR 1304.04(a)); Schedule II apart from all other records.",
           styles["small"], "keep"),
    ]
    return _build(pharmacy, title, story, printed_at)
