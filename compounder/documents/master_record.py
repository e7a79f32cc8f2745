"""The printed master formulation record (USP <795>, 2023): every element the chapter lists,
from ``calc.master_record_sheet``, an element the pharmacy has not written printed as MISSING
(and listed at the top), never filled in.

``master_record_pdf(sheet, pharmacy, paper)`` returns PDF bytes; ReportLab only.
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from compounder import __version__
from compounder.calc.master_record_sheet import MISSING, MasterRecordSheet
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
MISSING_HUE = "#b00020"
_PAGES = {"letter": LETTER, "a4": A4}


class MasterRecordRenderer:
    margin = 0.6 * inch

    def __init__(self, sheet: MasterRecordSheet, pharmacy: PharmacySettings, paper: str = "letter") -> None:
        register_fonts()
        self.sheet, self.pharmacy, self.pagesize = sheet, pharmacy, _PAGES[paper]
        self._check_text()
        base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5)
        self.styles = {
            "body": base,
            "title": ParagraphStyle("title", base, fontName=FONT_BOLD, fontSize=14, leading=17),
            "heading": ParagraphStyle("heading", base, fontName=FONT_BOLD, fontSize=10.5, leading=13, spaceBefore=8, spaceAfter=3,
                                      keepWithNext=1),  # a section's heading never ends a page without its content
            "label": ParagraphStyle("label", base, fontSize=7.5, leading=9.5, textColor=colors.Color(0.25, 0.25, 0.25)),
            "head": ParagraphStyle("head", base, fontName=FONT_BOLD, fontSize=8, leading=10),
            "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=10.5),
            "lead": ParagraphStyle("lead", base, fontSize=8.5, leading=10.5, keepWithNext=1),  # says what the table after it shows
            "small": ParagraphStyle("small", base, fontSize=7, leading=9),
        }

    def render(self) -> bytes:
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer, pagesize=self.pagesize, leftMargin=self.margin, rightMargin=self.margin, topMargin=self.margin,
            bottomMargin=self.margin, title=f"Master formulation record — {self.sheet.name}", author=self.pharmacy.name,
            subject=self.sheet.version, creator=CREATOR, producer=CREATOR, invariant=1,
        )
        self._width = self.pagesize[0] - 2 * self.margin
        doc.build(self.story(), canvasmaker=numbered_canvas(self.draw_footer))
        return buffer.getvalue()

    def draw_footer(self, canvas, page: int, pages: int) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.drawString(self.margin, self.margin - 22, f"Master formulation record · {self.sheet.version}"[:140])
        canvas.drawCentredString(self.pagesize[0] / 2, self.margin - 34, f"Compounder {__version__}")
        canvas.setFont(FONT_BOLD, 8.5)
        canvas.drawRightString(self.pagesize[0] - self.margin, self.margin - 34, f"Page {page} of {pages}")
        canvas.restoreState()

    # ------------------------------------------------------------------ the story

    def story(self) -> list[Flowable]:
        sheet, s = self.sheet, self.styles
        story: list[Flowable] = [
            Paragraph(escape(self.pharmacy.name), s["heading"]),
            Paragraph(escape(" · ".join((*self.pharmacy.address, f"Phone {self.pharmacy.phone}", licence_line(self.pharmacy.licence)))), s["small"]),
            Spacer(1, 6),
            Paragraph("MASTER FORMULATION RECORD", s["title"]),
            Paragraph(escape(sheet.version), s["body"]),
            Spacer(1, 4),
        ]
        if sheet.missing:
            story.append(self._box(
                f"<font color='{MISSING_HUE}'><b>Elements missing ({len(sheet.missing)}):</b></font> " + escape("; ".join(sheet.missing))
                + ". Write them in the master formula (Formula library ▸ Master formulation record, or "
                "<i>compounder formulas record</i>) and have the new version approved."))
        story += [
            self._heading("1. Preparation"),
            self._facts([("Name", sheet.name), ("Strength", sheet.strength), ("Dosage form", f"{sheet.dosage_form} ({sheet.base})"),
                         ("Batch quantity", sheet.batch)]),
            self._heading("2. Ingredients: identity, amount and relevant characteristics"),
            self._ingredients(),
            self._heading("3. Calculations"),
            self._numbered(sheet.calculations),
            self._heading("4. Container–closure system"),
            self._text(sheet.container_closure),
            self._heading("5. Equipment"),
            self._text("; ".join(sheet.equipment) if sheet.equipment else None),
            self._heading("6. Compounding steps"),
        ]
        if not sheet.steps_written:
            story.append(Paragraph(f"<font color='{MISSING_HUE}'><b>{MISSING}.</b></font> The worksheet prints Compounder's general "
                                   "steps for this base and these actives, shown here:", s["lead"]))
        story += [
            self._numbered(sheet.steps),
            self._heading("7. Physical description of the preparation"),
            self._text(sheet.description),
            self._heading("8. Beyond-use date and storage"),
            self._facts([("Beyond-use date", sheet.beyond_use), ("Storage", sheet.storage), ("How it was set", sheet.beyond_use_reason),
                         ("Supporting reference", sheet.bud_reference)]),
            self._heading("9. Labelling requirements"),
            self._text(sheet.labelling),
            self._heading("10. Quality control"),
        ]
        if not sheet.qc_written:
            story.append(Paragraph(f"<font color='{MISSING_HUE}'><b>{MISSING}.</b></font> Every batch is still checked for its final "
                                   "weight and its appearance:", s["lead"]))
        story += [
            self._table([("Check", "Specification"), *sheet.qc], (0.2, 0.8)),
            self._heading("11. Other information needed to repeat the preparation"),
            Paragraph(escape(sheet.notes) if sheet.notes else "none written", s["cell"]),
            Spacer(1, 10),
            KeepTogether([self._heading("Approval"), Paragraph(escape(sheet.version), s["cell"])]),
        ]
        return story

    def _heading(self, text: str) -> Paragraph:
        return Paragraph(escape(text), self.styles["heading"])

    def _value(self, text: str | None) -> Paragraph:
        if text is None:
            return Paragraph(f"<font color='{MISSING_HUE}'><b>{MISSING}</b></font>", self.styles["cell"])
        return Paragraph(escape(text), self.styles["cell"])

    def _text(self, text: str | None) -> Flowable:
        return self._box_of(self._value(text))

    def _box(self, html: str) -> Table:
        return self._box_of(Paragraph(html, self.styles["cell"]))

    def _box_of(self, flowable: Flowable) -> Table:
        table = Table([[flowable]], colWidths=[self._width])
        table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, GRID), ("LEFTPADDING", (0, 0), (-1, -1), 4)]))
        return table

    def _facts(self, rows: list[tuple[str, str | None]]) -> Table:
        table = Table([[Paragraph(escape(label), self.styles["label"]), self._value(value)] for label, value in rows],
                      colWidths=[self._width * 0.2, self._width * 0.8])
        table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEBELOW", (0, 0), (-1, -2), 0.25, colors.Color(0.75, 0.75, 0.75))]))
        return table

    def _numbered(self, items: tuple[str, ...]) -> Table:
        return self._table([("#", "Text"), *((str(i), text) for i, text in enumerate(items, start=1))], (0.05, 0.95))

    def _ingredients(self) -> Table:
        rows: list[list[Flowable]] = [[Paragraph(h, self.styles["head"]) for h in ("Ingredient (weighed)", "Role", "Amount", "Relevant characteristics")]]
        for item in self.sheet.ingredients:
            weighed = item.name if item.weighed == item.name else f"{item.name} (weighed as {item.weighed})"
            rows.append([Paragraph(f"<b>{escape(weighed)}</b><br/>{escape(item.provides)}", self.styles["cell"]),
                         Paragraph(escape(item.role), self.styles["cell"]), Paragraph(escape(item.amount), self.styles["cell"]),
                         self._value(item.characteristics)])
        table = Table(rows, colWidths=[self._width * share for share in (0.34, 0.1, 0.14, 0.42)], repeatRows=1)
        table.setStyle(self._grid())
        return table

    def _table(self, rows, shares: tuple[float, ...]) -> Table:
        head, *body = rows
        cells = [[Paragraph(escape(h), self.styles["head"]) for h in head]]
        cells += [[Paragraph(escape(str(value)), self.styles["cell"]) for value in row] for row in body]
        table = Table(cells, colWidths=[self._width * share for share in shares], repeatRows=1, splitInRow=1)
        table.setStyle(self._grid())
        return table

    @staticmethod
    def _grid() -> TableStyle:
        return TableStyle([("GRID", (0, 0), (-1, -1), 0.5, GRID), ("BACKGROUND", (0, 0), (-1, 0), SHADE), ("VALIGN", (0, 0), (-1, -1), "TOP")])

    def _check_text(self) -> None:
        sheet = self.sheet
        texts = {
            "formula": sheet.name, "version": sheet.version, "container_closure": sheet.container_closure or "",
            "equipment": " ".join(sheet.equipment), "steps": " ".join(sheet.steps), "description": sheet.description or "",
            "bud_reference": sheet.bud_reference or "", "labelling": sheet.labelling or "", "notes": sheet.notes or "",
            "characteristics": " ".join(i.characteristics or "" for i in sheet.ingredients),
            "quality_control": " ".join(spec for _check, spec in sheet.qc), "pharmacy.name": self.pharmacy.name,
        }
        for field, text in texts.items():
            check_printable(text, field, FONT)
            check_printable(text, field, FONT_BOLD)


def master_record_pdf(sheet: MasterRecordSheet, pharmacy: PharmacySettings, paper: str | None = None) -> bytes:
    return MasterRecordRenderer(sheet, pharmacy, paper or pharmacy.worksheet_paper).render()
