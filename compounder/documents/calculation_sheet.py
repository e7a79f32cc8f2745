"""The calculation sheet of a formula with no batch: the worksheet's layout with the record's
parts taken out (batch number and its barcode, Rx, patient, prescriber, signature block), titled
"CALCULATION SHEET — NOT A COMPOUNDING RECORD" on every page with a grey band across it, so it
cannot be filed or handed on as a compounding record. Values: ``compounder.calc.calculation_sheet``.
"""

from __future__ import annotations

import math

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Table, TableStyle

from compounder.calc.calculation_sheet import NOT_A_RECORD, TITLE
from compounder.calc.record import WeighRow
from compounder.documents.common import FONT, FONT_BOLD, escape
from compounder.documents.plain_text import paragraph
from compounder.documents.worksheet import _FACT_TABLE, A4WorksheetRenderer, Cell, WorksheetRenderer, fit_width

BAND = colors.Color(0.80, 0.80, 0.80)


class CalculationSheetRenderer(WorksheetRenderer):
    """A ``CompoundingRecord`` from ``calculation_sheet`` laid out as a sheet that is not a record."""

    def pdf_title(self) -> str:
        return f"Calculation sheet (not a compounding record) — {self.record.formula_name}"

    def story(self) -> list[Flowable]:
        parts = super().story()
        # The story's last part is the findings kept with the signature block (``KeepWithTail``): a
        # calculation sheet has nobody to sign it, so the findings stand alone.
        return [paragraph(f"<b>{escape(NOT_A_RECORD)}</b>", self.styles["body"]), *parts[:-1], self.findings_table()]

    def header_fields(self) -> list[Flowable]:
        r = self.record
        s = self.styles
        p = lambda text, style="body": paragraph(escape(text), s[style])  # noqa: E731
        label = lambda text: paragraph(escape(text), s["label"])  # noqa: E731
        rows: list[list[Cell]] = [
            [label("Formula"), p(r.formula_name, "bold"), "", ""],
            [label("Dosage form"), p(f"{r.dosage_form} ({r.base})"), label("Container"), p(r.container)],
            [label("Compounding date"), p(r.compounded_on.isoformat(), "bold"), label("Quantity"), p(f"{r.quantity}; prepare {r.prepared}")],
            [label("Beyond-use date"), p(f"{r.beyond_use.isoformat()} ({r.beyond_use_days} days)", "bud"), label("Storage"), p(r.storage, "bold")],
            ["", paragraph(escape(r.beyond_use_reason), s["small"]), "", ""],
        ]
        spans = [("SPAN", (1, 0), (3, 0)), ("SPAN", (1, 4), (3, 4))]
        if r.controlled:
            rows.insert(1, [label("Controlled substance"), p("; ".join(r.controlled), "bold"), "", ""])
            spans = [("SPAN", (1, 0), (3, 0)), ("SPAN", (1, 1), (3, 1)), ("SPAN", (1, 5), (3, 5))]
        if r.dose_check:
            rows.append([label("Dose checked"), p(r.dose_check), "", ""])
            spans.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
        table = Table(rows, colWidths=self._widths((0.15, 0.37, 0.13, 0.35)))
        table.setStyle(TableStyle([*spans, *_FACT_TABLE]))
        return [table]

    # No blank to fill in where a record's weights and initials go: nothing on this sheet is recorded.
    def actual_cell(self, row: WeighRow) -> Cell:
        return "—"

    def aliquot_actual_cell(self, row: WeighRow, step: int) -> Cell:
        return "—"

    def initials_cell(self, row: WeighRow, step: int | None) -> Cell:
        return "—"

    def barcode_place(self) -> tuple[float, float]:
        return 0.8, 0.0  # no batch number, no barcode: nothing moves the title

    def draw_first_page(self, canvas, doc) -> None:
        """Page 1: the pharmacy and the title; no batch number, no barcode."""
        top = self.pagesize[1] - self.top_margin
        canvas.saveState()
        title_x = self.draw_pharmacy_block(canvas, top)
        canvas.setFont(FONT_BOLD, 12)
        canvas.drawString(title_x, top - 13, "CALCULATION SHEET")
        canvas.setFont(FONT_BOLD, 10)
        canvas.drawString(title_x, top - 28, "NOT A COMPOUNDING RECORD")
        canvas.setFont(FONT, 8.5)
        canvas.drawString(title_x, top - 41, "No batch number · no signatures · no label")
        self.draw_header_rule(canvas, self.first_header_height)
        self._draw_band(canvas)
        canvas.restoreState()

    def draw_later_page(self, canvas, doc) -> None:
        top = self.pagesize[1] - self.top_margin
        canvas.saveState()
        room = self.pagesize[0] - self.left_margin - self.right_margin
        canvas.setFont(FONT_BOLD, 10)
        canvas.drawString(self.left_margin, top - 10, fit_width(f"{TITLE} (continued)", FONT_BOLD, 10, room))
        canvas.setFont(FONT, 8.5)  # the pharmacy's and the formula's names may be long: cut, never off the page
        canvas.drawString(self.left_margin, top - 22, fit_width(f"{self.pharmacy.name} · {self.record.formula_name}", FONT, 8.5, room))
        self.draw_header_rule(canvas, self.later_header_height)
        self._draw_band(canvas)
        canvas.restoreState()

    def draw_footer(self, canvas: Canvas, page: int, pages: int) -> None:
        width, _ = self.pagesize
        y = self.bottom_margin - 22
        canvas.saveState()
        canvas.setFont(FONT_BOLD, 8)
        canvas.drawString(self.left_margin, y, TITLE)
        canvas.setFont(FONT_BOLD, 9)
        canvas.drawRightString(width - self.right_margin, y, f"Page {page} of {pages}")
        canvas.restoreState()

    def _draw_band(self, canvas: Canvas) -> None:
        """"NOT A COMPOUNDING RECORD" across the page, in light grey behind the text."""
        width, height = self.pagesize
        text, angle = "NOT A COMPOUNDING RECORD", math.radians(35)
        # As large as fits inside the page's margins once turned (at most 40 pt): the band's width
        # and height at 1 pt, turned by the angle, scale with the size.
        per_point = stringWidth(text, FONT_BOLD, 1)
        across = per_point * math.cos(angle) + math.sin(angle)
        up = per_point * math.sin(angle) + math.cos(angle)
        size = min(40.0, (width - self.left_margin - self.right_margin) / across, (height - self.top_margin - self.bottom_margin) / up)
        canvas.saveState()
        canvas.setFillColor(BAND)
        canvas.setFont(FONT_BOLD, size)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(35)
        canvas.drawCentredString(0, -size * 0.35, text)  # centred on the page, not on the baseline
        canvas.restoreState()


class A4CalculationSheetRenderer(CalculationSheetRenderer, A4WorksheetRenderer):
    pass


def calculation_sheet_renderer(paper: str) -> type[CalculationSheetRenderer]:
    """The renderer class for ``"letter"`` or ``"a4"``."""
    return {"letter": CalculationSheetRenderer, "a4": A4CalculationSheetRenderer}[paper]
