"""The main window's prescription, pharmacy settings, and the calculation sheet (printed or saved as PDF).

The workbench has no batch: what it prints is a calculation sheet, marked as not a compounding
record, with no batch number and no patient label (``compounder.calc.calculation_sheet``). A
worksheet and label with a batch number are printed from the batch the records hold (Records ▸
Make a batch…, reached from here with "Make batch in records…").
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from compounder.calc import InputError
from compounder.ui.workbench.formula_draft import HEADER_LABELS
from compounder.ui.workbench.formula_source import FileSource
from compounder.ui.workbench.window_files import _file_stem
from compounder.ui.workbench.window_parts import WindowParts

if TYPE_CHECKING:
    from compounder.calc.prescription import Document
    from compounder.records.workbench_order import WorkbenchOrder
    from compounder.ui.workbench.prescription_dialog import PrescriptionDialog


class PrintingPart(WindowParts):
    """Prints and exports the calculation sheet (a part of ``MainWindow``)."""

    def edit_prescription(self) -> PrescriptionDialog:
        """The prescription and batch fields, beside the window (one dialog, kept)."""
        if self.prescription_dialog is None:
            from compounder.ui.workbench.prescription_dialog import PrescriptionDialog  # imported when first opened

            self.prescription_dialog = PrescriptionDialog(self.document, self)
        self.prescription_dialog.show()
        self.prescription_dialog.raise_()
        self.prescription_dialog.activateWindow()
        return self.prescription_dialog

    def edit_pharmacy_settings(self) -> bool:
        saved = self.prompts.pharmacy_settings(self.pharmacy, self.pharmacy_path)
        if saved is None:
            return False
        self.pharmacy = saved
        self.statusBar().showMessage(f"Saved the pharmacy settings to {self.pharmacy_path}", 5000)
        return True

    def workbench_order(self) -> WorkbenchOrder:
        """The formula and prescription on screen, as the records take them for a batch."""
        from compounder.records.workbench_order import WorkbenchOrder
        from compounder.ui.workbench.formula_source import LibrarySource

        data = self.document.to_data()
        directions = data.get("directions")
        return WorkbenchOrder(
            formula=self.document.master_data(), name=self.document.header("name"),
            entry_id=self.source.entry_id if isinstance(self.source, LibrarySource) else None,
            prescription=dict(data.get("prescription") or {}), container=data.get("container") or None,
            directions=dict(directions) if isinstance(directions, dict) else None,
        )

    def make_batch_in_records(self) -> bool:
        """Make (or open) the draft batch in the records from what is on screen: Records ▸ Make a
        batch, opened with the formula, the prescription and the lots filled in."""
        if self.batch_maker is None:
            self.prompts.error("No records", "This window has no records to make a batch in.")
            return False
        if self.document.must_be_corrected or self.document.plan is None:
            self.prompts.error("Cannot make the batch", "The formula has errors; make the batch once they are resolved.")
            return False
        if self.document.order_errors:
            lines = [f"{HEADER_LABELS.get(key, key)}: {message}" for key, message in self.document.order_errors.items()]
            self.prompts.error("Cannot make the batch", "Correct the prescription first:\n" + "\n".join(lines))
            self.edit_prescription()
            return False
        self.batch_maker(self.workbench_order())
        return True

    def print_worksheet(self) -> bool:
        """Print the calculation sheet (not a compounding record): on the worksheet printer of the
        pharmacy settings at once, or in the print dialog when none is chosen."""
        return self._print_sheet(choose=False)

    def print_worksheet_on(self) -> bool:
        """The calculation sheet in the print dialog, for a one-off printer whatever the settings chose."""
        return self._print_sheet(choose=True)

    def _print_sheet(self, choose: bool) -> bool:
        pdf = self.document_pdf("calculation")
        if pdf is None:
            return False
        printed = self.prompts.print_pdf(f"calculation sheet {self._title()}", pdf, "worksheet", None, choose=choose)
        if printed:
            self.statusBar().showMessage("Sent the calculation sheet to the printer", 5000)
        return printed

    def export_worksheet(self, path: Path | None = None) -> bool:
        """Save the calculation sheet as a PDF."""
        pdf = self.document_pdf("calculation")
        if pdf is None:
            return False
        if path is None:
            folder = self.source.path.parent if isinstance(self.source, FileSource) else Path.home()
            path = self.prompts.save_pdf_path("Export the calculation sheet as PDF", folder / f"{_file_stem(f'calculation-{self._title()}')}.pdf")
            if path is None:
                return False
        try:
            temporary = path.with_name(path.name + ".part")
            temporary.write_bytes(pdf)
            temporary.replace(path)
        except OSError as error:
            self.prompts.error("Cannot save the calculation sheet", f"{path}:\n{error.strerror or error}")
            return False
        self.statusBar().showMessage(f"Saved the calculation sheet to {path}", 5000)
        return True

    def _screened_patient(self):
        """The patient section the plan was screened for, printed on the worksheet (None without one)."""
        from compounder.calc.patient import screening_inputs

        data = self.document.to_data()
        if self.document.stored_patient is not None:  # the records' profile the plan was screened with
            data = {**data, "patient": self.document.stored_patient}
        try:
            return screening_inputs(data, self.catalog, strict_prescription=False).patient
        except InputError:
            return None

    def document_pdf(self, kind: Document = "calculation") -> bytes | None:
        """The calculation sheet of the formula as it stands, or ``None`` after saying why it may not be printed.

        Every refusal is the engine's: what holds the sheet back and in which order is
        ``calc.print_gate.next_hold``'s answer (error findings, prescription fields it cannot use,
        warnings nobody acknowledged, asked for here). A worksheet or label with a batch number is
        refused here: it is printed from a batch in the records.
        """
        from compounder.calc.print_gate import Hold, PrintReady, next_hold
        from compounder.calc.release import BatchBlocked
        from compounder.documents.batch import calculation_sheet_pdf
        from compounder.documents.common import UnprintableText

        if kind != "calculation":
            self.prompts.error(
                f"No {kind} from the workbench",
                f"A {kind} with a batch number is printed from the batch in the records: Records ▸ Make batch in records… "
                "(Ctrl+B) makes it from this formula and prescription.",
            )
            return None
        title = "Cannot print the calculation sheet"
        while True:  # each hold is shown or asked about; after an answer that clears it, the gate is asked again
            gate = next_hold(
                self.document.plan, self.document.order, kind, must_be_corrected=self.document.must_be_corrected,
                order_has_errors=bool(self.document.order_errors), pharmacy_entered=self.pharmacy is not None,
            )
            if isinstance(gate, PrintReady) or gate.hold is Hold.FINDINGS_OPEN:
                break
            if gate.hold is Hold.FORMULA_ERRORS:
                self.prompts.error(title, "The formula has errors; print it once they are resolved.")
                return None
            if gate.hold is Hold.NO_PHARMACY:
                self.prompts.error(title, "The calculation sheet prints the pharmacy's name, address, phone and licence; enter them first.")
                if not self.edit_pharmacy_settings():
                    return None
                continue
            if gate.hold is Hold.ORDER_ERRORS:
                lines = [f"{HEADER_LABELS.get(key, key)}: {message}" for key, message in self.document.order_errors.items()]
                self.prompts.error(title, "Correct the prescription first:\n" + "\n".join(lines))
                self.edit_prescription()
                return None
            if gate.hold is Hold.MISSING_FIELDS:
                names = ", ".join(HEADER_LABELS.get(key, key) for key in gate.missing)
                self.prompts.error(title, f"The calculation sheet needs: {names}. Enter them under Prescription (Ctrl+R).")
                self.edit_prescription()
                return None
            if gate.hold is Hold.STALE_ACKNOWLEDGEMENTS:
                codes = ", ".join(sorted({ack.code for ack in gate.stale}))
                if not self.prompts.confirm(
                    "Acknowledgements that no longer apply",
                    f"The formula or the patient changed: {codes} is no longer a warning or error of this batch as it was signed for, "
                    "so its acknowledgement cannot be printed. Remove it?",
                ):
                    return None
                gone = {ack.code for ack in gate.stale}
                kept = [item for item in self.document.extra("acknowledged") or [] if str(item.get("code", "")).upper() not in gone]
                self.document.set_extra("acknowledged", kept or None, "Remove acknowledgements that no longer apply")
                continue
            # Hold.OVERRIDES_NEEDED: an override is printed only when a signed-in pharmacist makes it
            # in the records (issue 13); asking for it here would only end in a refusal.
            lines = [f"{f.code}: {f.message}" for f in gate.findings]
            self.prompts.error(
                title,
                f"Not printed: {len(gate.findings)} error(s) for this patient need a pharmacist's override, which is made and "
                "signed in the records: Records ▸ Make a batch….\n\n" + "\n".join(lines),
            )
            return None
        plan, order = self.document.plan, self.document.order
        if not isinstance(gate, PrintReady):  # Hold.FINDINGS_OPEN: warnings to acknowledge (a pharmacist signs for each)
            answers = self.prompts.acknowledge(gate.findings)
            if not answers:
                self.statusBar().showMessage(f"Not printed: {len(gate.findings)} finding(s) not acknowledged or overridden", 8000)
                return None
            from compounder.calc.finding_numbers import fingerprints
            from compounder.calc.plan_data import plan_to_json

            numbers = fingerprints(plan_to_json(plan)) if plan is not None else {}  # each decision bound to the numbers it accepted (issue 28, obs 4)
            answers = [{**answer, "numbers": numbers.get(str(answer.get("code", "")).upper())} for answer in answers]
            self.document.set_extra("acknowledged", [*(self.document.extra("acknowledged") or []), *answers], "Acknowledge findings")
            order = self.document.order
            if order is None:  # the engine refused an answer: say so rather than print
                lines = [f"{key}: {message}" for key, message in self.document.order_errors.items()]
                self.prompts.error(title, "\n".join(lines))
                return None
        pharmacy = self.pharmacy
        if plan is None or order is None or pharmacy is None:  # next_hold said the plan, the order and the pharmacy are there
            return None
        compounded_on = plan.formula.compounded_on or self.document.today
        try:
            return calculation_sheet_pdf(plan, order, self.catalog, compounded_on, pharmacy, patient=self._screened_patient())
        except BatchBlocked as blocked:
            lines = [f"{f.severity.value.upper()} {f.code}: {f.message}" for f in blocked.findings]
            self.prompts.error(title, f"{blocked.reason}.\n" + "\n".join(lines))
        except (InputError, UnprintableText) as error:
            self.prompts.error(title, f"{HEADER_LABELS.get(error.field, error.field)}: {error.message}")
        return None

