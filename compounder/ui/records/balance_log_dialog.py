"""The balance log's screen (issue 25): today's state of each registered balance (a check due
or failed blocks its weighing; calibration and certificate due dates warn ahead), every daily
check with its test weights, a form to record today's check, and one to register a balance."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from compounder.records.policy import Actor
from compounder.ui.common.log_screen import AskPath, LogScreen, Sign, ask_pdf_path, ask_signature, parse_day
from compounder.ui.common.records_context import Failed, RecordsContext

TEST_WEIGHT_ROWS = 3


class BalanceLogDialog(LogScreen):
    def __init__(
        self, context: RecordsContext, parent: QWidget | None = None, *, sign: Sign = ask_signature, ask_path: AskPath = ask_pdf_path,
        pharmacy_name: str = "", paper: str = "letter",
    ) -> None:
        super().__init__(context, "balance", "Balance log", parent, sign=sign, ask_path=ask_path, pharmacy_name=pharmacy_name, paper=paper)
        self.balance = QComboBox()
        self.balance.setEditable(True)
        self.form.addRow("&Balance", self.balance)
        self.weights: list[tuple[QLineEdit, QLineEdit, QLineEdit]] = []
        for number in range(1, TEST_WEIGHT_ROWS + 1):
            name, value, read = QLineEdit(), QLineEdit(), QLineEdit()
            name.setPlaceholderText("test weight: value, class, serial or certificate")
            value.setPlaceholderText("value, g")
            read.setPlaceholderText("balance read, g")
            row = QHBoxLayout()
            row.addWidget(name, 3)
            row.addWidget(value, 1)
            row.addWidget(read, 1)
            self.form.addRow(f"Test weight {number}", row)  # a row of three fields: no single buddy for a mnemonic
            self.weights.append((name, value, read))
        self.note = QLineEdit()
        self.form.addRow("&Note", self.note)
        self.add_button.setText("&Sign and record the check")
        # Registering a balance (a pharmacist or an administrator).
        self.code, self.name, self.tolerance = QLineEdit(), QLineEdit(), QLineEdit()
        self.calibration_due, self.certificate_due = QLineEdit(), QLineEdit()
        self.code.setPlaceholderText("the ID the balance sends with its readings")
        self.tolerance.setPlaceholderText("% of the test weight, as the pharmacy's SOP sets it (USP <41>: 0.10 %)")
        for field in (self.calibration_due, self.certificate_due):
            field.setPlaceholderText("YYYY-MM-DD")
        register = QGroupBox("Register a balance (pharmacist or administrator)")
        form = QFormLayout()
        for label, field in (("Balance I&D", self.code), ("Na&me", self.name), ("Daily-check &tolerance", self.tolerance),
                             ("Calibration &due", self.calibration_due), ("Certificate d&ue", self.certificate_due)):
            form.addRow(label, field)
        self.register_button = QPushButton("Sign and re&gister")
        self.register_button.clicked.connect(self.register)
        inner = QVBoxLayout(register)
        inner.addLayout(form)
        inner.addWidget(self.register_button)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(3, register)
        self._fill_balances()

    def _fill_balances(self) -> None:
        from compounder.records.quality_balance import codes

        found = self._context.run(codes, write=False)
        current = self.balance.currentText()
        self.balance.clear()
        if not isinstance(found, Failed):
            self.balance.addItems(found)
        if current:
            self.balance.setEditText(current)

    def meaning(self) -> str:
        return f"I checked balance {self.balance.currentText().strip()} with these test weights, and the readings are as entered"

    def save(self, session, signer: Actor, now: dt.datetime) -> str:
        from compounder.records.quality_balance import TestWeight, record_check

        weights = [TestWeight(n.text(), v.text(), r.text()) for n, v, r in self.weights if n.text().strip() or v.text().strip() or r.text().strip()]
        check = record_check(session, signer, self.balance.currentText(), weights, self._context.today(), now, note=self.note.text())
        if check.passed:
            return f"Balance {check.code} passed today's check: it may weigh today."
        failed = ", ".join(f"{w.weight} {w.deviation_percent:+f} %" for w in check.weights if not w.passed)
        return f"Balance {check.code} FAILED today's check ({failed}; ± {check.tolerance_percent:f} % allowed): it records no weight until a check passes."

    def clear_form(self) -> None:
        for row in self.weights:
            for field in row[1:]:
                field.clear()  # the test weights' names stay: the same set is used each day
        self.note.clear()

    def register(self) -> None:
        from compounder.records.quality_balance import register_balance

        if self._context.actor is None:
            self._say("Sign in first (Records ▸ Sign in…)", error=True)
            return
        signer = self._sign(self, self._context, f"I register balance {self.code.text().strip()} with these due dates and tolerance")
        if signer is None:
            self._say("Not signed: nothing was registered", error=True)
            return

        def write(session):
            calibration = parse_day(self.calibration_due.text(), "calibration due") if self.calibration_due.text().strip() else None
            certificate = parse_day(self.certificate_due.text(), "certificate due") if self.certificate_due.text().strip() else None
            return register_balance(session, signer, self.code.text(), self.name.text(), self.tolerance.text(), self._context.now(session),
                                    calibration_due=calibration, certificate_due=certificate)

        state = self._context.run(write)
        if isinstance(state, Failed):
            self._say(state.text + " — nothing was registered", error=True)
            return
        for field in (self.code, self.name, self.tolerance, self.calibration_due, self.certificate_due):
            field.clear()
        self._fill_balances()
        self.refresh()
        self._say(f"Registered balance {state.code}; record today's check before it weighs.")
