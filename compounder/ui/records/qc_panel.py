"""The compounding record's quality control in the batch dialog (issue 25): the checks the batch's
master formula asks (final weight against the theoretical, with the yield; appearance; pH where a
range is given) with their results entered, the deviations with the pharmacist's decision, and
the link to the batch a remake replaces. The records decide (``records.compounding_qc``); this
panel only shows and passes on what is typed, and says a refusal under it.

Keys (issue 28): Alt+L goes to the final weight, Alt+A to the appearance; Enter in a result's field
enters it, unless that result has a tick still clear (conforms, within the SOP's range): Enter
then goes to the tick, so the finding is the person's (Space sets it, Enter on it enters the
result as the tick stands). ``next_field`` is the first result the master formula asks that is
not entered yet: the batch dialog puts the keys there once the batch is prepared.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from compounder.records import compounding_qc
from compounder.records.batch_rows import batch_row
from compounder.records.batches import BatchRecord
from compounder.records.policy import Status
from compounder.ui.common.enter_key import on_enter
from compounder.ui.common.inline_error import message_label
from compounder.ui.common.look import ERROR_TEXT
from compounder.ui.common.records_context import Failed, RecordsContext


class QcPanel(QGroupBox):
    """QC results, deviations and the remake link of the batch shown; ``changed(number)`` after a write."""

    def __init__(self, context: RecordsContext, changed: Callable[[str], None], parent: QWidget | None = None, *,
                 entered: Callable[[], None] = lambda: None) -> None:
        """``changed(number)`` after any write; ``entered()`` after a QC result is entered (the
        keys go on to what is next)."""
        super().__init__("Quality control, deviations and remake", parent)
        self.setObjectName("qcPanel")
        self._context, self._changed, self._entered = context, changed, entered
        self.record: BatchRecord | None = None
        self.details: compounding_qc.CompoundingDetails | None = None
        self.asked = QLabel()
        self.asked.setWordWrap(True)
        self.final_weight = QLineEdit()
        self.final_weight.setPlaceholderText("finished preparation, grams, e.g. 119.4")
        self.weight_conforms = QCheckBox("within the SOP's range")
        self.weight_conforms.setToolTip("Asked only when no final-weight tolerance was set when the batch was made")
        self.weight_button = QPushButton("Enter final weight")
        self.weight_button.clicked.connect(self.enter_weight)
        self.appearance = QLineEdit()
        self.appearance.setPlaceholderText("what it looks like: colour, texture, uniformity")
        self.appearance_conforms = QCheckBox("conforms")
        self.appearance_button = QPushButton("Enter appearance")
        self.appearance_button.clicked.connect(self.enter_appearance)
        self.ph = QLineEdit()
        self.ph.setPlaceholderText("meter reading, e.g. 6.4")
        self.ph_label = QLabel("pH")
        self.ph_button = QPushButton("Enter p&H")
        self.ph_button.clicked.connect(self.enter_ph)
        self.results = QLabel()
        self.results.setWordWrap(True)
        self.deviation, self.deviation_reason = QLineEdit(), QLineEdit()
        self.deviation.setPlaceholderText("deviation: what was done differently from the master formula")
        self.deviation_reason.setPlaceholderText("why")
        self.deviation_button = QPushButton("Record &deviation")
        self.deviation_button.clicked.connect(self.record_deviation)
        self.deviation_number = QSpinBox()
        self.deviation_number.setRange(1, 999)
        self.decision_note = QLineEdit()
        self.decision_note.setPlaceholderText("pharmacist's note (needed to reject)")
        self.accept_button = QPushButton("Accept (pharmacist)")
        self.accept_button.clicked.connect(lambda: self.decide("accepted"))
        self.reject_button = QPushButton("Reject (pharmacist)")
        self.reject_button.clicked.connect(lambda: self.decide("rejected"))
        self.deviations = QLabel()
        self.deviations.setWordWrap(True)
        self.replaces, self.remake_reason = QLineEdit(), QLineEdit()
        self.replaces.setPlaceholderText("batch number this draft is made again in place of")
        self.remake_reason.setPlaceholderText("why it is made again")
        self.remake_button = QPushButton("Link re&make")
        self.remake_button.clicked.connect(self.link_remake)
        self.remake = QLabel()
        self.message = message_label()
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.missing.setStyleSheet(f"color: {ERROR_TEXT.name()}")

        # Word-wrapped labels in a column (a wrapped label spanning grid columns is given too little height).
        column = QVBoxLayout(self)
        column.addWidget(self.asked)
        entries = QGridLayout()
        self.final_weight_label = _buddy("Fina&l weight (g)", self.final_weight)
        self.appearance_label = _buddy("&Appearance", self.appearance)
        for row, (label, edit, check, button) in enumerate((
            (self.final_weight_label, self.final_weight, self.weight_conforms, self.weight_button),
            (self.appearance_label, self.appearance, self.appearance_conforms, self.appearance_button),
            (self.ph_label, self.ph, None, self.ph_button),
        )):
            entries.addWidget(label, row, 0)
            entries.addWidget(edit, row, 1)
            if check is not None:
                entries.addWidget(check, row, 2)
            entries.addWidget(button, row, 3)
        entries.setColumnStretch(1, 1)
        column.addLayout(entries)
        column.addWidget(self.results)
        column.addWidget(self.missing)
        deviation = QHBoxLayout()
        deviation.addWidget(self.deviation, 2)
        deviation.addWidget(self.deviation_reason, 1)
        deviation.addWidget(self.deviation_button)
        column.addLayout(deviation)
        decide = QHBoxLayout()
        decide.addWidget(QLabel("Deviation no."))
        decide.addWidget(self.deviation_number)
        decide.addWidget(self.decision_note, 1)
        decide.addWidget(self.accept_button)
        decide.addWidget(self.reject_button)
        column.addLayout(decide)
        column.addWidget(self.deviations)
        remake = QHBoxLayout()
        remake.addWidget(self.replaces, 2)
        remake.addWidget(self.remake_reason, 1)
        remake.addWidget(self.remake_button)
        column.addLayout(remake)
        column.addWidget(self.remake)
        column.addWidget(self.message)
        on_enter(self.final_weight, lambda: self._enter_or_tick(self.weight_conforms, self.enter_weight))
        on_enter(self.weight_conforms, self.enter_weight)
        on_enter(self.appearance, lambda: self._enter_or_tick(self.appearance_conforms, self.enter_appearance))
        on_enter(self.appearance_conforms, self.enter_appearance)
        on_enter(self.ph, self.enter_ph)
        self.setVisible(False)

    def _enter_or_tick(self, tick: QCheckBox, enter: Callable[[], None]) -> None:
        """Enter in a result's field: to its tick while that is asked and clear, else enter it."""
        if not tick.isHidden() and not tick.isChecked():
            tick.setFocus()
        else:
            enter()

    def next_field(self) -> QLineEdit | None:
        """The field of the first result the master formula asks and nobody has entered (None: all entered)."""
        details = self.details
        if details is None or self.record is None or not self.final_weight.isEnabled():
            return None
        fields = {"final_weight": self.final_weight, "appearance": self.appearance, "ph": self.ph}
        return next((fields[a.kind] for a in details.asked if a.kind in fields and details.result(a.kind) is None), None)

    # ------------------------------------------------------------------ showing
    def show_record(self, record: BatchRecord | None) -> None:
        self.record = record
        if record is None:
            self.setVisible(False)
            return
        found = self._context.run(lambda session: compounding_qc.details(session, batch_row(session, record.batch_number)), write=False)
        if isinstance(found, Failed):
            self.message.setText(found.text)
            return
        self.details = found
        self.asked.setText("Asked by the master formula: " + "; ".join(f"<b>{a.words}</b>: {_html(a.specification)}" for a in found.asked))
        kinds = {a.kind for a in found.asked}
        for widget in (self.ph_label, self.ph, self.ph_button):
            widget.setVisible("ph" in kinds)
        self.weight_conforms.setVisible("SOP" in next((a.specification for a in found.asked if a.kind == "final_weight"), ""))
        self.results.setText("<br/>".join(
            f"<b>{r.words}</b>: {_html(r.result)}" + ("" if r.passed else f" <b style='color:{ERROR_TEXT.name()}'>fails</b>") + f" ({_html(r.by)})"
            for r in found.results) or "No QC result entered yet.")
        self.missing.setText(f"Verification waits for: {', '.join(found.missing)}" if found.missing else "")
        self.deviations.setText("<br/>".join(_html(d.text()) for d in found.deviations) or "No deviation recorded.")
        links = [f"Remake of batch {found.remake_of}: {found.remake_reason}"] if found.remake_of else []
        links += [f"Replaced by remake {found.replaced_by}"] if found.replaced_by else []
        self.remake.setText("; ".join(links))
        open_ = record.status in (Status.DRAFT, Status.PREPARED)
        # The labels too: an enabled label keeps its Alt letter (Alt+L, Alt+A) from the verified batch's Print label and Amend.
        for widget in (self.final_weight_label, self.final_weight, self.weight_button, self.appearance_label, self.appearance, self.appearance_button,
                       self.ph, self.ph_button,
                       self.deviation, self.deviation_reason, self.deviation_button, self.accept_button, self.reject_button, self.decision_note):
            widget.setEnabled(open_)
        for widget in (self.replaces, self.remake_reason, self.remake_button):
            widget.setEnabled(record.status is Status.DRAFT and found.remake_of is None)
        self.setVisible(True)

    # ------------------------------------------------------------------ writing
    def enter_weight(self) -> None:
        conforms = self.weight_conforms.isChecked() if not self.weight_conforms.isHidden() else None
        self._write(lambda s, actor, number, now: compounding_qc.enter_result(
            s, actor, number, "final_weight", now, weight=self.final_weight.text(), conforms=conforms), self.final_weight, result=True)

    def enter_appearance(self) -> None:
        self._write(lambda s, actor, number, now: compounding_qc.enter_result(
            s, actor, number, "appearance", now, observed=self.appearance.text(), conforms=self.appearance_conforms.isChecked()), self.appearance,
            result=True)

    def enter_ph(self) -> None:
        self._write(lambda s, actor, number, now: compounding_qc.enter_result(s, actor, number, "ph", now, ph=self.ph.text()), self.ph, result=True)

    def record_deviation(self) -> None:
        self._write(lambda s, actor, number, now: compounding_qc.record_deviation(
            s, actor, number, self.deviation.text(), self.deviation_reason.text(), now), self.deviation, self.deviation_reason)

    def decide(self, decision: str) -> None:
        self._write(lambda s, actor, number, now: compounding_qc.decide_deviation(
            s, actor, number, self.deviation_number.value(), decision, self.decision_note.text(), now), self.decision_note)

    def link_remake(self) -> None:
        self._write(lambda s, actor, number, now: compounding_qc.link_remake(
            s, actor, number, self.replaces.text(), self.remake_reason.text(), now), self.replaces, self.remake_reason)

    def _write(self, operation, *cleared: QLineEdit, result: bool = False) -> None:
        actor, record = self._context.actor, self.record
        if record is None:
            return
        if actor is None:
            self.message.setText("sign in to enter the compounding record")
            return
        done = self._context.run(lambda session: operation(session, actor, record.batch_number, self._context.now(session)))
        if isinstance(done, Failed):
            self.message.setText(done.text)  # the typed entries stay
            return
        self.message.setText("")
        for field in cleared:
            field.clear()
        self._changed(record.batch_number)
        if result:
            self._entered()


def _buddy(text: str, field: QWidget) -> QLabel:
    """A row's label whose mnemonic puts the keys in ``field``."""
    label = QLabel(text)
    label.setBuddy(field)
    return label


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
