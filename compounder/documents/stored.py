"""The worksheet and label of a stored batch: the frozen sheet with what the record holds since
(lots, actual weights with their deviation, signatures), and on a reprint "REPRINT" with when and
by whom on every page.

ReportLab only; the values come from ``compounder.calc.batch_document``.
"""

from __future__ import annotations

import datetime as dt

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Spacer, Table

from compounder.calc.batch_document import PrintMark, StoredWorksheet, WeighedLine, WeighedStep
from compounder.calc.label_stock import LabelStock
from compounder.calc.labeling import LabelContent
from compounder.calc.record import WeighRow
from compounder.documents.common import FONT, FONT_BOLD, check_printable, escape
from compounder.documents.label import LabelRenderer
from compounder.documents.plain_text import paragraph
from compounder.documents.worksheet import Cell, WorksheetRenderer
from compounder.settings import PharmacySettings, refuse_example_pharmacy

REPRINT_HUE = colors.Color(0.69, 0.0, 0.13)


#: The meaning of each signature row of the worksheet, as printed beside the signer's name.
_MEANING = {"Prepared by": "prepared", "Checked by": "checked", "Verified by (pharmacist)": "verified (pharmacist)"}


class StoredWorksheetRenderer(WorksheetRenderer):
    """The bench's worksheet with its blanks filled from the record, on the pharmacy's paper
    (or ``paper``, "letter" or "a4")."""

    def __init__(self, stored: StoredWorksheet, pharmacy: PharmacySettings, paper: str | None = None) -> None:
        self.stored = stored  # before the sheet is laid out: the overridden steps below read it
        super().__init__(stored.record, pharmacy, paper or pharmacy.worksheet_paper)
        # What was typed into the compounding record since (issue 25): refused by name if the fonts cannot print it.
        for field, text in (("qc", " ".join(qc.result for qc in stored.qc)), ("deviations", " ".join(stored.deviations)), ("remake", stored.remake)):
            check_printable(text, field, FONT)
            check_printable(text, field, FONT_BOLD)

    def story(self) -> list[Flowable]:
        stored = self.stored
        state = f"Record status: <b>{escape(stored.status)}</b>; weighing tolerance ± {stored.tolerance_percent} %."
        if stored.amends:
            state += f" <b>Amends batch {escape(stored.amends)}</b>: {escape(stored.amendment_reason or '')}"
        if stored.mark.reprint:
            state = f"<font color='#b00020'><b>{escape(stored.mark.text())}</b></font>. " + state
        if stored.surplus:  # what is made beyond the quantity dispensed, and what becomes of it
            state += f"<br/><b>{escape(stored.surplus)}</b>"
        if stored.preparation_time:
            state += f"<br/>Time of preparation: <b>{escape(stored.preparation_time)}</b>"
        if stored.remake:
            state += f"<br/><b>{escape(stored.remake)}</b>"
        return [paragraph(state, self.styles["body"]), *self._refill_changes(), *super().story(), *self._blind_checks()]

    def _refill_changes(self) -> list[Flowable]:
        """A refill to a changed formula: what changed since the last batch, and who signed it (issue 24)."""
        signed = self.stored.refill_changes
        if signed is None:
            return []
        changes = "".join(f"<br/>• {escape(change)}" for change in signed.changes)
        return [Spacer(1, 3), paragraph(f"<b>{escape(signed.heading)}:</b>{changes}<br/><i>{escape(signed.signature)}</i>", self.styles["body"]), Spacer(1, 6)]

    def _blind_checks(self) -> list[Flowable]:
        """The blind double checks at verification, after the signatures (issue 24)."""
        return [paragraph(escape(line), self.styles["small"]) for line in self.stored.blind_checks]

    def check_rows(self) -> list[tuple[str, str]]:
        """The sheet's checks, then those the master formula asks that it does not list (the pH)."""
        rows = super().check_rows()
        listed = {name.casefold() for name, _ in rows}
        return rows + [(qc.check if qc.check[:1].isupper() or qc.check[1:2].isupper() else qc.check.capitalize(), qc.specification)
                       for qc in self.stored.qc if qc.check.casefold() not in listed]

    def check_result_cells(self, name: str) -> list[Cell]:
        """The result entered in Compounder, a failed one marked, with who entered it when; a check
        the master formula asks with no result yet says so (verification waits for it)."""
        qc = next((qc for qc in self.stored.qc if qc.check.casefold() == name.casefold()), None)
        if qc is None:
            return ["", ""]
        if not qc.result:
            return [paragraph("<b>not entered</b>", self.styles["cell"]), ""]
        verdict = "" if qc.passed else "<br/><font color='#b00020'><b>DOES NOT MEET THE SPECIFICATION</b></font>"
        return [paragraph(f"{escape(qc.result)}{verdict}", self.styles["cell"]), paragraph(escape(qc.entered), self.styles["small"])]

    def quality_control(self) -> list[Flowable]:
        """The checks with their results, then the deviations with the pharmacist's decision."""
        found = super().quality_control()
        s = self.styles
        if not self.stored.deviations:
            return [*found, paragraph("Deviations: none recorded.", s["body"])]
        rows = [[paragraph(escape(text), s["cell"])] for text in self.stored.deviations]
        table = Table([[paragraph("Deviations from the master formula, with the pharmacist's decision", s["head"])], *rows],
                      colWidths=[self.pagesize[0] - self.left_margin - self.right_margin], repeatRows=1, splitInRow=1)
        table.setStyle(self._grid_style())
        return [*found, Spacer(1, 4), table]

    def _line(self, row: WeighRow) -> WeighedLine | None:
        return next((line for line in self.stored.lines if line.position == row.number), None)

    def actual_cell(self, row: WeighRow) -> Cell:
        line = self._line(row)
        if line is not None and line.steps:
            return self._aliquot_portion_cell(row, line)
        if line is None or line.actual is None:
            return ""
        places = len(row.quantity.partition(".")[2])  # the balance's digits, as the target is printed
        text = f"<b>{line.actual:.{places}f}</b> g"
        if line.deviation_percent is not None:
            text += f"<br/>{line.deviation_percent:+} %"
        if line.out_of_tolerance:
            text += f"<br/><font color='#b00020'><b>OUTSIDE ± {self.stored.tolerance_percent} %</b></font>"
        if line.how_weighed:
            text += "".join(f"<br/><font size=7>{escape(part)}</font>" for part in line.how_weighed.split(" · "))
        if row.aliquot and line.target is not None:
            # A batch stored before the aliquot's weighings were recorded: its one weight per line was
            # checked against the drug's own grams, while the Required beside it is the portion.
            text += f"<br/><font size=7>checked against {line.target:.{places}f} g, the drug itself, not the portion</font>"
        return paragraph(text, self.styles["cell"])

    def _aliquot_portion_cell(self, row: WeighRow, line: WeighedLine) -> Cell:
        """The line's row of an aliquot line is its portion of the mixture (Required: the portion):
        the portion as weighed, then the drug the three weighings delivered, against the drug's own grams."""
        places = len(row.quantity.partition(".")[2])
        portion = line.step("portion")
        if portion is None or portion.actual is None:
            return ""
        text = self._step_text(portion, places)
        if line.actual is not None and line.target is not None:
            hue = "#b00020" if line.out_of_tolerance else "#000000"
            text += (
                f"<br/><font size=7 color='{hue}'>drug delivered {line.actual:.{places + 2}f} g of {line.target:.{places}f} g"
                + (f", {line.deviation_percent:+} %" if line.deviation_percent is not None else "") + "</font>"
            )
            if line.out_of_tolerance:
                text += f"<br/><font color='#b00020'><b>LINE OUTSIDE ± {self.stored.tolerance_percent} %</b></font>"
        identity = {"scanned": "container scanned", "by hand": "container confirmed by hand"}.get(line.identity or "")
        if identity:
            text += f"<br/><font size=7>{identity}</font>"
        return paragraph(text, self.styles["cell"])

    def _step_text(self, step: WeighedStep, places: int) -> str:
        text = f"<b>{step.actual:.{places}f}</b> g"
        if step.deviation_percent is not None:
            # of its target as it stood when it was weighed (adapted to the weighings before it)
            text += f"<br/>{step.deviation_percent:+} % of {step.target:.{places}f} g"
        if step.out_of_tolerance:
            text += f"<br/><font color='#b00020'><b>OUTSIDE ± {self.stored.tolerance_percent} %</b></font>"
        if step.how_weighed:
            text += f"<br/><font size=7>{escape(step.how_weighed)}</font>"
        return text

    def aliquot_actual_cell(self, row: WeighRow, step: int) -> Cell:
        """One of the aliquot's own weighings (0: the ingredient, 1: the diluent). Recorded: its
        actual, deviation and source; not yet: blank until weighed. A batch stored before these
        weighings were recorded (no step rows) kept one weight per line: once the line is weighed,
        or the batch is past its draft, the cell says so rather than stay a blank that could be
        filled in afterwards."""
        line = self._line(row)
        if line is not None and line.steps:
            recorded = line.step(("ingredient", "diluent")[step])
            if recorded is None or recorded.actual is None:
                return ""
            return paragraph(self._step_text(recorded, len(row.quantity.partition(".")[2])), self.styles["cell"])
        weighed = line is not None and line.actual is not None
        if not weighed and self.stored.status == "draft":
            return ""
        return paragraph("<b>not recorded</b><br/><font size=7>in Compounder</font>", self.styles["cell"])

    def initials_cell(self, row: WeighRow, step: int | None) -> Cell:
        """Who weighed an aliquot's weighing, from the record (the portion's on the line's row)."""
        line = self._line(row)
        if line is None or not line.steps:
            return ""
        recorded = line.step("portion" if step is None else ("ingredient", "diluent")[step])
        if recorded is None or recorded.actual is None or not recorded.initials:
            return ""
        return paragraph(f"<b>{escape(recorded.initials)}</b>", self.styles["cell"])

    def signature_cells(self, role: str) -> list[Cell]:
        """The signer's printed name, that it was signed electronically and with what meaning, and
        the date and time (21 CFR 11.50)."""
        signature = next((s for s in self.stored.signatures if s.role == role), None)
        if signature is None or signature.name is None or signature.at is None:
            return ["", "", "", ""]
        at = signature.at.astimezone(dt.UTC)
        return [
            paragraph(escape(signature.name), self.styles["cell"]),
            paragraph(f"signed with password: {_MEANING.get(role, role.lower())}", self.styles["small"]),
            paragraph(at.date().isoformat(), self.styles["cell"]),
            paragraph(f"{at:%H:%M} UTC", self.styles["cell"]),
        ]

    def draw_mark(self, canvas: Canvas, x: float, y: float) -> None:
        if not self.stored.mark.reprint:
            return
        canvas.setFont(FONT_BOLD, 11)
        canvas.setFillColor(REPRINT_HUE)
        canvas.drawString(x, y, "REPRINT")
        canvas.setFont(FONT, 7.5)
        canvas.drawString(x, y - 10, self.stored.mark.text().removeprefix("REPRINT "))

    def draw_footer(self, canvas: Canvas, page: int, pages: int) -> None:
        super().draw_footer(canvas, page, pages)
        if self.stored.mark.reprint:
            canvas.saveState()
            canvas.setFont(FONT_BOLD, 8)
            canvas.setFillColor(REPRINT_HUE)
            canvas.drawCentredString(self.pagesize[0] / 2, self.bottom_margin - 32, self.stored.mark.text())
            canvas.restoreState()


def stored_worksheet_pdf(stored: StoredWorksheet, pharmacy: PharmacySettings, paper: str | None = None) -> bytes:
    refuse_example_pharmacy(pharmacy)
    return StoredWorksheetRenderer(stored, pharmacy, paper).render()


def stored_label_pdf(content: LabelContent, pharmacy: PharmacySettings, stock: LabelStock, position: int = 1) -> bytes:
    refuse_example_pharmacy(pharmacy)
    return LabelRenderer(content, pharmacy, stock, position).render()


__all__ = ["PrintMark", "StoredWorksheetRenderer", "stored_label_pdf", "stored_worksheet_pdf"]
