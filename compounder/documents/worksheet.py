"""(Over 400 lines: one renderer, its page templates and the story's parts, which the stored
batch's worksheet and the calculation sheet override step by step; not split.)

The batch worksheet (compounding record): the sheet a pharmacist weighs against, initials,
signs and files.

``WorksheetRenderer(record, pharmacy).render()`` returns PDF bytes, on the pharmacy's paper
when it is given (``paper``, "letter" or "a4"), else on US Letter. The margins and type sizes are
class attributes, and the steps of building it (styles, first-page header, later-page header,
footer, story, the cells a stored batch fills in) are methods a subclass can override
(``compounder.documents.stored.StoredWorksheetRenderer``); ``A4WorksheetRenderer`` only changes
the page size.
"""

from __future__ import annotations

import copy
import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from compounder import __version__
from compounder.calc.errors import InputError
from compounder.calc.record import CompoundingRecord, WeighRow, decision_text
from compounder.documents.common import (
    CREATOR,
    FONT,
    FONT_BOLD,
    barcode,
    barcode_modules,
    check_printable,
    escape,
    licence_line,
    numbered_canvas,
    register_fonts,
)
from compounder.documents.keep_tail import KeepWithTail
from compounder.documents.plain_text import paragraph
from compounder.settings import PharmacySettings

GRID = colors.Color(0.35, 0.35, 0.35)
SHADE = colors.Color(0.90, 0.90, 0.90)
LIGHT = colors.Color(0.96, 0.96, 0.96)
OVERRIDE_SHADE = colors.Color(0.86, 0.86, 0.86)  # prints on a monochrome printer too


#: What a table cell holds: a paragraph (or another flowable), or plain text ("" for a blank to fill in).
Cell = Flowable | str

#: The paper sizes the pharmacy's settings name (``worksheet_paper``).
PAGE_SIZES: dict[str, tuple[float, float]] = {"letter": LETTER, "a4": A4}

# Label-and-value tables (the batch's fields, the patient screened): light rules between rows.
_FACT_TABLE = (
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ("LINEBELOW", (0, 0), (-1, -2), 0.25, colors.Color(0.75, 0.75, 0.75)),
    ("BOX", (0, 0), (-1, -1), 0.6, GRID),
)


TITLE, SUBTITLE = "COMPOUNDING RECORD", "Batch worksheet"
#: The barcode's narrowest bar (pt), widest first: 0.72 pt is 0.25 mm.
BARCODE_MODULES = (0.8, 0.72)
#: How far page 1's title moves down under a barcode too wide to stand beside it: the 34 pt
#: barcode, its digits and a gap.
BARCODE_DROP = 49.0


class WorksheetRenderer:
    """Lays out a ``CompoundingRecord`` on US Letter; see ``A4WorksheetRenderer``."""

    pagesize: tuple[float, float] = LETTER
    left_margin = 0.5 * inch
    right_margin = 0.5 * inch
    top_margin = 0.45 * inch
    bottom_margin = 0.6 * inch
    first_header_height = 1.05 * inch  # pharmacy, title and barcode on page 1
    later_header_height = 0.5 * inch  # running header on the pages after it
    font_size = 9.0
    small_size = 7.0  # the calculation trail
    quantity_size = 12.0  # the quantity to weigh: read at arm's length
    # Letter's tighter layout, tried when the last page holds less than ``compact_when`` of a page.
    compact = False
    compact_when = 0.45
    compact_margins = (0.3 * inch, 0.5 * inch)  # top, bottom (the footer stays 0.2 in above the edge)
    compact_later_header = 0.42 * inch
    compact_sizes = (8.5, 6.5)  # body and calculation trail; the quantities to weigh stay 12 pt
    # Ingredient table: shares of the frame's width.
    ingredient_columns = (0.037, 0.25, 0.14, 0.12, 0.09, 0.14, 0.13, 0.093)

    def __init__(self, record: CompoundingRecord, pharmacy: PharmacySettings, paper: str | None = None) -> None:
        register_fonts()
        if paper is not None:
            self.pagesize = PAGE_SIZES[paper]
        self.record = record
        self.pharmacy = pharmacy
        self._check_text()
        self.barcode_module, self.title_drop = self.barcode_place()
        self.styles = self.stylesheet()
        # A long pharmacy name or address makes the block taller; the first page's frame starts
        # below it rather than under it.
        self.first_header_height = max(type(self).first_header_height + self.title_drop, self._pharmacy_block_height() + 10)

    # ------------------------------------------------------------------ overridable steps

    def stylesheet(self) -> dict[str, ParagraphStyle]:
        size = self.font_size
        base = ParagraphStyle("body", fontName=FONT, fontSize=size, leading=size * 1.25)
        return {
            "body": base,
            "bold": ParagraphStyle("bold", base, fontName=FONT_BOLD),
            "label": ParagraphStyle("label", base, fontSize=size - 1.5, leading=(size - 1.5) * 1.25, textColor=colors.Color(0.25, 0.25, 0.25)),
            "heading": ParagraphStyle(
                "heading", base, fontName=FONT_BOLD, fontSize=size + 2, leading=(size + 2) * 1.3, spaceBefore=4 if self.compact else 8, spaceAfter=3,
            ),
            "small": ParagraphStyle("small", base, fontSize=self.small_size, leading=self.small_size * 1.25, textColor=colors.Color(0.2, 0.2, 0.2)),
            "cell": ParagraphStyle("cell", base, fontSize=size - 0.5, leading=(size - 0.5) * 1.2),
            "cellbold": ParagraphStyle("cellbold", base, fontName=FONT_BOLD, fontSize=size - 0.5, leading=(size - 0.5) * 1.2),
            "head": ParagraphStyle("head", base, fontName=FONT_BOLD, fontSize=size - 1, leading=(size - 1) * 1.2),
            "headright": ParagraphStyle("headright", base, fontName=FONT_BOLD, fontSize=size - 1, leading=(size - 1) * 1.2, alignment=TA_RIGHT),
            "quantity": ParagraphStyle(
                "quantity", base, fontName=FONT_BOLD, fontSize=self.quantity_size, leading=self.quantity_size * 1.2, alignment=TA_RIGHT
            ),
            "bud": ParagraphStyle("bud", base, fontName=FONT_BOLD, fontSize=size + 1, leading=(size + 1) * 1.25),
        }

    def story(self) -> list[Flowable]:
        return [
            *self.header_fields(),
            paragraph("Ingredients", self.styles["heading"]),
            self.ingredient_table(),
            Spacer(1, 4),
            paragraph(f"<b>Balance:</b> {escape(self.record.balance)} ({escape(self.record.balance_detail)})", self.styles["body"]),
            paragraph("Compounding steps", self.styles["heading"]),
            self.steps_table(),
            *self.quality_control(),
            *self.patient_block(),
            # A long findings table may run onto the next page (its header repeats); the heading stays with it.
            CondPageBreak(1.8 * inch),
            paragraph("Findings", self.styles["heading"]),
            # The signatures never stand alone on a page: at least the last finding goes on with them.
            KeepWithTail(self.findings_table(), [paragraph("Signatures", self.styles["heading"]), self.signatures_table()], self._later_room()),
        ]

    def _later_room(self) -> float:
        """The height of a later page's frame."""
        return self.pagesize[1] - self.top_margin - self.bottom_margin - self.later_header_height

    def _pharmacy_width(self) -> float:
        """The width of the pharmacy's block, top left of page 1."""
        return (self.pagesize[0] - self.left_margin - self.right_margin) * 0.42

    def _pharmacy_block(self) -> tuple[float, list[Flowable]]:
        """The pharmacy's name, address, phone and licence, top left of page 1, and their width."""
        left_width = self._pharmacy_width()
        block = [paragraph(escape(self.pharmacy.name), ParagraphStyle("ph", fontName=FONT_BOLD, fontSize=12, leading=14))]
        info = ParagraphStyle("phi", fontName=FONT, fontSize=8.5, leading=10.5)
        block += [paragraph(escape(line), info) for line in (*self.pharmacy.address, f"Phone {self.pharmacy.phone}", licence_line(self.pharmacy.licence))]
        return left_width, block

    def _pharmacy_block_height(self) -> float:
        left_width, block = self._pharmacy_block()
        return sum(line.wrap(left_width, 200)[1] for line in block)

    def draw_first_page(self, canvas, doc) -> None:
        """Page 1: the pharmacy, the title and the batch number's barcode."""
        top = self.pagesize[1] - self.top_margin
        canvas.saveState()
        title_x = self.draw_pharmacy_block(canvas, top)
        canvas.setFont(FONT_BOLD, 13)
        canvas.drawString(title_x, top - 13 - self.title_drop, TITLE)
        canvas.setFont(FONT, 9)
        canvas.drawString(title_x, top - 28 - self.title_drop, SUBTITLE)
        self._draw_barcode(canvas, top, height_pt=34)
        self.draw_mark(canvas, title_x, top - 42 - self.title_drop)
        self.draw_header_rule(canvas, self.first_header_height)
        canvas.restoreState()

    def draw_pharmacy_block(self, canvas: Canvas, top: float) -> float:
        """The pharmacy's name, address, phone and licence, top left of page 1; where the title goes (x)."""
        left_width, block = self._pharmacy_block()
        y = top
        for line in block:
            _, h = line.wrap(left_width, 200)
            y -= h
            line.drawOn(canvas, self.left_margin, y)
        return self._title_x()

    def _title_x(self) -> float:
        """Where page 1's title starts: right of the pharmacy's block."""
        return self.left_margin + self._pharmacy_width() + 12

    def draw_header_rule(self, canvas: Canvas, header_height: float) -> None:
        """The line under a page's running header."""
        width, height = self.pagesize
        canvas.setStrokeColor(GRID)
        canvas.setLineWidth(0.8)
        bottom = height - self.top_margin - header_height + 4
        canvas.line(self.left_margin, bottom, width - self.right_margin, bottom)

    def draw_later_page(self, canvas, doc) -> None:
        """Pages after the first: who and which batch, so a loose page is never anonymous."""
        width, height = self.pagesize
        top = height - self.top_margin
        record = self.record
        canvas.saveState()
        symbol_width = max(barcode(record.batch_number, bar_width=self.barcode_module, bar_height=20).width, stringWidth(f"Batch {record.batch_number}", FONT, 8))
        room = width - self.right_margin - symbol_width - 6 - self.left_margin  # left of the barcode
        canvas.setFont(FONT_BOLD, 10)
        canvas.drawString(self.left_margin, top - 10, fit_width(f"{self.pharmacy.name} — Compounding record (continued)", FONT_BOLD, 10, room))
        canvas.setFont(FONT, 8.5)
        # the batch and Rx numbers whole; a patient's name too long for the line is cut ("…"): it is whole on page 1
        canvas.drawString(self.left_margin, top - 22, fit_width(f"Batch {record.batch_number}   Rx {record.rx_number}   Patient {record.patient}", FONT, 8.5, room))
        # as tall as the header leaves room for above its rule: the rule 4 pt up from the header's
        # foot, the digits' 9 pt line and 3 pt between (20 pt in a 0.5 in header, 14 pt in a compact one)
        self._draw_barcode(canvas, top, height_pt=min(20.0, self.later_header_height - 16))
        canvas.setStrokeColor(GRID)
        canvas.setLineWidth(0.8)
        bottom = height - self.top_margin - self.later_header_height + 4
        canvas.line(self.left_margin, bottom, width - self.right_margin, bottom)
        canvas.restoreState()

    def draw_footer(self, canvas: Canvas, page: int, pages: int) -> None:
        width, _ = self.pagesize
        y = self.bottom_margin - 22
        canvas.saveState()
        canvas.setFont(FONT, 8)
        centre = f"Compounder {__version__}"
        room = width / 2 - canvas.stringWidth(centre, FONT, 8) / 2 - 12 - self.left_margin
        left = fit_width(f"Batch {self.record.batch_number} · Rx {self.record.rx_number} · {self.record.patient}", FONT, 8, room)
        canvas.drawString(self.left_margin, y, left)
        canvas.drawCentredString(width / 2, y, centre)
        canvas.setFont(FONT_BOLD, 9)
        canvas.drawRightString(width - self.right_margin, y, f"Page {page} of {pages}")
        canvas.restoreState()

    def render(self) -> bytes:
        """The worksheet's PDF. On Letter (50 pt shorter than A4) a worksheet whose last page holds
        only a little is laid out again a little tighter (``compact``), kept when it takes fewer
        pages: Letter fits where A4 fits."""
        pdf, pages, last_page_used = self._build()
        if pages > 1 and last_page_used < self.compact_when and not self.compact and self.pagesize == LETTER:
            tighter = copy.copy(self)
            tighter.compact = True
            tighter.top_margin, tighter.bottom_margin = self.compact_margins
            tighter.later_header_height = self.compact_later_header
            tighter.font_size, tighter.small_size = self.compact_sizes
            tighter.styles = tighter.stylesheet()
            tighter_pdf, tighter_pages, _ = tighter._build()
            if tighter_pages < pages:
                return tighter_pdf
        return pdf

    def _build(self) -> tuple[bytes, int, float]:
        """The PDF, its page count and the share of the last page's frame it fills."""
        buffer = io.BytesIO()
        width, height = self.pagesize
        frame_width = width - self.left_margin - self.right_margin
        first = Frame(
            self.left_margin, self.bottom_margin, frame_width, height - self.top_margin - self.bottom_margin - self.first_header_height,
            id="first", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
        )
        later = Frame(
            self.left_margin, self.bottom_margin, frame_width, height - self.top_margin - self.bottom_margin - self.later_header_height,
            id="later", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
        )
        doc = BaseDocTemplate(
            buffer,
            pagesize=self.pagesize,
            leftMargin=self.left_margin,
            rightMargin=self.right_margin,
            topMargin=self.top_margin,
            bottomMargin=self.bottom_margin,
            title=self.pdf_title(),
            author=self.pharmacy.name,
            subject=self.record.formula_name,
            creator=CREATOR,
            producer=CREATOR,
            invariant=1,
        )
        doc.addPageTemplates(
            [
                PageTemplate(id="first", frames=[first], onPage=self.draw_first_page, autoNextPageTemplate="later"),
                PageTemplate(id="later", frames=[later], onPage=self.draw_later_page),
            ]
        )
        self._frame_width = frame_width
        doc.build(self.story(), canvasmaker=numbered_canvas(self.draw_footer))
        frame: Any = doc.frame  # the last page's (its current height is not in ReportLab's stubs)
        used = (frame._y1 + frame._height - frame._y) / frame._height
        return buffer.getvalue(), doc.page, used

    # ------------------------------------------------------------------ parts of the story

    def header_fields(self) -> list[Flowable]:
        r = self.record
        s = self.styles
        p = lambda text, style="body": paragraph(escape(text), s[style])  # noqa: E731
        label = lambda text: paragraph(escape(text), s["label"])  # noqa: E731
        rows: list[list[Cell]] = [
            [label("Formula"), p(r.formula_name, "bold"), "", ""],
            [label("Formula version"), p(r.formula_version), label("Dosage form"), p(f"{r.dosage_form} ({r.base})")],
            [label("Batch number"), p(r.batch_number, "bold"), label("Rx number"), p(r.rx_number, "bold")],
            [label("Patient"), p(r.patient, "bold"), label("Date of birth"), p(r.date_of_birth)],
            [label("Prescriber"), p(r.prescriber), label("Container"), p(r.container)],
            [label("Compounding date"), p(r.compounded_on.isoformat(), "bold"), label("Quantity"), p(f"{r.quantity}; prepare {r.prepared}")],
            [label("Beyond-use date"), p(f"{r.beyond_use.isoformat()} ({r.beyond_use_days} days)", "bud"), label("Storage"), p(r.storage, "bold")],
            ["", paragraph(escape(r.beyond_use_reason), s["small"]), "", ""],
        ]
        spans: list[tuple[Any, ...]] = [("SPAN", (1, 0), (3, 0)), ("SPAN", (1, 7), (3, 7))]
        if r.controlled:  # the DEA schedule, under the formula, so the batch is handled and logged as one
            rows.insert(1, [label("Controlled substance"), p("; ".join(r.controlled), "bold"), "", ""])
            spans = [("SPAN", (1, 0), (3, 0)), ("SPAN", (1, 1), (3, 1)), ("SPAN", (1, 8), (3, 8))]
        if r.dose_check:  # the directions the daily amounts were checked with
            rows.append([label("Dose checked"), p(r.dose_check), "", ""])
            spans.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
        table = Table(rows, colWidths=self._widths((0.15, 0.37, 0.13, 0.35)))
        table.setStyle(TableStyle([*spans, *_FACT_TABLE]))
        return [table]

    def ingredient_table(self) -> Table:
        s = self.styles
        header: list[Cell] = [
            paragraph("#", s["head"]),
            paragraph("Ingredient weighed — provides", s["head"]),
            paragraph("Manufacturer / lot", s["head"]),
            paragraph("Expiry", s["head"]),
            paragraph("Potency", s["head"]),
            paragraph("Required", s["headright"]),
            paragraph("Actual weighed", s["head"]),
            paragraph("Initials", s["head"]),
        ]
        rows: list[list[Cell]] = [header]
        commands: list[tuple[Any, ...]] = [
            ("GRID", (0, 0), (-1, 0), 0.5, GRID),
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        for row in self.record.rows:
            top = len(rows)
            name = f"<b>{escape(row.weigh)}</b>" + (" (q.s.)" if row.role == "base" else "")
            maker = " / ".join(part for part in (row.manufacturer, row.lot) if part)
            rows.append(
                [
                    paragraph(str(row.number), s["cell"]),
                    paragraph(f"{name}<br/>{escape(row.provides)}", s["cell"]),
                    paragraph(escape(maker), s["cell"]),
                    paragraph(escape(row.expires), s["cell"]),
                    paragraph(escape(row.potency), s["cell"]),
                    paragraph(f"{escape(row.quantity)}&nbsp;<font size={self.font_size}>{row.unit}</font>", s["quantity"]),
                    self.actual_cell(row),
                    self.initials_cell(row, None),
                ]
            )
            rows.append(["", paragraph(escape(row.trail), s["small"]), "", "", "", "", "", ""])
            bottom = top + 1
            if row.aliquot:
                rows.append(["", paragraph(f"<b>Aliquot:</b> {escape(row.aliquot)}", s["cell"]), "", "", "", "", "", ""])
                bottom += 1
                commands += [("SPAN", (1, bottom), (4, bottom)), ("BACKGROUND", (1, bottom), (4, bottom), LIGHT)]
            cells_bottom = bottom
            # Each weighing of the aliquot has its own required weight, actual-weight and initials cells.
            for step, (what, grams) in enumerate(row.aliquot_weighings):
                rows.append([
                    "", paragraph(escape(what), s["cell"]), "", "", "",
                    paragraph(f"{escape(grams)}&nbsp;<font size={self.font_size}>g</font>", s["quantity"]), self.aliquot_actual_cell(row, step),
                    self.initials_cell(row, step),
                ])
                bottom += 1
                commands += [("SPAN", (1, bottom), (4, bottom)), ("LINEABOVE", (1, bottom), (-1, bottom), 0.5, GRID)]
            commands += [
                ("SPAN", (0, top), (0, bottom)),
                ("SPAN", (1, top + 1), (4, top + 1)),
                ("SPAN", (5, top), (5, cells_bottom)),
                ("SPAN", (6, top), (6, cells_bottom)),
                ("SPAN", (7, top), (7, cells_bottom)),
                ("BOX", (0, top), (-1, bottom), 0.5, GRID),
                ("LINEBEFORE", (1, top), (-1, bottom), 0.5, GRID),
                ("LINEBELOW", (1, top), (4, top), 0.25, colors.Color(0.8, 0.8, 0.8)),
                ("TOPPADDING", (1, top + 1), (4, top + 1), 0),
            ]
        total_row = len(rows)
        rows.append(
            [
                "",
                paragraph("<b>Total</b> (prepared)", s["cell"]),
                "",
                "",
                "",
                paragraph(f"{escape(self.record.total)}&nbsp;<font size={self.font_size}>g</font>", s["quantity"]),
                "",
                "",
            ]
        )
        commands += [("BOX", (0, total_row), (-1, total_row), 0.8, GRID), ("LINEBEFORE", (5, total_row), (-1, total_row), 0.5, GRID),
                     ("BACKGROUND", (0, total_row), (-1, total_row), LIGHT), ("SPAN", (1, total_row), (4, total_row))]
        table = Table(rows, colWidths=self._widths(self.ingredient_columns), repeatRows=1)
        table.setStyle(TableStyle(commands))
        return table

    def steps_table(self) -> Table:
        s = self.styles
        rows: list[list[Cell]] = [[paragraph("#", s["head"]), paragraph("Step", s["head"]), paragraph("Initials", s["head"])]]
        rows += [[paragraph(str(i), s["cell"]), paragraph(escape(text), s["cell"]), ""] for i, text in enumerate(self.record.steps, start=1)]
        table = Table(rows, colWidths=self._widths((0.04, 0.86, 0.10)), repeatRows=1)
        table.setStyle(self._grid_style())
        return table

    def quality_control(self) -> list[Flowable]:
        """The quality-control checks with room for their results (a stored batch adds what was entered)."""
        return [KeepTogether([paragraph("Quality control", self.styles["heading"]), self.checks_table()])]

    def checks_table(self) -> Table:
        s = self.styles
        rows: list[list[Cell]] = [[paragraph(h, s["head"]) for h in ("Check", "Specification", "Result", "Initials")]]
        rows += [
            [paragraph(f"<b>{escape(name)}</b>", s["cell"]), paragraph(escape(specification), s["cell"]), *self.check_result_cells(name)]
            for name, specification in self.check_rows()
        ]
        widths = self._widths((0.16, 0.52, 0.22, 0.10))
        # Room to write a result (24 pt), or more where the check's text wraps to more lines: it never
        # runs out of its cell over the next section.
        heights: list[float | None] = [None]
        for row in rows[1:]:
            wrapped = max(cell.wrap(width - 6, 10_000)[1] for cell, width in zip(row, widths, strict=True) if isinstance(cell, Flowable))
            heights.append(max(24.0, wrapped + 7))
        table = Table(rows, colWidths=widths, repeatRows=1, rowHeights=heights)
        table.setStyle(self._grid_style())
        return table

    def patient_block(self) -> list[Flowable]:
        """The patient facts the screening used, compact: what a checker compares with the profile."""
        facts = self.record.patient_facts
        s = self.styles
        if facts is None:
            text = (
                "<b>Patient not screened:</b> no screening profile (date of birth, weight, allergies, conditions, medicines) "
                "was given for this patient, so the preparation was not checked against the patient."
            )
            return [KeepTogether([paragraph("Patient not screened", s["heading"]), paragraph(text, s["body"])])]
        label = lambda text: paragraph(escape(text), s["label"])  # noqa: E731
        cell = lambda text: paragraph(escape(text), s["cell"])  # noqa: E731
        rows = [
            [label("Age"), cell(facts.age), label("Weight"), cell(facts.weight)],
            [label("Allergies"), cell(facts.allergies), label("Conditions"), cell(facts.conditions)],
            [label("Medicines"), cell(facts.medications), label("Medication notes"), cell(facts.medication_notes)],
        ]
        table = Table(rows, colWidths=self._widths((0.11, 0.39, 0.14, 0.36)))
        table.setStyle(
            TableStyle(
                [
                    *_FACT_TABLE,
                ]
            )
        )
        return [KeepTogether([paragraph("Patient screened", s["heading"]), table])]

    def findings_table(self) -> Flowable:
        s = self.styles
        if not self.record.findings:
            return paragraph("No findings for this batch.", s["body"])
        rows = [[paragraph(h, s["head"]) for h in ("Finding", "Message", "Pharmacist's decision")]]
        overridden = []
        for item in self.record.findings:
            f, ack = item.finding, item.acknowledgement
            if ack is None:
                who = "information; no acknowledgement needed"
            else:
                who = escape(decision_text(ack))
                action = escape(ack.action)
                who = who.replace(action, f"<b>{action}</b>", 1).replace(escape(ack.by), f"<b>{escape(ack.by)}</b>", 1)
            if ack is not None and ack.override:
                overridden.append(len(rows))
            rows.append(
                [
                    paragraph(f"<b>{f.severity.value.upper()}</b><br/>{escape(f.code)}", s["small"]),
                    paragraph(escape(f.message), s["small"]),
                    paragraph(who, s["cell"]),
                ]
            )
        # A long decision (1,000 wide glyphs in a reason) is split across pages rather than raising
        # ReportLab's LayoutError for a row taller than the page.
        table = Table(rows, colWidths=self._widths((0.25, 0.42, 0.33)), repeatRows=1, splitInRow=1)
        style = self._grid_style()
        for row in overridden:  # an override stands out from an acknowledgement
            style.add("BACKGROUND", (0, row), (-1, row), OVERRIDE_SHADE)
            style.add("BOX", (0, row), (-1, row), 1.4, colors.black)
        table.setStyle(style)
        return table

    def signatures_table(self) -> Table:
        s = self.styles
        rows: list[list[Cell]] = [[paragraph(h, s["head"]) for h in ("", "Name", "Signature", "Date", "Time")]]
        for role in ("Prepared by", "Checked by", "Verified by (pharmacist)"):
            rows.append([paragraph(f"<b>{role}</b>", s["cell"]), *self.signature_cells(role)])
        table = Table(rows, colWidths=self._widths((0.22, 0.26, 0.26, 0.14, 0.12)), rowHeights=[None, 30, 30, 30])
        table.setStyle(self._grid_style())
        return table

    # ------------------------------------------------------------------ what a stored batch fills in

    def check_rows(self) -> list[tuple[str, str]]:
        """The quality-control checks (name, specification) the sheet lists."""
        return [(c.name, c.specification) for c in self.record.checks]

    def check_result_cells(self, name: str) -> list[Cell]:
        """The result and initials cells of check ``name``: blank for the bench."""
        return ["", ""]

    def actual_cell(self, row: WeighRow) -> Cell:
        """The "Actual weighed" cell: blank for the bench; a stored batch prints what was entered."""
        return ""

    def aliquot_actual_cell(self, row: WeighRow, step: int) -> Cell:
        """The "Actual weighed" cell of one of the aliquot's own weighings (``row.aliquot_weighings[step]``):
        blank for the bench."""
        return ""

    def initials_cell(self, row: WeighRow, step: int | None) -> Cell:
        """The "Initials" cell of a line (``step`` None) or of one of its aliquot weighings: blank
        for the bench."""
        return ""

    def signature_cells(self, role: str) -> list[Cell]:
        """Name, signature, date and time of one signature row: blank for the bench."""
        return ["", "", "", ""]

    def pdf_title(self) -> str:
        """The PDF's own title (its metadata)."""
        return f"Compounding record {self.record.batch_number}"

    def draw_mark(self, canvas: Canvas, x: float, y: float) -> None:
        """A mark under the title on page 1 (a reprint's); none on a fresh sheet."""

    # ------------------------------------------------------------------ helpers

    def _grid_style(self) -> TableStyle:
        return TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )

    def _widths(self, shares: tuple[float, ...]) -> list[float]:
        width = self.pagesize[0] - self.left_margin - self.right_margin
        return [width * share for share in shares]

    def barcode_place(self) -> tuple[float, float]:
        """The batch number's barcode on page 1: its narrowest bar, and how far the title moves down
        to make room. Beside the title where it fits; else above the title, across the width right
        of the pharmacy's block. A bar of 0.8 pt, or 0.72 pt (0.25 mm, what a handheld scanner reads
        from a laser print) where that makes it fit; a batch number too long even then is refused,
        never drawn over the title."""
        width, _ = self.pagesize
        title_x = self._title_x()
        title = max(stringWidth(TITLE, FONT_BOLD, 13), stringWidth(SUBTITLE, FONT, 9))
        value = self.record.batch_number
        modules = barcode_modules(value)
        printed = stringWidth(f"Batch {value}", FONT, 8)
        # the barcode's own quiet zone (ten bars' width, blank) keeps its bars clear of the title
        beside, above = width - self.right_margin - (title_x + title), width - self.right_margin - title_x
        for room, drop in ((beside, 0.0), (above, BARCODE_DROP)):
            for module in BARCODE_MODULES:
                if modules * module <= room and printed <= room:
                    return module, drop
        raise InputError(
            "batch_number", f"{value[:20]!r}… is too long for the worksheet's barcode ({above:.0f} pt wide at most); write it shorter, e.g. 261206-001",
        )

    def _draw_barcode(self, canvas, top: float, height_pt: float) -> None:
        width, _ = self.pagesize
        value = self.record.batch_number
        symbol = barcode(value, bar_width=self.barcode_module, bar_height=height_pt)
        x = width - self.right_margin - symbol.width
        symbol.drawOn(canvas, x, top - height_pt)
        canvas.setFont(FONT, 8)
        digits = f"Batch {value}"
        if stringWidth(digits, FONT, 8) <= symbol.width:
            canvas.drawCentredString(x + symbol.width / 2, top - height_pt - 9, digits)
        else:  # wider than its barcode: kept inside the margin, where the room was measured
            canvas.drawRightString(width - self.right_margin, top - height_pt - 9, digits)

    def _check_text(self) -> None:
        r = self.record
        texts = {
            "pharmacy.name": self.pharmacy.name, "pharmacy.address": " ".join(self.pharmacy.address),
            "pharmacy.phone": self.pharmacy.phone, "pharmacy.licence": self.pharmacy.licence,
            "prescription.patient": r.patient, "prescription.prescriber": r.prescriber, "formula": r.formula_name,
            "container": r.container, "directions.area": r.dose_check, "steps": " ".join(r.steps), "checks": " ".join(c.specification + c.name for c in r.checks),
            "acknowledged": " ".join(f"{a.acknowledgement.by} {a.acknowledgement.role or ''} {a.acknowledgement.reason}" for a in r.findings if a.acknowledgement),
            "patient.medication_notes": r.patient_facts.medication_notes if r.patient_facts else "",
            "formula_version": r.formula_version, "base": r.base, "batch_number": r.batch_number, "prescription.rx_number": r.rx_number,
            "storage": r.storage, "quantity": r.quantity,
            # each ingredient's supplier and lot (the base's lot among them): checked like the rest
            "manufacturer": " ".join(row.manufacturer for row in r.rows), "lot": " ".join(row.lot for row in r.rows),
        }
        for field, text in texts.items():
            check_printable(text, field, FONT)
            check_printable(text, field, FONT_BOLD)


class A4WorksheetRenderer(WorksheetRenderer):
    pagesize = A4


def worksheet_renderer(paper: str) -> type[WorksheetRenderer]:
    """The renderer class for ``"letter"`` or ``"a4"``."""
    return {"letter": WorksheetRenderer, "a4": A4WorksheetRenderer}[paper]


def fit_width(text: str, font: str, size: float, room: float) -> str:
    """``text``, cut short with an ellipsis when it is wider than ``room`` points (a long patient
    name in the footer would run into the page number)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= room:
        return text
    while text and stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"
