"""Training and competency's screen (issue 25): who may prepare which dosage form until when,
a pharmacist's form to record an assessment, and the pharmacy's rule in words above."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QLineEdit, QWidget

from compounder.records.policy import Actor
from compounder.ui.common.log_screen import AskPath, LogScreen, Sign, ask_pdf_path, ask_signature, parse_day
from compounder.ui.common.records_context import RecordsContext


class CompetencyLogDialog(LogScreen):
    def __init__(
        self, context: RecordsContext, parent: QWidget | None = None, *, sign: Sign = ask_signature, ask_path: AskPath = ask_pdf_path,
        pharmacy_name: str = "", paper: str = "letter",
    ) -> None:
        super().__init__(context, "competency", "Training and competency", parent, sign=sign, ask_path=ask_path, pharmacy_name=pharmacy_name, paper=paper)
        self.person, self.form_name, self.assessed, self.until, self.note = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        self.person.setPlaceholderText("user name")
        self.form_name.setPlaceholderText("cream, gel, ointment…")
        self.assessed.setPlaceholderText("YYYY-MM-DD (empty: today)")
        self.until.setPlaceholderText("YYYY-MM-DD")
        for label, field in (("&Person", self.person), ("&Dosage form", self.form_name), ("&Assessed on", self.assessed),
                             ("Valid &until", self.until), ("&Note", self.note)):
            self.form.addRow(label, field)
        self.add_button.setText("&Sign the assessment (pharmacist)")

    def meaning(self) -> str:
        return f"I assessed {self.person.text().strip()} competent to prepare a {self.form_name.text().strip()}"

    def save(self, session, signer: Actor, now: dt.datetime) -> str:
        from compounder.records.quality_logs import record_competency

        assessed = parse_day(self.assessed.text(), "assessed on") if self.assessed.text().strip() else self._context.today()
        row = record_competency(session, signer, self.person.text(), self.form_name.text(), assessed, parse_day(self.until.text(), "valid until"), now,
                                note=self.note.text())
        return f"{row.person} may prepare a {row.dosage_form} until {row.valid_until.isoformat()}."
