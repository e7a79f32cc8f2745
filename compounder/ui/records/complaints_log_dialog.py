"""Complaints and adverse events' screen (issue 25): every one with its batch, a serious adverse
event's MedWatch reminder above until its report date is entered, a form to record one and a
pharmacist's form to enter the outcome and the MedWatch report date."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from compounder.records.policy import Actor, RecordError
from compounder.ui.common.log_screen import AskPath, LogScreen, Sign, ask_pdf_path, ask_signature, parse_day
from compounder.ui.common.records_context import RecordsContext


class ComplaintsLogDialog(LogScreen):
    def __init__(
        self, context: RecordsContext, parent: QWidget | None = None, *, sign: Sign = ask_signature, ask_path: AskPath = ask_pdf_path,
        pharmacy_name: str = "", paper: str = "letter",
    ) -> None:
        super().__init__(context, "complaints", "Complaints and adverse events", parent, sign=sign, ask_path=ask_path, pharmacy_name=pharmacy_name,
                         paper=paper)
        self.kind = QComboBox()
        self.kind.addItems(["complaint", "adverse event"])
        self.reported_by, self.description, self.batch, self.received = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        self.serious = QCheckBox("serious adverse event (death, hospitalisation, disability, life-threatening…): reported to FDA MedWatch")
        self.received.setPlaceholderText("YYYY-MM-DD (empty: today)")
        self.batch.setPlaceholderText("batch number, when known")
        # Closing one (a pharmacist): its number, the outcome, the MedWatch report date.
        self.close_number, self.outcome, self.medwatch = QLineEdit(), QLineEdit(), QLineEdit()
        self.close_number.setPlaceholderText("to record an outcome or a MedWatch report: the entry's number (then only these two fields)")
        self.medwatch.setPlaceholderText("YYYY-MM-DD reported to MedWatch")
        for label, field in (("&Kind", self.kind), ("Reported &by", self.reported_by), ("&Description", self.description), ("B&atch", self.batch),
                             ("&Received", self.received), ("", self.serious), ("Entry &no.", self.close_number), ("&Outcome", self.outcome),
                             ("&MedWatch report", self.medwatch)):
            self.form.addRow(label, field)

    def save(self, session, signer: Actor, now: dt.datetime) -> str:
        from compounder.records.quality_logs import close_complaint, record_complaint

        if self.close_number.text().strip():
            try:
                number = int(self.close_number.text().strip())
            except ValueError:
                raise RecordError(f"entry no.: {self.close_number.text().strip()!r}; give the number in the first column") from None
            medwatch = parse_day(self.medwatch.text(), "MedWatch report") if self.medwatch.text().strip() else None
            row = close_complaint(session, signer, number, now, outcome=self.outcome.text() or None, medwatch_on=medwatch)
            return f"No. {row.id}: outcome {row.outcome or 'open'}; MedWatch {row.medwatch_on.isoformat() if row.medwatch_on else '—'}."
        received = parse_day(self.received.text(), "received") if self.received.text().strip() else self._context.today()
        row = record_complaint(session, signer, self.kind.currentText(), received, self.reported_by.text(), self.description.text(), now,
                               batch_number=self.batch.text() or None, serious=self.serious.isChecked())
        return f"Recorded {row.kind} no. {row.id}." + (f" {row.reminder}." if row.reminder else "")

    def clear_form(self) -> None:
        super().clear_form()
        self.serious.setChecked(False)
