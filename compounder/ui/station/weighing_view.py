"""(Over 400 lines: one dialog whose line display and keyboard handling share its state; the poller
and the scan entry are their own modules.)

The weighing station: one draft batch, one line at a time, big enough to read from a step away.

For the line on show: what to weigh and from which lot, the target and its tolerance band, the
balance's live reading coloured against the band, and what happened last. Keyboard and scanner
only: the scanner types the container's code and Enter into the entry field; Enter on an empty
field records the balance's stable reading; a number and Enter records a typed weight (marked
typed). An aliquot line is weighed in its three weighings, one after the other (the ingredient
for the aliquot, once its container is confirmed; the base to dilute it; the portion of the
mixture), each against its own target and band, the later targets following what was weighed
(the diluent in proportion to the ingredient, the portion holding the drug needed at the mixture
made; the band shows why a target is not the printed one, and the least diluent that keeps the
portion at the minimum weighable); then the drug they delivered is shown. F6 starts an aliquot
again from its ingredient while its diluent is not recorded. Page Down / Page Up: next / previous line; F2 zero, F3 tare; F8 a pharmacist confirms
the container by hand, signing for it there with their own password and the reason; Esc closes.

The balance is polled on its own thread (a serial exchange may take up to its timeout); the
readings arrive as a signal. Every decision is the engine's and every write the records'.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from compounder.balance.driver import BalanceDriver
from compounder.calc.aliquot_weighing import STEPS, AliquotStepError, least_diluent, least_ingredient, step_targets, step_title
from compounder.calc.balance_reading import Reading, ReadingState, tolerance_band
from compounder.calc.units import ureg
from compounder.records import aliquot_steps, batches
from compounder.records import station as station_records
from compounder.records.batches import BatchRecord
from compounder.records.errors import RecordsError
from compounder.records.minimum_weight import least_accepted, minimum_weighable
from compounder.records.policy import RecordError, Status, parse_weight
from compounder.records.weighing_policy import SignedReason, weighing_policy
from compounder.settings import PharmacySettings
from compounder.ui.common.look import ERROR_TEXT, OK_TEXT, WARNING_TEXT
from compounder.ui.common.records_context import Failed, RecordsContext
from compounder.ui.common.signed_reason import BY_HAND, reason_dialog, typed_weight
from compounder.ui.common.signing_dialog import Signature, SigningDialog, stored
from compounder.ui.station.balance_poller import BalancePoller
from compounder.ui.station.scan_entry import ScanEntry


def _big(size: int, bold: bool = True) -> QFont:
    font = QFont()
    font.setPointSize(size)
    font.setBold(bold)
    return font


class WeighingView(QDialog):
    def __init__(
        self, context: RecordsContext, batch_number: str, parent: QWidget | None = None, *,
        balance: BalanceDriver | None = None, balance_problem: str | None = None, monotonic: Callable[[], float] = time.monotonic,
        minimum: Callable[[], Decimal | None] = lambda: None, typed_balance: str | None = None,
    ) -> None:
        super().__init__(parent)
        # ``typed_balance``: the station's balance ID, named with a typed weight (the balance log's daily-check rule).
        self._typed_balance = typed_balance
        # ``minimum``: the balance's minimum weighable as the pharmacy's settings certify it at the
        # moment of weighing (``calc.equipment.certified_minimum``): a new certification applies at once.
        self._context, self._monotonic, self._minimum = context, monotonic, minimum
        self.setWindowTitle(f"Weighing station — batch {batch_number}")
        self.resize(1100, 760)
        if context.actor is not None:
            _set_up_aliquots(context, batch_number)
        with context.reading() as session:
            self.record: BatchRecord = batches.batch_record(session, batch_number)
        self.position = next((line.position for line in self.record.lines if line.actual is None), 1)
        # The aliquot weighing on show, for an aliquot line ("ingredient", "diluent", "portion"); None for a direct line.
        self.step: str | None = None
        self.complete = False
        self.last_reading: Reading | None = None

        self.line_title = QLabel()
        self.line_title.setFont(_big(26))
        self.line_title.setWordWrap(True)  # an aliquot's weighing names the mixture: long
        self.lot = QLabel()
        self.lot.setFont(_big(14, bold=False))
        self.target = QLabel()
        self.target.setFont(_big(44))
        self.band = QLabel()
        self.band.setWordWrap(True)
        self.band.setFont(_big(16, bold=False))
        self.live = QLabel("—")
        self.live.setFont(_big(64))
        self.live.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.live_state = QLabel()
        self.live_state.setFont(_big(16, bold=False))
        self.live_state.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.live_state.setWordWrap(True)
        self.recorded = QLabel()
        self.recorded.setFont(_big(16, bold=False))
        self.recorded.setWordWrap(True)
        self.message = QLabel()
        self.message.setFont(_big(18))
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.entry = ScanEntry()
        self.entry.setFont(_big(18, bold=False))
        self.entry.setPlaceholderText("scan the container — or type the grams with their decimals — then Enter")
        self.entry.returnPressed.connect(self.enter)
        keys = QLabel(
            "Enter: record the stable weight · number + Enter: typed weight · PgDn/PgUp: next/previous line · "
            "F2 zero · F3 tare · F6 start the aliquot again from its ingredient · F8 confirm by hand (pharmacist) · Esc close"
        )
        keys.setWordWrap(True)

        numbers = QGridLayout()
        for column, (title, widget, below) in enumerate((("Target", self.target, self.band), ("Balance", self.live, self.live_state))):
            heading = QLabel(title)
            heading.setFont(_big(14, bold=False))
            numbers.addWidget(heading, 0, column)
            numbers.addWidget(widget, 1, column)
            numbers.addWidget(below, 2, column)
            numbers.setColumnStretch(column, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.line_title)
        layout.addWidget(self.lot)
        layout.addLayout(numbers)
        layout.addWidget(self.recorded)
        layout.addSpacing(24)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.entry)
        layout.addWidget(keys)
        for key, action in (
            (QKeySequence.StandardKey.MoveToNextPage, lambda: self.show_line(self.position + 1)),
            (QKeySequence.StandardKey.MoveToPreviousPage, lambda: self.show_line(self.position - 1)),
            (QKeySequence(Qt.Key.Key_F2), lambda: self._balance_request("zero")),
            (QKeySequence(Qt.Key.Key_F3), lambda: self._balance_request("tare")),
            (QKeySequence(Qt.Key.Key_F6), self.weigh_ingredient_again),
            (QKeySequence(Qt.Key.Key_F8), self.confirm_by_hand),
        ):
            QShortcut(key, self, action)

        self.hand_dialog: SigningDialog | None = None  # a pharmacist's signed reason (F8, a typed weight), while open
        self._watched: list[QWidget] = []  # the windows whose closing closes the station (with a balance)
        self.poller: BalancePoller | None = None
        if balance is not None:
            self.poller = BalancePoller(balance)
            self.poller.reading.connect(self.show_reading)
            self.poller.said.connect(self._say)
            # Destroyed without closing (its window deleted): the balance stops all the same.
            self.destroyed.connect(self.poller.stop)
            self._watch_windows()
            self.poller.start()
        else:
            self.live_state.setText(balance_problem or "no balance set up: type the weights (they are recorded as typed)")
        self.show_line(self.position)
        self.entry.setFocus()
        self._balance_log_notice(balance.balance_id if balance is not None else typed_balance)

    # ------------------------------------------------------------------ the line on show
    @property
    def line(self):
        return self.record.lines[self.position - 1]

    def target_grams(self) -> Decimal:
        """What goes on the balance now: the aliquot weighing's target, or the line's."""
        if self.step is not None:
            step = self.line.step(self.step)
            assert step is not None
            return step.target
        return self.line.target

    def _base_name(self) -> str:
        return next((line.name for line in self.record.lines if line.role == "base"), "base")

    def _places(self) -> int:
        printed = self.record.plan["lines"][self.position - 1].get("grams_display", f"{self.line.target:f}")
        return len(printed.partition(".")[2])

    def _grams(self, value: Decimal, rounding: str | None = None) -> str:
        step = Decimal(1).scaleb(-self._places())
        return f"{value.quantize(step, rounding=rounding) if rounding else value.quantize(step):f}"

    def show_line(self, position: int, step: str | None = None) -> None:
        """Show a line; an aliquot line at ``step``, or at its first weighing still to record (its
        portion once all are)."""
        if not 1 <= position <= len(self.record.lines):
            return
        self.position = position
        line = self.line
        following = line.next_step
        # Every weighing of an aliquot line recorded and none asked for again: nothing to record here.
        self.complete = bool(line.steps) and following is None and step is None
        if line.steps:
            self.step = step or (following.step if following is not None else "portion")
        else:
            self.step = None
        title = f"Line {line.position} of {len(self.record.lines)}: {line.name}"
        if self.complete:
            title += "\nAliquot: all three weighings recorded"
        elif self.step is not None:
            number = STEPS.index(self.step) + 1
            title += f"\nAliquot weighing {number} of 3: {step_title(self.step, line.name, self._base_name())}"
        self.line_title.setText(title)
        confirmed = {"scanned": "container scanned ✔", "by hand": "container confirmed by hand ✔"}.get(line.identity or "", "container not confirmed yet")
        lot = f"Lot {line.lot_number or '(scan the container to choose it)'} — {confirmed}"
        if self.step == "diluent":
            base = next((other for other in self.record.lines if other.role == "base"), None)
            base_lot = f"lot {base.lot_number}" if base is not None and base.lot_number else "its lot as on the base line"
            lot = f"Diluent: {self._base_name()}, {base_lot} · {line.name}: {lot}"
        self.lot.setText(lot)
        target = self.target_grams()
        band = tolerance_band(target, self.record.tolerance_percent)
        self.target.setText(f"{self._grams(target)} g")
        # The limits shown are rounded inwards to the balance's digits: a weight shown inside them is inside the band.
        low, why = band.low, ""
        floor, reason = self._floor(target)
        if floor is not None and floor > low:
            low, why = floor, reason
        self.band.setText(
            f"accept {self._grams(low, ROUND_CEILING)} – {self._grams(band.high, ROUND_FLOOR)} g (± {self.record.tolerance_percent} %{why})"
            + self._adapted_from()
        )
        if line.steps:
            self._show_steps(line)
        elif line.actual is not None:
            how = "from balance " + (line.balance_id or "") if line.weight_source == "balance" else (line.weight_source or "entered")
            outside = " — OUTSIDE TOLERANCE" if line.out_of_tolerance else ""
            self.recorded.setText(f"Recorded: {self._grams(line.actual)} g ({how}, {line.deviation_percent:+} %){outside}")
            self.recorded.setStyleSheet(f"color: {ERROR_TEXT.name() if line.out_of_tolerance else OK_TEXT.name()}")
        else:
            self.recorded.setText("Recorded: —")
            self.recorded.setStyleSheet("")
        if self.record.status is not Status.DRAFT:
            self._say(f"Batch {self.record.batch_number} is {self.record.status.value}: nothing more is weighed", error=True)
        elif line.identity is None:
            self._say(f"Scan the container of {line.name}")
        elif self.complete:
            self._say(f"All three aliquot weighings of line {line.position} are recorded; PgDn: next line")
        elif self.step is not None:
            self._say(self._step_instruction(line))
        else:
            self._say("Place the container on the balance; Enter records the stable weight")
        self.show_reading(self.last_reading)

    def _floor(self, target: Decimal) -> tuple[Decimal | None, str]:
        """The least weight the records take for this weighing, above the band's own lower
        limit, and why: the balance's minimum weighable quantity (for a target at or over it),
        or the least ingredient or base that keeps the next aliquot target over it."""
        floors: list[tuple[Decimal, str]] = []
        least = self._least()
        if least is not None:
            later = {"ingredient": "the diluent", "diluent": "the portion"}[self.step or "ingredient"]
            floors.append((least, f"; less would leave {later} under the minimum weighable {minimum_weighable(self.record.plan)} g"))
        accepted = least_accepted(self.record.plan, target)  # what the records refuse under (records.minimum_weight)
        if accepted is not None:
            floors.append((accepted, f"; less is under the balance's minimum weighable {accepted} g"))
        return max(floors, key=lambda floor: floor[0]) if floors else (None, "")

    def _least(self) -> Decimal | None:
        """The least ingredient (at its step) or base (at the diluent's) that keeps the next
        target at or over the balance's minimum weighable: less is refused by the records."""
        readability = self.record.plan["balance"]["readability_grams"]
        minimum = minimum_weighable(self.record.plan)
        if minimum is None:  # no minimum recorded: no floor from it
            return None
        if self.step == "ingredient":
            try:
                printed = step_targets(self.record.plan["lines"][self.position - 1]["aliquot"], readability)
                planned = {name: ureg.Quantity(grams, ureg.gram) for name, grams in printed.items()}
                return least_ingredient(planned, readability, ureg.Quantity(minimum, ureg.gram))
            except (AliquotStepError, KeyError, TypeError, ValueError):
                return None
        ingredient = self.line.step("ingredient") if self.step == "diluent" else None
        if ingredient is None or ingredient.actual is None or not ingredient.actual:
            return None
        try:
            return least_diluent(
                ureg.Quantity(ingredient.actual, ureg.gram), ureg.Quantity(self.line.target, ureg.gram),
                self.record.plan["balance"]["readability_grams"], ureg.Quantity(minimum, ureg.gram),
            )
        except (AliquotStepError, KeyError, TypeError, ValueError):
            return None

    def _adapted_from(self) -> str:
        """Why a later weighing's target is not the one printed: it follows what was weighed."""
        step = self.step
        if step is None or step not in ("diluent", "portion"):
            return ""
        try:
            printed = step_targets(self.record.plan["lines"][self.position - 1]["aliquot"], self.record.plan["balance"]["readability_grams"])
        except (AliquotStepError, KeyError, TypeError, ValueError):
            return ""
        target = self.target_grams()
        if printed[step] == target:
            return ""
        follows = {"diluent": "the ingredient weighed", "portion": "the mixture made"}[step]
        return f"\nadapted to {follows} (printed {self._grams(printed[step])} g)"

    def _step_instruction(self, line) -> str:
        step = line.step(self.step)
        what = {
            "ingredient": f"Weigh {self._grams(step.target)} g of {line.name} for the aliquot",
            "diluent": f"Add {self._grams(step.target)} g of {self._base_name()} to it and mix",
            "portion": f"Weigh {self._grams(step.target)} g of the mixture into the batch",
        }[step.step]
        return f"{what}; Enter records the stable weight"

    def _show_steps(self, line) -> None:
        """An aliquot line's weighings as recorded, then the drug they delivered."""
        parts = []
        for step in line.steps:
            if step.actual is None:
                parts.append(f"{step.step} —")
            else:
                flag = " OUTSIDE" if step.out_of_tolerance else ""
                parts.append(f"{step.step} {self._grams(step.actual)} g ({step.deviation_percent:+} %){flag}")
        text = "Recorded: " + " · ".join(parts)
        if line.actual is not None:
            text += f"\nDrug delivered: {line.actual:f} g of {self._grams(line.target)} g ({line.deviation_percent:+} %)"
            if line.out_of_tolerance:
                text += " — LINE OUTSIDE TOLERANCE"
        self.recorded.setText(text)
        outside = line.out_of_tolerance or any(step.out_of_tolerance for step in line.steps)
        self.recorded.setStyleSheet(f"color: {ERROR_TEXT.name()}" if outside else (f"color: {OK_TEXT.name()}" if line.actual is not None else ""))

    def show_reading(self, reading: Reading | None) -> None:
        self.last_reading = reading
        if reading is None:
            return
        if reading.grams is None:
            self.live.setText("—")
        else:
            self.live.setText(f"{reading.grams:f} g")
        state = reading.describe()
        hue = ERROR_TEXT.name()
        if reading.state in (ReadingState.STABLE, ReadingState.UNSTABLE) and reading.grams is not None:
            where = tolerance_band(self.target_grams(), self.record.tolerance_percent).where(reading.grams)
            floor, _reason = self._floor(self.target_grams())
            if where == "within" and floor is not None and reading.grams < floor:
                where = "under"
            state = ("stable" if reading.state is ReadingState.STABLE else "not stable yet") + {
                "within": " — within tolerance", "under": " — UNDER the band", "over": " — OVER the band"}[where]
            hue = OK_TEXT.name() if where == "within" and reading.state is ReadingState.STABLE else (
                WARNING_TEXT.name() if where == "within" else ERROR_TEXT.name())
        self.live.setStyleSheet(f"color: {hue}")
        self.live_state.setText(state)
        self.live_state.setStyleSheet(f"color: {hue}")

    def _balance_log_notice(self, code: str | None) -> None:
        """What the balance log says of this station's balance at opening (issue 25): a check due
        or failed (it will record no weight), a calibration or certificate due soon."""
        from compounder.records import quality_balance

        def read(session) -> tuple[str, bool] | None:
            if not quality_balance.any_registered(session):
                return None
            if code is None or code not in quality_balance.codes(session):
                return f"this station's balance {code or '(none set)'} is not registered in the balance log: weights will be refused", True
            state = quality_balance.balance_state(session, code, self._context.today())
            said = "; ".join(([state.refusal] if state.refusal else []) + list(state.warnings))
            return (said, state.refusal is not None) if said else None

        found = self._context.run(read, write=False)
        if isinstance(found, tuple):
            self._say(found[0], error=found[1])

    def _say(self, text: str, *, error: bool = False, good: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {ERROR_TEXT.name()}" if error else (f"color: {OK_TEXT.name()}" if good else ""))

    # ------------------------------------------------------------------ keyboard and scanner
    def enter(self) -> None:
        text = self.entry.text()
        self.entry.clear()
        if self._context.actor is None:
            self._say("Sign in first (Records ▸ Sign in)", error=True)
            return
        stripped = text.strip()
        if self.complete:
            self._say(f"All three aliquot weighings of line {self.position} are recorded; nothing more is weighed for it", error=True)
            return
        if not stripped:
            if self.line.identity is None:
                self._say(f"Scan the container of {self.line.name} first", error=True)
            else:
                self.record_reading()
            return
        if stripped.isdigit() and len(stripped) <= 6:
            self._say(
                f"{stripped}: type a weight with its decimals as the balance shows it (e.g. {self._grams(self.target_grams())}); "
                "a code of a few digits is not one the station reads", error=True,
            )
            return
        if _looks_like_weight(stripped):
            if self.line.identity is None:
                self._say(f"{stripped} looks like a weight: scan the container of {self.line.name} first", error=True)
            else:
                self.record_typed(stripped)
            return
        self.scan(text)

    def scan(self, text: str) -> None:
        def act(session, actor, now):
            return station_records.confirm_scan(session, actor, self.record.batch_number, self.position, text, now)

        decision = self._write(act)
        if decision is None:
            return
        self._refresh()
        if decision.accepted:
            self._say(f"{decision.message}. Place it on the balance; Enter records the stable weight", good=True)
        else:
            self._say(decision.message, error=True)

    def record_reading(self) -> None:
        reading, now, step = self.last_reading, self._monotonic(), self.step

        def act(session, actor, at):
            return station_records.record_reading(
                session, actor, self.record.batch_number, self.position, reading, at, now, step=step, minimum_weighable=self._minimum(),
            )

        self._recorded(self._write(act), step)

    def record_typed(self, typed: str) -> SigningDialog | None:
        """The typed weight; where the pharmacy requires the balance, a pharmacist signs why there
        and then (the signing dialog, returned) and the weight is recorded with the reason."""
        step, position, actor = self.step, self.position, self._context.actor
        if actor is None:
            self._say("Sign in first (Records ▸ Sign in)", error=True)
            return None
        with self._context.reading() as session:
            required = weighing_policy(session).balance_required
        if not required:
            self._recorded(self._write(lambda s, actor, at: station_records.record_typed(
                s, actor, self.record.batch_number, position, typed, at, step=step, minimum_weighable=self._minimum(),
                balance_id=self._typed_balance)), step)
            return None

        def record_signed(session, signature: Signature) -> BatchRecord:
            return station_records.record_typed(
                session, actor, self.record.batch_number, position, typed, self._context.clock(), step=step,
                minimum_weighable=self._minimum(), signed=SignedReason(signature.credentials, signature.reason), balance_id=self._typed_balance,
            )

        what = f"Line {position} ({self.line.name})" + (f", aliquot {step}" if step else "")
        grams = f"{typed.strip().removesuffix('g').strip()} g"
        dialog = reason_dialog(self, self._context, what, typed_weight(grams), stored(self._context, record_signed))
        dialog.accepted.connect(lambda: self._recorded(dialog.result_value, step))  # type: ignore[arg-type]  # record_signed's
        self.hand_dialog = dialog
        dialog.open()
        return dialog

    def weigh_ingredient_again(self) -> None:
        """F6: start an aliquot line again from its ingredient (weighed afresh, or brought up),
        while its diluent is not recorded; the records keep the earlier weighing in the audit."""
        line = self.line
        ingredient, diluent = line.step("ingredient"), line.step("diluent")
        if ingredient is None or diluent is None:
            self._say(f"Line {self.position} is weighed directly: there is no aliquot to start again", error=True)
        elif ingredient.actual is None:
            self._say(f"Line {self.position}: the aliquot's ingredient is not recorded yet; weigh it", error=True)
        elif diluent.actual is not None:
            self._say(
                f"Line {self.position}: the aliquot's diluent is recorded, the mixture is made: its ingredient is not recorded "
                "again; reject the batch with the reason to make it again", error=True,
            )
        else:
            self.show_line(self.position, "ingredient")
            self._say(
                f"Line {self.position}: the aliquot starts again. Weigh {self._grams(ingredient.target)} g of {line.name} afresh "
                f"(recorded: {self._grams(ingredient.actual)} g); Enter records it in place of the earlier weighing", good=True,
            )

    def confirm_by_hand(self) -> SigningDialog | None:
        """F8: a pharmacist signs, there and then, for a container confirmed without a scan (the
        signing dialog, returned); the station's own sign-in is not enough, since whoever stands at
        it could otherwise override a refused scan under the name signed in."""
        if self._context.actor is None:
            self._say("Sign in first (Records ▸ Sign in)", error=True)
            return None
        if self.record.status is not Status.DRAFT:
            self._say(f"Batch {self.record.batch_number} is {self.record.status.value}: nothing more is confirmed", error=True)
            return None
        position, name = self.position, self.line.name

        def confirm(session, signature: Signature) -> str:
            """Written as the one who signed (their password and role checked by the records in
            this transaction); who that was, for the message."""
            station_records.confirm_by_hand(
                session, signature.credentials, self.record.batch_number, position, signature.reason, self._context.clock(),
                at_station=self._context.actor,
            )
            return signature.credentials.username

        dialog = reason_dialog(self, self._context, f"Line {position} ({name})", BY_HAND, stored(self._context, confirm))
        dialog.accepted.connect(lambda: self._confirmed_by_hand(position, str(dialog.result_value)))
        self.hand_dialog = dialog
        dialog.open()
        return dialog

    def _confirmed_by_hand(self, position: int, signer: str) -> None:
        self._refresh()
        self._say(f"Line {position} confirmed by hand by {signer}. Place it on the balance; Enter records the stable weight", good=True)

    def _recorded(self, record: BatchRecord | None, step: str | None = None) -> None:
        if record is None:
            return
        position = self.position
        self.record = record
        line = record.lines[position - 1]
        if step is not None:
            weighed = line.step(step)
            assert weighed is not None and weighed.actual is not None
            said = f"Line {position}, aliquot {step}: {self._grams(weighed.actual)} g ({weighed.deviation_percent:+} %)"
            if weighed.out_of_tolerance:
                self.show_line(position, step)  # stays on this weighing: Enter records it again
                self._say(f"{said} is OUTSIDE ± {record.tolerance_percent} %. Adjust and record again, or reject the batch", error=True)
                return
            if line.next_step is not None:
                self.show_line(position, line.next_step.step)
                self._say(f"{said} recorded. {self._step_instruction(line)}", good=True)
                return
            if line.out_of_tolerance:
                self.show_line(position, step)
                self._say(
                    f"{said} recorded. The drug delivered, {line.actual:f} g, is OUTSIDE ± {record.tolerance_percent} % of "
                    f"{self._grams(line.target)} g ({line.deviation_percent:+} %): reject the batch, or weigh the aliquot again", error=True,
                )
                return
        assert line.actual is not None  # the weight just recorded
        if line.out_of_tolerance:
            self.show_line(position)
            self._say(
                f"Line {position}: {self._grams(line.actual)} g is OUTSIDE ± {record.tolerance_percent} % "
                f"({line.deviation_percent:+} %). Adjust and record again, or reject the batch", error=True,
            )
            return
        following = next((other.position for other in record.lines if other.actual is None), None)
        done = f"Line {position} recorded: {self._grams(line.actual)} g ({line.deviation_percent:+} %)"
        if step is not None:
            done = f"Line {position} recorded: its aliquot delivered {line.actual:f} g of {line.name} ({line.deviation_percent:+} %)"
        if following is None:
            self.show_line(position)
            self._say(f"{done}. Every line is weighed: close and sign as preparer", good=True)
        else:
            self.show_line(following)
            self._say(f"{done}. Now scan the container of {self.line.name}" if self.line.identity is None else done, good=True)

    def _write(self, act):
        actor = self._context.actor
        if actor is None:
            return None
        written = self._context.run(lambda session: act(session, actor, self._context.clock()))
        if isinstance(written, Failed):
            self._say(written.text, error=True)
            return None
        return written

    def _refresh(self) -> None:
        with self._context.reading() as session:
            self.record = batches.batch_record(session, self.record.batch_number)
        message, style = self.message.text(), self.message.styleSheet()
        self.show_line(self.position)
        self.message.setText(message)
        self.message.setStyleSheet(style)

    def _balance_request(self, what: str) -> None:
        if self.poller is None:
            self._say("No balance is connected", error=True)
        else:
            self.poller.request(what)

    def _watch_windows(self) -> None:
        """Close with any window the station belongs to (the batch dialog, the main window):
        a station left open behind a closed window would keep polling the balance."""
        widget = self.parentWidget()
        while widget is not None:
            if widget.isWindow():
                widget.installEventFilter(self)
                self._watched.append(widget)
            widget = widget.parentWidget()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Hide and not event.spontaneous() and watched in self._watched:
            if self.poller is not None:  # closed by its window (a minimised window's hide is spontaneous)
                self.done(QDialog.DialogCode.Rejected)
        return super().eventFilter(watched, event)

    def stop_balance(self) -> None:
        """Stop polling and close the port; the station goes on without the balance."""
        poller, self.poller = self.poller, None
        if poller is not None:
            for window in self._watched:
                window.removeEventFilter(self)
            self._watched = []
            poller.stop()

    def done(self, result: int) -> None:
        self.stop_balance()
        super().done(result)


def _set_up_aliquots(context: RecordsContext, batch_number: str) -> None:
    """A draft batch from before the aliquot's weighings were recorded gets them for its aliquot
    lines not weighed yet (``aliquot_steps.set_up_missing``); a refusal leaves the batch as it is."""
    if context.actor is None:  # nobody signed in: nothing is written
        return
    try:
        with context.transaction() as session:
            aliquot_steps.set_up_missing(session, context.actor, batch_number, context.clock())
    except RecordsError:
        pass  # the station then shows the batch as stored, and says what is wrong on the first write


def _looks_like_weight(text: str) -> bool:
    """A typed weight has its decimals ("7.430", "108.000 g"): a short code of digits alone is
    not taken for grams."""
    if not any(mark in text for mark in ".,g"):
        return False
    try:
        parse_weight(text)
    except RecordError:
        return False
    return True


def open_station(
    context: RecordsContext, batch_number: str, settings: PharmacySettings | None, parent: QWidget | None = None,
    minimum: Callable[[], Decimal | None] = lambda: None,
) -> WeighingView:
    """The station for the batch, with the pharmacy's balance when one is set up and opens;
    ``minimum`` reads the balance's certified minimum from the settings at each weighing."""
    balance, problem = None, None
    if settings is not None and settings.balance_port and settings.balance_id:
        from compounder.balance import open_balance

        try:
            balance = open_balance(settings.balance_port, settings.balance_driver, settings.balance_id)
        except (OSError, ValueError) as error:
            problem = f"no balance: {error}; weights can be typed (recorded as typed)"
    typed_balance = settings.balance_id if settings is not None else None
    return WeighingView(context, batch_number, parent, balance=balance, balance_problem=problem, minimum=minimum, typed_balance=typed_balance)
