"""The blind double check's step on the verify path (issue 24): before the preparer's figures are
shown, the verifying pharmacist types the figures they worked out themselves, one field each
(the records name which: ``records.blind_check.standing``). "Compare my figures" stores the
check (match or not) and answers: a mismatch shows both figures and the plan's calculation and
the batch is not verified; a match opens the verify view. No pharmacy logic here: the
comparison is ``calc.blind_check``'s, run by the records.

Keys (issue 28): Enter in a figure goes on to the next figure still empty, and compares once none
is (the Enter goes no further: never to the dialog's default button); ``first_empty`` is where the
batch dialog puts the keys when the check is what is next.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from compounder.calc.blind_check import UNITS, BlindCheck, Kind, Wanted
from compounder.ui.common.enter_key import on_enter
from compounder.ui.common.look import ERROR_TEXT, OK_TEXT

Compare = Callable[[Mapping[tuple[int, Kind], str]], BlindCheck | str]
_EXAMPLES = {"grams": "e.g. 2.526 g", "mg/g": "e.g. 50 mg/g", "mg/click": "e.g. 12.5 mg/click"}


class BlindCheckPanel(QGroupBox):
    """One field per figure the pharmacy's setting asks; ``compare`` stores the check and returns
    the comparison (or the refusal's text)."""

    def __init__(self, compare: Compare, parent: QWidget | None = None) -> None:
        super().__init__("Blind check: your own figures, before the preparer's", parent)
        self.setObjectName("blindCheckPanel")
        self._compare = compare
        self.fields: dict[tuple[int, Kind], QLineEdit] = {}
        self.intro = QLabel(
            "Work out each figure yourself from the prescription, the master formula and the lots, without looking at the "
            "worksheet, and type it here. The preparer's weights are shown once every figure matches the plan "
            "(grams within the balance's rounding; mg/g and mg per click to the label's third figure). Each check is recorded.",
            self,
        )
        self.intro.setWordWrap(True)
        self.form = QFormLayout()
        self.compare_button = QPushButton("Co&mpare my figures", self)
        self.compare_button.clicked.connect(self.compare)
        self.result = QLabel(self)
        self.result.setObjectName("blindCheckResult")
        self.result.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.compare_button)
        layout.addWidget(self.result)
        self.setVisible(False)

    def ask(self, wanted: tuple[Wanted, ...]) -> None:
        """Fields for ``wanted`` (the same fields, as typed, when the same figures are asked
        again: after a mismatch the pharmacist corrects one), the panel shown."""
        if [w.key for w in wanted] == list(self.fields):
            self.setVisible(True)
            return
        typed = {key: field.text() for key, field in self.fields.items()}
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        for w in wanted:
            field = QLineEdit(typed.get(w.key, ""), self)
            field.setPlaceholderText(f"{UNITS[w.kind]}, {_EXAMPLES[w.kind]}")
            field.setAccessibleName(w.label)
            on_enter(field, functools.partial(self._enter, field))
            self.form.addRow(w.label[:1].upper() + w.label[1:], field)
            self.fields[w.key] = field
        self.setVisible(True)
        first = next(iter(self.fields.values()), None)
        if first is not None:
            first.setFocus()

    def first_empty(self) -> QLineEdit | None:
        """The first figure still to type (None: no figure asked, or all typed)."""
        return next((field for field in self.fields.values() if not field.text().strip()), None)

    def _enter(self, field: QLineEdit) -> None:
        """Enter in ``field``: on to the next figure still empty after it (else before it), else compare."""
        fields = list(self.fields.values())
        after = fields[fields.index(field) + 1:] if field in fields else []
        following = next((f for f in after if not f.text().strip()), None) or self.first_empty()
        if following is not None and following is not field:
            following.setFocus()
        else:
            self.compare()

    def done(self) -> None:
        """The check matched (or is not asked): the panel goes, its answer stays said."""
        self.setVisible(False)

    def compare(self) -> None:
        answer = self._compare({key: field.text() for key, field in self.fields.items()})
        if isinstance(answer, str):  # refused: a figure missing or not a figure; nothing stored
            self._say(answer, ERROR_TEXT.name())
            return
        if answer.matches:
            self._say(f"Your {len(answer.compared)} figure(s) match the plan (recorded). The preparer's record is shown below.", OK_TEXT.name())
            return
        rows = []
        for compared in answer.compared:
            rows.append(f"<li>{_html(compared.text)}")
            if not compared.matches:
                rows.append("<br><i>the plan's calculation:</i> " + " → ".join(_html(step) for step in compared.wanted.trail))
            rows.append("</li>")
        self._say(
            "<b>Your figures do not match the plan: the batch is not verified (the check is recorded).</b>"
            f"<ul>{''.join(rows)}</ul>Work the figures out again, or reject the batch with the reason.",
            ERROR_TEXT.name(),
        )

    def _say(self, text: str, colour: str) -> None:
        self.result.setText(text)
        self.result.setStyleSheet(f"color: {colour}")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
