"""A quality log's printed report (issue 25): the pharmacy, the log's title and period, what
needs attention, and the table its screen shows (``compounder.calc.log_table.LogTable``), in
landscape so that every column fits; "Page X of Y" and the time printed on every page."""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from compounder.calc.log_table import LogTable
from compounder.documents.common import CREATOR, FONT, FONT_BOLD, check_printable, escape, numbered_canvas, register_fonts

MARGIN = 12 * mm
#: A row with one of these cells is shaded: a failed check, a report due, a review overdue.
FLAGS = frozenset({"FAIL", "DUE", "overdue", "lapsed"})
_SIZE = 8


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=14, leading=17),
        "body": ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11),
        "notice": ParagraphStyle("notice", fontName=FONT_BOLD, fontSize=9, leading=11, textColor=colors.HexColor("#8a1c1c")),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=_SIZE, leading=_SIZE + 2),
        "head": ParagraphStyle("head", fontName=FONT_BOLD, fontSize=_SIZE, leading=_SIZE + 2),
    }


def _widths(table: LogTable, room: float) -> list[float]:
    """Each narrow column as wide as its widest text; the wide columns share what is left."""
    natural = [
        max([stringWidth(h, FONT_BOLD, _SIZE)] + [stringWidth(row[i], FONT, _SIZE) for row in table.rows]) + 8
        for i, h in enumerate(table.headers)
    ]
    wide = [i for i in table.wide if i < len(natural)] or [max(range(len(natural)), key=natural.__getitem__)]
    narrow = sum(w for i, w in enumerate(natural) if i not in wide)
    left = max(room - narrow, 40.0 * len(wide))
    wanted = sum(natural[i] for i in wide)
    widths = [natural[i] if i not in wide else max(40.0, left * natural[i] / wanted if wanted else left / len(wide)) for i in range(len(natural))]
    scale = min(1.0, room / sum(widths))
    return [w * scale for w in widths]


def quality_log_pdf(table: LogTable, pharmacy: str, printed: str, *, paper: str = "letter") -> bytes:
    """The report as PDF bytes. ``printed``: when, in words, as the footer says it."""
    register_fonts()
    for i, text in enumerate((table.title, table.period, pharmacy, *table.notices, *table.headers, *(c for row in table.rows for c in row))):
        check_printable(text, f"{table.title}, text {i}")
    pagesize = landscape(A4 if paper == "a4" else LETTER)
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 6 * mm,
        title=f"{table.title} — {pharmacy}", author=pharmacy, creator=CREATOR, producer=CREATOR, invariant=1,
    )
    room = pagesize[0] - 2 * MARGIN

    def para(text: str, style: str) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), styles[style])

    story = [para(table.title, "title"), para(f"{pharmacy} — {table.period}", "body"), Spacer(1, 4 * mm)]
    story += [para(notice, "notice") for notice in table.notices]
    if table.notices:
        story.append(Spacer(1, 3 * mm))
    if table.rows:
        data = [[para(h, "head") for h in table.headers]] + [[para(cell, "cell") for cell in row] for row in table.rows]
        grid = Table(data, colWidths=_widths(table, room), repeatRows=1)
        flagged = [("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f6d5d5")) for i, row in enumerate(table.rows, start=1) if set(row) & FLAGS]
        grid.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3), *flagged,
        ]))
        story.append(grid)
    else:
        story.append(para("No entries.", "body"))

    def footer(canvas, page: int, pages: int) -> None:
        canvas.setFont(FONT, 7)
        canvas.drawString(MARGIN, MARGIN, f"{table.title} — {pharmacy} — printed {printed}")
        canvas.drawRightString(pagesize[0] - MARGIN, MARGIN, f"Page {page} of {pages}")

    doc.build(story, canvasmaker=numbered_canvas(footer))
    return buffer.getvalue()
