"""The pharmacy's blind double check at verification, as an administrator sets it (issue 24): on
for every active (the default), on for every line, or off. Saved in the records
(``records.blind_check.set_blind_check_rule``: administrators only, audited); a refusal is said
in the dialog and nothing is saved.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QRadioButton, QVBoxLayout, QWidget

from compounder.records.blind_check import blind_check_rule, set_blind_check_rule
from compounder.records.errors import RecordsError
from compounder.ui.common.inline_error import error_label, say
from compounder.ui.common.records_context import Failed, RecordsContext, problem_text

CHOICES = (
    (True, "actives", "&On: the grams of every active, and its mg/g or mg per click where the label states one (the default)"),
    (True, "all", "On for &every line: the base and excipients' grams too"),
    (False, "actives", "O&ff: the verifying pharmacist sees the preparer's figures at once"),
)


class BlindCheckSettingDialog(QDialog):
    def __init__(self, context: RecordsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("blindCheckSettingDialog")
        self.setWindowTitle("Blind check at verification")
        self._context = context
        layout = QVBoxLayout(self)
        self.current = QLabel(self)
        self.current.setWordWrap(True)
        layout.addWidget(self.current)
        self.choices = [QRadioButton(text, self) for _on, _lines, text in CHOICES]
        for button in self.choices:
            layout.addWidget(button)
        self.message = error_label(self, "message")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        try:
            with context.reading() as session:
                rule = blind_check_rule(session)
        except RecordsError as error:
            say(self.message, problem_text(error))
            return
        set_by = f" (set by {rule.changed[0]})" if rule.changed else " (the default)"
        self.current.setText(f"The pharmacy's blind check: {rule.text}{set_by}. Each change is written in the audit trail.")
        index = next(i for i, (on, lines, _text) in enumerate(CHOICES) if on == rule.on and (lines == rule.lines or not on))
        self.choices[index].setChecked(True)

    def accept(self) -> None:
        actor = self._context.actor
        if actor is None:
            say(self.message, "sign in as an administrator (Records ▸ Sign in) to change the blind check")
            return
        on, lines, _text = next(choice for choice, button in zip(CHOICES, self.choices, strict=True) if button.isChecked())
        done = self._context.run(lambda session: set_blind_check_rule(session, actor, on, lines, self._context.now(session)))
        if isinstance(done, Failed):
            say(self.message, done.text)
            return
        super().accept()
