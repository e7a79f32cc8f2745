"""The main window's prescription, pharmacy settings, printing and PDF export of the worksheet and label."""

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
    from compounder.ui.workbench.prescription_dialog import PrescriptionDialog


class PrintingPart(WindowParts):
    """Prints and exports the batch documents (a part of ``MainWindow``)."""

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

    def print_worksheet(self) -> bool:
        """On the worksheet printer of the pharmacy settings at once, or in the print dialog when none is chosen."""
        return self._print("worksheet")

    def print_label(self) -> bool:
        return self._print("label")

    def print_worksheet_on(self) -> bool:
        """The print dialog for a one-off printer, whatever the settings chose."""
        return self._print("worksheet", choose=True)

    def print_label_on(self) -> bool:
        return self._print("label", choose=True)

    def export_worksheet(self, path: Path | None = None) -> bool:
        return self._export("worksheet", path)

    def export_label(self, path: Path | None = None) -> bool:
        return self._export("label", path)

    def _print(self, kind: Document, choose: bool = False) -> bool:
        pdf = self.document_pdf(kind)
        if pdf is None:
            return False
        printed = self.prompts.print_pdf(f"{kind} {self._document_name(kind)}", pdf, kind, self._label_zpl if kind == "label" else None, choose=choose)
        if printed:
            self.statusBar().showMessage(f"Sent the {kind} to the printer", 5000)
        return printed

    def _label_zpl(self) -> bytes:
        """The label as ZPL, for a Zebra printer chosen for labels (the same checks as the PDF's)."""
        from compounder.documents.batch import label_zpl

        plan, order, pharmacy = self.document.plan, self.document.order, self.pharmacy
        if plan is None or order is None or pharmacy is None:  # document_pdf printed the label from them a moment ago
            raise ValueError("the label is no longer ready to print")
        return label_zpl(plan, order, self.catalog, plan.formula.compounded_on or self.document.today, pharmacy)

    def _export(self, kind: Document, path: Path | None) -> bool:
        pdf = self.document_pdf(kind)
        if pdf is None:
            return False
        if path is None:
            folder = self.source.path.parent if isinstance(self.source, FileSource) else Path.home()
            path = self.prompts.save_pdf_path(f"Export the {kind} as PDF", folder / f"{_file_stem(f'{kind}-{self._document_name(kind)}')}.pdf")
            if path is None:
                return False
        try:
            temporary = path.with_name(path.name + ".part")
            temporary.write_bytes(pdf)
            temporary.replace(path)
        except OSError as error:
            self.prompts.error(f"Cannot save the {kind}", f"{path}:\n{error.strerror or error}")
            return False
        self.statusBar().showMessage(f"Saved the {kind} to {path}", 5000)
        return True

    def _screened_patient(self):
        """The patient section the plan was screened for, printed on the worksheet (None without one)."""
        from compounder.calc.patient import screening_inputs

        try:
            return screening_inputs(self.document.to_data(), self.catalog, strict_prescription=False).patient
        except InputError:
            return None

    def _document_name(self, kind: str) -> str:
        order = self.document.order
        return (order.batch_number if order is not None and order.batch_number else None) or self._title()

    def document_pdf(self, kind: Document) -> bytes | None:
        """The worksheet or label of the batch as it stands, or ``None`` after saying why it may not be printed.

        Every refusal is the engine's: what holds the document back and in which order is
        ``calc.print_gate.next_hold``'s answer (error findings, prescription fields it cannot use or
        that the document needs, warnings nobody acknowledged, asked for here); then a label that does not fit.
        """
        from compounder.calc.print_gate import Hold, PrintReady, next_hold
        from compounder.calc.release import BatchBlocked
        from compounder.documents.batch import label_pdf, label_stock, worksheet_pdf
        from compounder.documents.common import UnprintableText
        from compounder.documents.label import LabelOverflow

        title = f"Cannot print the {kind}"
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
                self.prompts.error(title, "The worksheet and label print the pharmacy's name, address, phone and licence; enter them first.")
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
                self.prompts.error(title, f"The {kind} needs: {names}. Enter them under Prescription and batch (Ctrl+R).")
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
            if kind == "worksheet":
                return worksheet_pdf(plan, order, self.catalog, compounded_on, pharmacy, patient=self._screened_patient())
            stock = label_stock(pharmacy)
            position = self.prompts.label_position(stock)
            if position is None:
                return None
            try:
                return label_pdf(plan, order, self.catalog, compounded_on, pharmacy, stock, position)
            except LabelOverflow as overflow:
                self.prompts.error(
                    "The label does not fit",
                    f"Nothing was printed: {overflow.message}.\n\nChoose a larger label stock in Pharmacy settings, "
                    "or shorten the directions on the label.",
                )
                return None
        except BatchBlocked as blocked:
            lines = [f"{f.severity.value.upper()} {f.code}: {f.message}" for f in blocked.findings]
            self.prompts.error(title, f"{blocked.reason}.\n" + "\n".join(lines))
        except (InputError, UnprintableText) as error:
            self.prompts.error(title, f"{HEADER_LABELS.get(error.field, error.field)}: {error.message}")
        return None

