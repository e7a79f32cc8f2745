"""The SOP register's screen (issue 25): each SOP with its version and review date, reviews due
within 30 days or overdue named above, a pharmacist's form to enter an SOP or its review."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QLineEdit, QWidget

from compounder.records.policy import Actor
from compounder.ui.common.log_screen import AskPath, LogScreen, Sign, ask_pdf_path, ask_signature, parse_day
from compounder.ui.common.records_context import RecordsContext


class SopRegisterDialog(LogScreen):
    def __init__(
        self, context: RecordsContext, parent: QWidget | None = None, *, sign: Sign = ask_signature, ask_path: AskPath = ask_pdf_path,
        pharmacy_name: str = "", paper: str = "letter",
    ) -> None:
        super().__init__(context, "sops", "SOP register", parent, sign=sign, ask_path=ask_path, pharmacy_name=pharmacy_name, paper=paper)
        self.code, self.title, self.version, self.effective, self.review_due = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        self.effective.setPlaceholderText("YYYY-MM-DD (empty: today)")
        self.review_due.setPlaceholderText("YYYY-MM-DD")
        for label, field in (("&Code", self.code), ("&Title", self.title), ("&Version", self.version), ("In force &from", self.effective),
                             ("&Review due", self.review_due)):
            self.form.addRow(label, field)
        self.add_button.setText("&Sign and enter (pharmacist)")

    def save(self, session, signer: Actor, now: dt.datetime) -> str:
        from compounder.records.quality_logs import register_sop

        effective = parse_day(self.effective.text(), "in force from") if self.effective.text().strip() else self._context.today()
        row = register_sop(session, signer, self.code.text(), self.title.text(), self.version.text(), effective, parse_day(self.review_due.text(), "review due"), now)
        return f"SOP {row.code} version {row.version}: next review {row.review_due.isoformat()}."
