"""The equipment and cleaning log's screen (issue 25): every entry, and a form to add one."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from compounder.records.policy import Actor
from compounder.ui.common.log_screen import AskPath, LogScreen, Sign, ask_pdf_path, ask_signature, parse_day
from compounder.ui.common.records_context import RecordsContext


class EquipmentLogDialog(LogScreen):
    def __init__(
        self, context: RecordsContext, parent: QWidget | None = None, *, sign: Sign = ask_signature, ask_path: AskPath = ask_pdf_path,
        pharmacy_name: str = "", paper: str = "letter",
    ) -> None:
        super().__init__(context, "equipment", "Equipment and cleaning log", parent, sign=sign, ask_path=ask_path, pharmacy_name=pharmacy_name, paper=paper)
        self.equipment, self.note, self.day = QLineEdit(), QLineEdit(), QLineEdit()
        self.kind = QComboBox()
        self.kind.addItems(["cleaning", "maintenance", "check"])
        self.day.setPlaceholderText(f"YYYY-MM-DD (empty: today, {context.today().isoformat()})")
        for label, field in (("&Equipment", self.equipment), ("&Kind", self.kind), ("&What was done", self.note), ("&Day", self.day)):
            self.form.addRow(label, field)

    def save(self, session, signer: Actor, now: dt.datetime) -> str:
        from compounder.records.quality_logs import log_equipment

        day = parse_day(self.day.text(), "day") if self.day.text().strip() else self._context.today()
        row = log_equipment(session, signer, self.equipment.text(), self.kind.currentText(), day, self.note.text(), now)
        return f"Logged the {row.kind} of {row.equipment} on {row.done_on.isoformat()}."
