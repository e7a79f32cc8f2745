"""(Over 400 lines: one dialog, order to release, whose sections act on the one batch on show and
share its Retry and its record as shown: the order form, patient screening and the refill
comparison, the workbench's prefill and draft update, lots and weights with the weighing
policy's signed reasons, and the steps. The verify view is its own module (``verify_view``);
the next part to move out is the order form built in ``__init__``.)

Make a batch: from the approved version of a master formula, for a patient and prescription;
print its worksheet (and label) from the stored record; pick a usable lot and enter the weighed
grams for each line; sign as preparer, as checker, as verifier; dispense or reject; amend a
verified batch. A refill shows what changed in the formula since the patient's last batch on the
Rx and is made only once a pharmacist signs the changes (``ask_signature``). Before a pharmacist
sees the preparer's figures, the blind check's panel asks their own (``blind_check_panel``). Every step is one call into
``compounder.records.batches`` in its own transaction; what the dialog shows is read back from
the database after each step.

The weighing tolerance is the pharmacy's (the records' rule an administrator stored, else the
pharmacy settings'), shown and not edited here. Whether a pharmacist may verify a batch they
prepared is the pharmacy's setting too, and so is the weighing policy: where it requires the
balance or the scan, a typed weight or a lot chosen from the list is saved only with a
pharmacist's signed reason, asked at that moment. Once prepared, the verify view shows each line
as weighed (``verify_view``); a finding whose decision a change voided is decided again here.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from compounder.calc import Catalog, InputError
from compounder.calc.equipment import certified_minimum
from compounder.calc.label_stock import LabelStock
from compounder.calc.record import decision_text
from compounder.calc.release import BatchBlocked
from compounder.calc.typed_date import typed_date
from compounder.calc.units import format_quantity
from compounder.records import aliquot_steps, batches, lots, people, refill_signoff, station
from compounder.records import blind_check as blind_checks
from compounder.records.batches import BatchRecord, FindingDecision
from compounder.records.clock import records_today
from compounder.records.errors import RecordsError
from compounder.records.fills import refill_order
from compounder.records.library import FormulaLibrary, LibraryError
from compounder.records.policy import RecordError, Role, Status
from compounder.records.refill import refill_changes
from compounder.records.screening import (
    DIRECTIONS_USED,
    choose_lot,
    make_batch,
    parse_batch_order,
    screened_plan,
    targets_with_lots,
    update_draft,
    with_formula_documents,
)
from compounder.records.signing import Credentials
from compounder.records.weighing_policy import SignedReason, check_signed, weighing_policy
from compounder.records.workbench_order import WorkbenchOrder, matching_version, open_draft, save_draft
from compounder.records.workbench_order import chosen_lots as workbench_lots
from compounder.settings import PharmacySettings
from compounder.ui.common.batch_printing import PrintPdf, StoredBatchPrinter
from compounder.ui.common.enter_key import on_enter
from compounder.ui.common.inline_error import message_label
from compounder.ui.common.look import ERROR_TEXT, WARNING_TEXT
from compounder.ui.common.print_on_menu import print_on_menu
from compounder.ui.common.records_context import Failed, RecordsContext, failure, problem_text
from compounder.ui.common.signed_reason import Wording, reason_dialog, typed_weight, unscanned_lot
from compounder.ui.common.signing_dialog import Signature, SigningDialog, sign, signed, stored
from compounder.ui.records.blind_check_panel import BlindCheckPanel
from compounder.ui.records.patient_profile_dialog import PatientProfileDialog
from compounder.ui.records.qc_panel import QcPanel
from compounder.ui.records.verify_view import VerifyView

#: Opens the weighing station for a batch (``ui.station.weighing_view.open_station``, passed in by
#: ``ui.app``: the records screens do not import the station).
#: The last argument reads the balance's certified minimum from the settings at each weighing.
OpenStation = Callable[[RecordsContext, str, PharmacySettings | None, QWidget, Callable[[], Decimal | None]], QDialog]

def _no_printer(_title: str, _pdf: bytes, _kind: str | None = None, _zpl=None, /, *, choose: bool = False) -> bool:
    return False


class BatchDialog(QDialog):
    def __init__(
        self, context: RecordsContext, library: FormulaLibrary, catalog: Catalog, parent: QWidget | None = None, *,
        pharmacy: Callable[[], PharmacySettings | None] = lambda: None, print_pdf: PrintPdf = _no_printer,
        label_position: Callable[[LabelStock], int | None] = lambda _stock: 1, open_station: OpenStation | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Make a batch")
        self.resize(1000, 700)
        self._context, self._library, self._catalog = context, library, catalog
        self._pharmacy = pharmacy
        self._printer = StoredBatchPrinter(context, pharmacy, print_pdf, label_position)
        self.record: BatchRecord | None = None
        # The lots typed on the workbench's lines (version id, line position → lot id), used when
        # the batch is made on that version (``prefill_from_workbench``).
        self._workbench_lots: tuple[int, dict[int, int]] | None = None

        self.formula = QComboBox()
        for entry in library.entries():
            version = library.approved_version(entry.id)
            if version is not None:
                self.formula.addItem(version.label, version.id)
        self.patient, self.born, self.rx, self.prescriber, self.tolerance = (QLineEdit() for _ in range(5))
        self.directions, self.quantity, self.refills, self.container = (QLineEdit() for _ in range(4))
        self.born.setPlaceholderText("YYYY-MM-DD")
        self.directions.setPlaceholderText("as written for the label, e.g. Apply 1 g to the knee three times a day")
        self.quantity.setPlaceholderText("to dispense, e.g. 120 g")
        self.refills.setPlaceholderText("0 to 99")
        self.container.setPlaceholderText("optional, e.g. Topi-CLICK 35 mL")
        # The structured directions the daily amounts are checked with (the label's text is not read for them).
        self.dose_amount, self.dose_times = QLineEdit(), QLineEdit()
        self.dose_amount.setPlaceholderText("per application, e.g. 1 g, 1 mL or 4 click")
        self.dose_times.setPlaceholderText("e.g. 3")
        self.dose_amount.setToolTip("The amount per application the daily maximum is checked with")
        self.dose_times.setToolTip("How many times a day it is applied, for the daily maximum check")
        self.dose_error = QLabel()
        self.dose_error.setWordWrap(True)
        self.dose_error.setStyleSheet(f"color: {ERROR_TEXT.name()}")
        self.dose_error.setVisible(False)
        for edit in (self.dose_amount, self.dose_times):
            edit.textChanged.connect(self.check_dose)
        self.formula.currentIndexChanged.connect(self.fill_dose)
        self.tolerance.setReadOnly(True)  # the pharmacy's (an administrator's setting), not the technician's
        self.tolerance.setToolTip("The pharmacy's weighing tolerance: an administrator sets it under File ▸ Pharmacy settings…")
        self.fill_tolerance()
        self.create_button = QPushButton("&Create batch")
        self.create_button.clicked.connect(self.create)
        self.open_number = QLineEdit()
        self.open_number.setPlaceholderText("YYMMDD-NNN")
        self.open_button = QPushButton("&Open")
        self.open_button.clicked.connect(lambda: self.open_batch(self.open_number.text()))
        form = QFormLayout()
        form.addRow("Master form&ula (approved)", self.formula)  # Alt letters: one per control on show (test_batch_keys)
        self.profile_button = QPushButton("Patient profil&e…")
        self.profile_button.setToolTip("Date of birth, weight, allergies, conditions and medicines the screening checks")
        self.profile_button.clicked.connect(self.edit_profile)
        self.profile_note = QLabel()
        self.profile_note.setVisible(False)
        patient_row = QHBoxLayout()
        patient_row.addWidget(self.patient, 1)
        patient_row.addWidget(self.profile_button)
        patient_label = QLabel("Pat&ient")
        patient_label.setBuddy(self.patient)
        form.addRow(patient_label, patient_row)
        form.addRow("&Born", self.born)
        form.addRow("", self.profile_note)
        form.addRow("R&x number", self.rx)
        form.addRow("P&rescriber", self.prescriber)
        # The prescription's identifiers (issue 25): check digits verified when the batch is made.
        self.npi, self.dea, self.written = QLineEdit(), QLineEdit(), QLineEdit()
        self.npi.setPlaceholderText("NPI (10 digits)")
        self.dea.setPlaceholderText("DEA number")
        self.written.setPlaceholderText("date written YYYY-MM-DD")
        prescription_row = QHBoxLayout()
        for field in (self.npi, self.dea, self.written):
            prescription_row.addWidget(field)
        form.addRow("Prescriber NPI, DEA, date written", prescription_row)
        form.addRow("Weighing tolerance (± %, the pharmacy's)", self.tolerance)
        form.addRow("Label: direc&tions", self.directions)
        dose_row = QHBoxLayout()
        self.dose_amount.setMinimumWidth(260)
        self.dose_times.setMaximumWidth(90)
        dose_row.addWidget(self.dose_amount)
        times_label = QLabel("× times a da&y")
        times_label.setBuddy(self.dose_times)
        dose_row.addWidget(times_label)
        dose_row.addWidget(self.dose_times)
        dose_row.addWidget(QLabel("(the daily maximum is checked with these)"), 1)
        dose_label = QLabel("Dose chec&k: amount")
        dose_label.setBuddy(self.dose_amount)
        form.addRow(dose_label, dose_row)
        form.addRow("", self.dose_error)
        form.addRow("Label: &quantity", self.quantity)
        form.addRow("Label: re&fills", self.refills)
        form.addRow("Label: co&ntainer", self.container)
        form.addRow("", self.create_button)
        reopen = QHBoxLayout()
        reopen.addWidget(self.open_number, 1)
        reopen.addWidget(self.open_button)
        form.addRow("or open batch", reopen)
        order = QGroupBox("New batch")
        order.setLayout(form)

        self.refill = QLabel()
        self.refill.setWordWrap(True)
        self.refill.setStyleSheet(f"color: {WARNING_TEXT.name()}")
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        # Findings whose signed decision a change to their numbers voided: a pharmacist decides again.
        self.undecided = QLabel()
        self.undecided.setWordWrap(True)
        self.undecided.setStyleSheet(f"color: {ERROR_TEXT.name()}")
        self.decide_again_button = QPushButton("Decide &again…")
        self.decide_again_button.setToolTip("A pharmacist signs each voided finding again, with the reason")
        self.decide_again_button.clicked.connect(self.decide_again)
        undecided_row = QHBoxLayout()
        undecided_row.addWidget(self.undecided, 1)
        undecided_row.addWidget(self.decide_again_button)
        self.verify_view = VerifyView(self)
        # Before the verify view, the verifying pharmacist's own figures (issue 24: the blind check).
        self.blind_check = BlindCheckPanel(self._compare_figures, self)
        # Issue 25: the QC results the master formula asks (verification waits for them), deviations, the remake link.
        self.qc_panel = QcPanel(context, lambda number: self.open_batch(number), self, entered=self.focus_next_step)
        self.lines_box = QGroupBox("Lines: lot and grams weighed")
        self.grid = QGridLayout(self.lines_box)
        self.lot_boxes: list[QComboBox] = []
        self.weights: list[QLineEdit] = []
        self.deviations: list[QLabel] = []
        self.target_labels: list[QLabel] = []
        # Each line's target as shown: the record's, or worked out from the lots picked and not yet
        # saved (``targets_with_lots``); a weight typed against it is the one saved with those lots.
        self.shown_targets: dict[int, Decimal] = {}
        self.save_button = QPushButton("&Save lots and weights")
        self.save_button.clicked.connect(self.save_lines)
        self.prepare_button = QPushButton("Sign as &preparer")
        # The signature is of the record as the dialog shows it (a weight changed since by another workstation is refused).
        self.prepare_button.clicked.connect(self._sign_prepared)
        self.check_button = QPushButton("Sign as c&hecker")
        self.check_button.setToolTip("Someone other than the preparer has checked the lots and weighings")
        self.check_button.clicked.connect(lambda: self._signed_step("checked", batches.sign_checked))
        self.verify_button = QPushButton("Sign as &verifier")
        self.verify_button.clicked.connect(self.verify_batch)
        self.dispense_button = QPushButton("&Dispensed")
        self.dispense_button.clicked.connect(lambda: self._signed_step("dispensed", batches.dispense))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("reason for rejecting")
        self.reject_button = QPushButton("Re&ject")
        self.reject_button.clicked.connect(self.reject_batch)
        actions = QHBoxLayout()
        for widget in (self.save_button, self.prepare_button, self.check_button, self.verify_button, self.dispense_button, self.reason, self.reject_button):
            actions.addWidget(widget)
        self.print_worksheet_button = QPushButton("Print &worksheet…")
        self.print_worksheet_button.clicked.connect(lambda: self.print_document("worksheet"))
        self.print_label_button = QPushButton("Print &label…")
        self.print_label_button.clicked.connect(lambda: self.print_document("label"))
        self.print_on_button, self.print_on_actions = print_on_menu(self.print_document)
        self.amend_reason = QLineEdit()
        self.amend_reason.setPlaceholderText("what the amendment corrects (a pharmacist amends a verified batch)")
        self.amend_button = QPushButton("&Amend…")
        self.amend_button.clicked.connect(self.amend_batch)
        self.station_button = QPushButton("Wei&ghing station…")
        self.station_button.setToolTip("Scan each container and read the weights from the balance, one line at a time")
        self.station_button.clicked.connect(self.open_station)
        self.station_button.setVisible(open_station is not None)
        self._open_station = open_station
        self.station: QDialog | None = None
        self.reason_dialog: SigningDialog | None = None  # the policy's signature, while asked
        more = QHBoxLayout()
        for widget in (self.station_button, self.print_worksheet_button, self.print_label_button, self.print_on_button):
            more.addWidget(widget)
        more.addStretch(1)
        more.addWidget(self.amend_reason, 2)
        more.addWidget(self.amend_button)
        self.message = message_label()
        # Shown when the server could not be reached: does the failed step again, with the entries as they stand.
        self.retry_button = QPushButton("&Retry")
        self.retry_button.hide()
        self.retry_button.clicked.connect(self._retry)
        self._again: Callable[[], None] | None = None  # the step to do again once the server is back (Retry)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(order)
        layout.addWidget(self.refill)
        layout.addWidget(self.heading)
        layout.addLayout(undecided_row)
        layout.addWidget(self.lines_box, 1)
        layout.addWidget(self.blind_check)
        layout.addWidget(self.verify_view, 1)
        layout.addWidget(self.qc_panel)
        layout.addLayout(actions)
        layout.addLayout(more)
        layout.addWidget(self.message)
        layout.addWidget(self.retry_button)
        layout.addWidget(close)
        context.signed_in.connect(lambda _actor: self._enable())
        self._enable()
        self.fill_dose()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """With a batch on show, Enter presses only the button that has the keys (the button takes
        it itself), never the dialog's default: Qt makes Create batch, the default a workbench
        order leaves, the default again whenever the keys leave a button, so Enter on a lot's box
        pressed Create batch for a second batch. Enter in "or open batch" opens the batch typed
        there (it pressed Create batch, or nothing with a batch on show)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() is self.open_number:
            event.accept()
            self.open_batch(self.open_number.text())
            return
        if self.record is not None and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not isinstance(self.focusWidget(), QPushButton):
            event.accept()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ steps
    def fill_tolerance(self) -> None:
        """The pharmacy's weighing tolerance, or an empty field saying an administrator sets it."""
        tolerance = self._pharmacy_tolerance()
        if tolerance is None:
            self.tolerance.setText("")
            self.tolerance.setPlaceholderText("not set: an administrator sets the SOP's under File ▸ Pharmacy settings…")
        else:
            self.tolerance.setText(tolerance)

    def _pharmacy_tolerance(self) -> str | None:
        """The records' stored rule, else the pharmacy settings' (until an administrator stores it)."""
        try:
            with self._context.reading() as session:
                stored = weighing_policy(session).tolerance_percent
        except RecordsError:
            stored = None
        if stored is not None:
            return f"{stored.normalize():f}"
        pharmacy = self._pharmacy()
        tolerance = pharmacy.weighing_tolerance if pharmacy is not None else None
        return None if tolerance is None else format_quantity(tolerance.to("percent"), 6).removesuffix(" %")

    def fill_dose(self) -> None:
        """The chosen master formula version's own directions (amount, times a day), when it has them."""
        version_id = self.formula.currentData()
        directions = None
        if version_id is not None:
            try:
                directions = self._library.version(version_id).data.get("directions")
            except RecordsError:
                directions = None
        if not isinstance(directions, dict):
            directions = {}
        amount, times = directions.get("amount"), directions.get("times_per_day")
        self.dose_amount.setText(str(amount) if amount is not None else "")
        self.dose_times.setText(f"{times:g}" if isinstance(times, (int, float)) and not isinstance(times, bool) else str(times or ""))
        self.check_dose()

    def check_dose(self) -> bool:
        """The dose-check directions as typed, checked by the engine's parser; a bad value is
        named under the fields. True when they are usable (or both empty)."""
        try:
            self._dose_data()
        except InputError as error:
            self.dose_error.setText(f"{_FIELD_TITLES.get(error.field, error.field)}: {error.message}")
            self.dose_error.setVisible(True)
            return False
        self.dose_error.setText("")
        self.dose_error.setVisible(False)
        return True

    def _dose_data(self) -> dict | None:
        """The dose-check directions as formula-file data (None when not given); raises ``InputError``."""
        from compounder.calc.formula_file import parse_directions, typed_directions

        data = typed_directions(self.dose_amount.text(), self.dose_times.text())
        if data is not None:
            parse_directions(data)
        return data

    def create(self) -> None:  # type: ignore[override]  # the Create batch button; QWidget.create (native window) is never called on a dialog
        actor = self._context.actor
        if actor is None:
            self.message.setText("sign in (Records ▸ Sign in) to make a batch")
            return
        version_id = self.formula.currentData()
        if version_id is None:
            self.message.setText("no approved master formula in the library; a pharmacist approves one first")
            return
        if self._pharmacy_tolerance() is not None:  # as the pharmacy has it now
            self.fill_tolerance()
        if not self.tolerance.text().strip():
            self.message.setText(
                "weighing tolerance: the pharmacy has none; an administrator sets the SOP's under File ▸ Pharmacy settings…"
            )
            return
        try:
            born = typed_date(self.born.text(), "born", kind="date_of_birth", example="1948-03-02")  # as typed, or refused
        except InputError as error:
            self.message.setText(f"{error.field}: {error.message}")
            return
        try:
            version = self._library.version(version_id)
            order_data = self._order_data(version.data, born)
            order = parse_batch_order(order_data).order
            with self._context.transaction() as session:
                now = self._context.now(session)  # the records' clock: a batch is not dated by this computer's
                today = records_today(now)
                patient = people.patient(session, actor, self.patient.text(), born, now)
                diff = refill_changes(session, patient.id, self.rx.text(), version_id)
                self._show_refill(diff)
                order_data = refill_order(session, patient.id, self.rx.text(), order_data)  # a refill's refills left: the records'
                order = parse_batch_order(order_data).order
                plan = screened_plan(session, self._catalog, version_id, patient.id, today, order=order_data)
            # The patient is on file now; a pharmacist signs the refill's changes and decides the
            # findings outside any transaction.
            refill_signature = self._refill_signature(diff)
            if refill_signature is False:
                return
            decisions = self._decisions_for(plan)
            if decisions is None:
                return
            with self._context.transaction() as session:
                now = self._context.now(session)
                today = records_today(now)
                chosen = self._workbench_lots[1] if self._workbench_lots and self._workbench_lots[0] == version_id else None
                record = make_batch(
                    session, actor, self._catalog, formula_version_id=version_id, patient=patient, rx_number=self.rx.text(),
                    prescriber=self.prescriber.text(), compounded_on=today, tolerance_percent=self.tolerance.text(), now=now,
                    acknowledgements=decisions, order=order_data, freeze=lambda plan: self._plan(plan, order), lots=chosen,
                )
                if refill_signature is not None and diff is not None:
                    refill_signoff.store(session, refill_signature, record.batch_number, diff.changes, now)
                    record = batches.batch_record(session, record.batch_number)
                self._record_prescription(session, actor, record.batch_number, now)  # refused: no batch is made either
        except InputError as error:
            self.message.setText(f"{_FIELD_TITLES.get(error.field, error.field)}: {error.message}")
            return
        except BatchBlocked as blocked:
            # Each error in its own words: it may be the prescription's (no directions for the daily
            # check, too small a container), not the master formula's.
            found = "; ".join(f"{f.code}: {f.message}" for f in blocked.findings)
            self.message.setText(f"No batch made: {blocked.reason}. {found}")
            return
        except RecordsError as error:
            self._failed(failure(error), self.create)
            return
        self.message.setText("")
        self._show(record)
        # The keys go on to the first line to fill (its lot, then its weight), not stay on Create batch.
        first = self._to_fill(0)
        if first is not None:  # once the layout has shown the new line's widgets (a hidden widget takes no focus)
            QTimer.singleShot(0, first, first.setFocus)

    def _order_data(self, formula: dict, born: dt.date | None) -> dict:
        """The prescription, the dose-check directions and the master formula's steps and checks,
        as formula-file data (``parse_batch_order`` checks them by the engine's rules)."""
        data = with_formula_documents(formula, {})
        prescription: dict[str, object] = {
            "patient": self.patient.text().strip() or None, "rx_number": self.rx.text().strip() or None,
            "prescriber": self.prescriber.text().strip() or None, "date_of_birth": born.isoformat() if born else None,
            "directions": self.directions.text().strip() or None, "quantity": self.quantity.text().strip() or None,
        }
        refills = self.refills.text().strip()
        if refills:
            if not refills.isdigit():
                raise InputError("prescription.refills", f"{refills!r} is not a number of refills; give a whole number from 0 to 99")
            prescription["refills"] = int(refills)
        data["prescription"] = {key: value for key, value in prescription.items() if value is not None}
        if self.container.text().strip():
            data["container"] = self.container.text().strip()
        directions = self._dose_data()
        if directions is not None:
            data["directions"] = directions
        return data

    def _plan(self, plan, order) -> dict:
        """The engine's (screened) plan with the worksheet and label frozen, as the batch stores it."""
        from compounder.calc.batch_document import plan_with_documents

        pharmacy = self._pharmacy()
        today = self._context.today()
        return plan_with_documents(plan, order, self._catalog, today, pharmacy.final_weight_tolerance if pharmacy else None)

    # ------------------------------------------------------------------ patient screening
    def _decisions_for(self, plan) -> list[FindingDecision] | None:
        """The pharmacist's signed decisions on the plan's patient errors and warnings (none
        needed: an empty list); ``None`` when nobody signed, after saying so."""
        from compounder.calc import Severity
        from compounder.calc.release import overridable

        needed = [f for f in plan.findings if f.severity is Severity.WARNING or overridable(f)]
        if not needed or any(f.severity is Severity.ERROR and not f.patient for f in plan.findings):
            return []  # nothing to decide, or an error of the formula: the records refuse it in their words
        signed = self.decide(needed)
        if signed is None:
            self.message.setText(
                f"No batch made: {len(needed)} finding(s) need a pharmacist's signed decision (errors overridden, warnings acknowledged)"
            )
            return None
        from compounder.calc.finding_numbers import fingerprints
        from compounder.calc.plan_data import plan_to_json

        numbers = fingerprints(plan_to_json(plan))  # each decision bound to the numbers shown (issue 28, observation 4)
        return [FindingDecision(d.finding.code, d.credentials, d.reason, numbers.get(d.finding.code)) for d in signed]

    def decide(self, findings) -> list | None:
        """A pharmacist signs a decision on each of ``findings`` in the signing dialog
        (``ui.common.finding_decisions``); the signed decisions, or ``None`` when cancelled. Tests
        replace it where the dialog is not what they test."""
        from compounder.ui.common.finding_decisions import decide_findings

        return decide_findings(self, self._context, findings, "make the batch")

    def edit_profile(self) -> PatientProfileDialog | None:
        """Open the profile of the patient named above (added to the records when new)."""
        actor = self._context.actor
        if actor is None:
            self.message.setText("sign in (Records ▸ Sign in) to record a patient profile")
            return None
        try:
            born = typed_date(self.born.text(), "born", kind="date_of_birth", example="1948-03-02")  # as typed, or refused
        except InputError as error:
            self.message.setText(f"{error.field}: {error.message}")
            return None
        patient = self._context.run(lambda session: people.patient(session, actor, self.patient.text(), born, self._context.clock()))
        if isinstance(patient, Failed):
            self.message.setText(patient.text)
            return None
        self.message.setText("")
        dialog = PatientProfileDialog(self._context, self._catalog, patient.id, self)
        dialog.accepted.connect(lambda: self._profile_saved(dialog))
        dialog.open()
        return dialog

    def _profile_saved(self, dialog: PatientProfileDialog) -> None:
        saved = dialog.saved
        if saved is not None and saved.date_of_birth is not None:
            self.born.setText(saved.date_of_birth.isoformat())
        self.profile_note.setText(f"Profile of {saved.name} saved; the batch is screened against it." if saved else "")
        self.profile_note.setVisible(saved is not None)

    def _show_refill(self, diff) -> None:
        """Shows what changed in the formula since the patient's last batch on the Rx."""
        if diff is None:
            self.refill.setText("")
        elif not diff.changes:
            self.refill.setText(f"Refill of batch {diff.previous_batch}: same formula ({diff.previous_version}).")
        else:
            changes = "".join(f"<li>{_html(change)}</li>" for change in diff.changes)
            self.refill.setText(
                f"<b>Refill: the formula changed since batch {_html(diff.previous_batch)}</b> ({_html(diff.previous_version)}):<ul>{changes}</ul>"
                "A pharmacist signs these changes when the batch is made."
            )

    def _refill_signature(self, diff):
        """A refill to a changed formula: the pharmacist's signature on its changes, asked now
        (``ask_signature``); None when there is nothing to sign, False (after saying so) when
        nobody signed."""
        if diff is None or not diff.changes:
            return None
        what = (f"<b>The formula changed since batch {_html(diff.previous_batch)}</b> ({_html(diff.previous_version)}):<ul>"
                + "".join(f"<li>{_html(change)}</li>" for change in diff.changes)
                + "</ul>A pharmacist signs that they checked these changes against the prescription.")
        def pharmacist(username: str, password: str) -> refill_signoff.RefillSignature:
            with self._context.reading() as session:
                return refill_signoff.signature_of(session, Credentials(username, password))

        signature = self.ask_signature("Refill changes — pharmacist signs", what, pharmacist)
        if signature is None:
            self.message.setText(f"No batch made: the formula changed since batch {diff.previous_batch}; a pharmacist signs the changes")
            return False
        return signature

    def ask_signature(self, title: str, what: str, sign):
        """A pharmacist's signature on ``what``, given now in the one signing dialog and checked by
        ``sign(username, password)`` (the records); ``sign``'s result or None. Tests replace it
        to drive the signature themselves."""
        from compounder.ui.common.signing_dialog import sign as ask

        return ask(self, self._context, "refill change", what,
                   lambda signature: sign(signature.credentials.username, signature.credentials.password), title=title)

    def prepare_refill(self, batch_number: str) -> None:
        """Fill the order from a patient's batch for a refill on the approved version of the same
        master formula, and show what changed since that batch."""
        try:
            with self._context.reading() as session:
                record = batches.batch_record(session, batch_number)
                previous = self._library.version(record.formula_version_id)
                current = self._library.approved_version(previous.master_formula_id)
                if current is None:
                    raise RecordError(f"{previous.name} has no approved version now; a pharmacist approves one before a refill")
                diff = refill_changes(session, record.patient.id, record.rx_number, current.id)
        except RecordsError as error:
            self.message.setText(problem_text(error))
            return
        index = self.formula.findData(current.id)
        if index < 0:
            self.formula.addItem(current.label, current.id)
            index = self.formula.count() - 1
        self.formula.setCurrentIndex(index)
        self.patient.setText(record.patient.name)
        self.born.setText(record.patient.date_of_birth.isoformat() if record.patient.date_of_birth else "")
        self.rx.setText(record.rx_number)
        self.prescriber.setText(record.prescriber)
        label = (record.plan.get("documents") or {}).get("label") or {}
        self.directions.setText(label.get("directions") or "")  # as on the last label; the refills left are the records' (fills.refill_order)
        self.quantity.setText(label.get("quantity") or "")
        used = record.plan.get(DIRECTIONS_USED)
        if isinstance(used, dict):  # the dose check of the last batch on the Rx (else the formula's own, as chosen above)
            self.dose_amount.setText(str(used.get("amount") or ""))
            self.dose_times.setText(f"{used['times_per_day']:g}" if isinstance(used.get("times_per_day"), (int, float)) else "")
        self.refills.clear()
        self._show_refill(diff)
        self.message.setText("")

    def prefill_from_workbench(self, order: WorkbenchOrder) -> str:
        """Fill the order from the workbench (issue 28, observation 5): the formula on screen (its
        approved master formula version; none approved: saved as a draft version for a pharmacist
        to approve, and said), the prescription, the dose check and the lots typed on its lines.
        A draft batch this prescription already has is updated to what is on the workbench and
        opened, not made a second time (``_update_draft``). Returns what the dialog says (also
        shown in it)."""
        rx = order.prescription
        born_text = str(rx.get("date_of_birth") or "")
        self.patient.setText(str(rx.get("patient") or ""))
        self.born.setText(born_text)
        self.rx.setText(str(rx.get("rx_number") or ""))
        self.prescriber.setText(str(rx.get("prescriber") or ""))
        self.directions.setText(str(rx.get("directions") or ""))
        self.quantity.setText(str(rx.get("quantity") or ""))
        self.refills.setText("" if rx.get("refills") is None else str(rx.get("refills")))
        self.container.setText(order.container or "")
        try:
            version = matching_version(self._library, order)
            if version is None:
                entry = save_draft(self._library, order, self._context.actor)
                said = (f"“{entry.name}” as on the workbench has no approved master formula version: it is saved as draft "
                        f"version {entry.version} for a pharmacist to approve (File ▸ Approve master formula…); then make the batch.")
                self.message.setText(said)
                return said
            born = dt.date.fromisoformat(born_text) if born_text else None
            with self._context.reading() as session:
                lots_typed = workbench_lots(session, order.formula)
                draft = open_draft(session, self.patient.text(), born, self.rx.text()) if self.patient.text().strip() and self.rx.text().strip() else None
        except (RecordsError, LibraryError, ValueError) as error:
            if isinstance(error, ValueError):
                said = f"born {born_text!r} is not a date; type YYYY-MM-DD"
            else:
                said = str(error) if isinstance(error, LibraryError) else problem_text(error)
            self.message.setText(said)
            return said
        index = self.formula.findData(version.id)
        if index < 0:
            self.formula.addItem(version.label, version.id)
            index = self.formula.count() - 1
        self.formula.setCurrentIndex(index)  # fills the formula's own dose check; the workbench's replaces it below
        directions = order.directions or {}
        if directions:
            self.dose_amount.setText(str(directions.get("amount") or ""))
            times = directions.get("times_per_day")
            self.dose_times.setText(f"{times:g}" if isinstance(times, (int, float)) and not isinstance(times, bool) else str(times or ""))
        self._workbench_lots = (version.id, lots_typed)
        if draft is not None:
            said = self._update_draft(draft, version, lots_typed, born)
        else:
            said = f"From the workbench: {version.label}" + (f", {len(lots_typed)} lot(s) as typed" if lots_typed else "") + ". Check, then Create batch."
            self.create_button.setDefault(True)
            self.create_button.setFocus()
        self.message.setText(said)
        return said

    def _update_draft(self, draft: str, version, lots_typed: dict[int, int], born: dt.date | None) -> str:
        """This prescription's draft worked out again for the order as the workbench filled it in
        (``screening.update_draft``), then opened; what stops it (weights entered, another
        master formula version) is said, with the draft opened as it was."""
        opened = f"Batch {draft} is this prescription's draft"
        actor = self._context.actor
        if actor is None:
            self.open_batch(draft)
            return f"{opened}: opened, not updated; sign in (Records ▸ Sign in) to update it from the workbench."
        try:
            order_data = self._order_data(version.data, born)  # before the draft's own values fill the fields
            parsed = parse_batch_order(order_data).order
            with self._context.transaction() as session:
                update_draft(session, actor, self._catalog, draft, formula_version_id=version.id, order=order_data,
                             now=self._context.now(session), lots=lots_typed, freeze=lambda plan: self._plan(plan, parsed))
        except InputError as error:
            said = f"{opened}: opened, not updated: {_FIELD_TITLES.get(error.field, error.field)}: {error.message}"
        except RecordsError as error:
            said = f"{opened}: opened, not updated: {problem_text(error)}"
        else:
            said = f"{opened}: updated to the workbench's order ({version.label}), not made again."
        self.open_batch(draft)
        return said

    def verify_batch(self) -> None:
        pharmacy = self._pharmacy()
        allowed = pharmacy.allow_self_verification if pharmacy is not None else False
        self._signed_step("verified", self._as_shown(lambda session, credentials, number, now, shown: batches.verify(
            session, credentials, number, now, allow_self_verification=allowed, shown=shown)))
        if self.record is not None and self.record.status is Status.VERIFIED:
            self.focus_next_step()  # Print label

    def decide_again(self) -> None:
        """A pharmacist signs again each finding whose decision was voided (``batches.decide_again``),
        at the batch's numbers as shown."""
        from compounder.calc import Finding, Severity
        from compounder.calc.finding_numbers import fingerprints

        record = self.record
        if record is None or self._context.actor is None:
            return
        try:
            with self._context.reading() as session:
                waiting = batches.undecided_findings(session, record.id, record.plan)
        except RecordsError as error:
            self._failed(failure(error), self.decide_again)
            return
        if not waiting:
            return
        findings = [Finding(Severity(severity), code, message, patient=severity == "error") for code, severity, message in waiting]
        signed = self.decide(findings)
        if signed is None:
            self.message.setText(f"not decided: {len(findings)} finding(s) still wait for a pharmacist's signed decision")
            return
        numbers = fingerprints(record.plan)  # the numbers shown
        decisions = [FindingDecision(d.finding.code, d.credentials, d.reason, numbers.get(d.finding.code)) for d in signed]
        self._step(lambda session, _actor, number, now: batches.decide_again(session, number, decisions, now))

    def amend_batch(self) -> None:
        self._step(lambda session, actor, number, now: batches.amend(session, actor, number, self.amend_reason.text(), now))
        if self.record is not None and self.record.amends and self.record.status is Status.DRAFT:
            self.amend_reason.clear()

    def open_station(self) -> None:
        if self.record is None or self._open_station is None:
            return
        number = self.record.batch_number
        self.station = self._open_station(self._context, number, self._pharmacy(), self, lambda: self._certified_minimum(number))
        self.station.finished.connect(lambda _result: self.open_batch(number))
        self.station.open()

    def _certified_minimum(self, batch_number: str) -> Decimal | None:
        """The batch's balance's minimum weighable as the settings certify it now (None: none)."""
        pharmacy = self._pharmacy()
        if pharmacy is None or self.record is None or self.record.batch_number != batch_number:
            return None
        return certified_minimum(self._catalog, pharmacy.certified_minimums, self.record.plan["balance"]["name"])

    def print_document(self, kind: str, choose: bool = False) -> None:
        """Print the batch's ``kind`` on the pharmacy's printer for it, or (``choose``) on one picked in the print dialog."""
        if self.record is None:
            return
        self.message.setText(self._printer.print(kind, self.record.batch_number, choose=choose))

    def open_batch(self, number: str) -> None:
        try:
            if self._context.actor is not None:  # a draft from before the aliquot's weighings were recorded gets them
                with self._context.transaction() as session:
                    aliquot_steps.set_up_missing(session, self._context.actor, number, self._context.clock())
            with self._context.reading() as session:
                shown, why = self._context.patient_details(session)  # a stored batch names its patient (issue 24, privacy)
                record = batches.batch_record(session, number) if shown else None
        except RecordsError as error:
            self._failed(failure(error), lambda: self.open_batch(number))
            return
        if record is None:
            self.message.setText(f"{why} Sign in as a user who sees them to open batch {number}.")
            return
        self.message.setText("")
        self._show(record)

    def save_lines(self) -> None:
        """Assign the chosen lots and enter the typed weights, all or nothing."""
        actor, record = self._context.actor, self.record
        if actor is None or record is None:
            return
        signed = self._policy_signatures(record)
        if signed is None:
            return
        signed_weights, signed_lots = signed
        try:
            pharmacy = self._pharmacy()
            shown: dict[int, int | None] = {line.position: line.version for line in record.lines}  # each line as shown: one changed since is refused
            moved: list[str] = []
            with self._context.transaction() as session:
                now = self._context.now(session)
                # Every line as shown, checked before anything is written: a lot chosen below may work
                # every line's target out again (its assay), a change of this very save, not another's.
                for line in record.lines:
                    batches.refuse_if_line_changed(session, record.batch_number, line.position, shown[line.position])
                    shown[line.position] = None
                for line, box in zip(record.lines, self.lot_boxes, strict=True):  # a lot's assay may work the targets out again
                    if box.currentData() is not None and box.currentData() != line.lot_id:
                        choose_lot(session, actor, self._catalog, record.batch_number, line.position, box.currentData(), now,
                                   final_weight_tolerance=pharmacy.final_weight_tolerance if pharmacy else None)
                before = self.shown_targets or {line.position: line.target for line in record.lines}  # the targets the weights were typed against
                moved = [
                    f"line {line.position} ({line.name}) {before[line.position]:f} → {line.target:f} g"
                    for line in batches.batch_record(session, record.batch_number).lines if line.target != before[line.position]
                ]
                if signed_lots is not None:  # the pharmacy requires the scan: a pharmacist signed for the lots chosen from the list
                    for line in batches.batch_record(session, record.batch_number).lines:
                        if line.lot_id is not None and line.identity is None:
                            station.confirm_by_hand(session, signed_lots.signer, record.batch_number, line.position, signed_lots.reason, now, at_station=actor)
                # The balance's minimum as the settings certify it now: a new certification applies at once.
                minimum = certified_minimum(self._catalog, pharmacy.certified_minimums, record.plan["balance"]["name"]) if pharmacy else None
                for line, weight in zip(batches.batch_record(session, record.batch_number).lines, self.weights, strict=True):
                    if line.steps or moved:  # an aliquot line is weighed at the station; a weight typed against an old target is not taken
                        continue
                    typed = weight.text().strip()
                    if typed and (line.actual is None or not _same_weight(typed, line.actual)):
                        try:
                            batches.enter_weight(session, actor, record.batch_number, line.position, typed, now,
                                                 minimum_weighable=minimum, expected_version=shown[line.position], signed=signed_weights,
                                                 balance_id=pharmacy.balance_id if pharmacy else None)
                        except RecordError as error:
                            raise RecordError(f"line {line.position} ({line.name}): {error}") from None
                updated = batches.batch_record(session, record.batch_number)
        except RecordsError as error:
            self._failed(failure(error), self.save_lines, " — nothing was saved")
            return
        self.message.setText(
            "Saved the lots. Their assay worked the targets out again (" + "; ".join(moved) + "): no weight was saved — "
            "weigh against the new targets and save again." if moved else ""
        )
        self._show(updated)

    def _policy_signatures(self, record: BatchRecord) -> tuple[SignedReason | None, SignedReason | None] | None:
        """The pharmacist's signed reasons the pharmacy's weighing policy asks of this save, asked
        now: one for the weights typed where the balance is required, one for the lots chosen from
        the list where the scan is. None (after saying so) when a pharmacist did not sign."""
        try:
            with self._context.reading() as session:
                policy = weighing_policy(session)
        except RecordsError as error:
            self._failed(failure(error), self.save_lines, " — nothing was saved")
            return None
        typed: list[tuple[str, str]] = []  # (the line, the grams typed)
        unscanned: list[str] = []
        for line, box, weight in zip(record.lines, self.lot_boxes, self.weights, strict=True):
            text = weight.text().strip()
            if policy.balance_required and not line.steps and text and (line.actual is None or not _same_weight(text, line.actual)):
                typed.append((f"line {line.position} ({line.name})", f"{text.removesuffix('g').strip()} g"))
            chosen = box.currentData()
            if policy.scan_required and chosen is not None and (chosen != line.lot_id or line.identity is None):
                unscanned.append(f"line {line.position} ({line.name})")
        signed_weights = signed_lots = None
        if unscanned:
            named = ", ".join(unscanned)
            signed_lots = self.ask_signed_reason(named[:1].upper() + named[1:], unscanned_lot(), "a lot chosen without a scan")
            if signed_lots is None:
                self.message.setText("nothing was saved: the pharmacy requires the scan; a pharmacist signs for a lot chosen from the list")
                return None
        if typed:
            lines, grams = ", ".join(line for line, _ in typed), ", ".join(weight for _, weight in typed)
            signed_weights = self.ask_signed_reason(lines[:1].upper() + lines[1:], typed_weight(grams), "a typed weight")
            if signed_weights is None:
                self.message.setText("nothing was saved: the pharmacy requires the balance; a pharmacist signs for a typed weight")
                return None
        return signed_weights, signed_lots

    def ask_signed_reason(self, line_text: str, wording: Wording, what: str) -> SignedReason | None:
        """A pharmacist's user name, password and reason for ``what`` ("a typed weight"), asked now in
        the signing dialog, their password and role checked there; None when cancelled. The
        records check the signer again when the save is written."""

        def check(signature: Signature) -> SignedReason:
            signed = SignedReason(signature.credentials, signature.reason)
            with self._context.reading() as session:
                check_signed(session, signed, what)  # a wrong password raised to the dialog, which counts it
            return signed

        self.reason_dialog = reason_dialog(self, self._context, line_text, wording, check)
        try:
            return signed(self.reason_dialog)
        finally:
            self.reason_dialog = None

    def reject_batch(self) -> None:
        reason = self.reason.text()
        self._signed_step("rejected", lambda session, credentials, number, now: batches.reject(session, credentials, number, reason, now),
                          f"Reason: {reason.strip() or '(none given)'}")

    def _as_shown(self, sign):
        """``sign`` given the content hash of the record the dialog shows now: the signature is
        of that content, refused when another workstation changed the batch since."""
        shown = self.record.content_hash if self.record is not None else None
        return lambda session, actor, number, now: sign(session, actor, number, now, shown=shown)

    def _signed_step(self, meaning: str, step, detail: str = "") -> None:
        """``step(session, credentials, batch_number, now)`` signed at the moment in the signing
        dialog (``ui.common.signing_dialog``): the records check the password in the same
        transaction that stores the signature."""
        record = self.record
        if record is None:
            return
        subject = (f"Batch {record.batch_number} — {record.formula_name} (version {record.formula_version}) for {record.patient.name}, "
                   f"Rx {record.rx_number}; status {record.status.value}, as shown now.") + (f"\n{detail}" if detail else "")
        updated = sign(self, self._context, meaning, subject, stored(
            self._context, lambda session, signature: step(session, signature.credentials, record.batch_number, self._context.now(session))))
        if updated is None:
            return
        self.message.setText("")
        self._show(updated)

    def _record_prescription(self, session, actor, batch_number: str, now) -> None:
        """The prescriber's NPI and DEA number and the date written, when any is given."""
        from compounder.records.contacts import set_prescription

        npi, dea, written = self.npi.text().strip(), self.dea.text().strip(), self.written.text().strip()
        if not (npi or dea or written):
            return
        try:
            day = dt.date.fromisoformat(written) if written else None
        except ValueError:
            raise RecordError(f"date written: {written!r}; give a date YYYY-MM-DD") from None
        set_prescription(session, actor, batch_number, now, npi=npi, dea=dea, written_on=day)

    def _sign_prepared(self) -> None:
        """The preparer's signature, the lots and weights typed and not yet saved saved first (one
        press, issue 28: a line refused is named and nothing is saved or signed; lots whose assay
        moved the targets are saved and said, and nothing is signed). Under the pharmacy's
        competency rule "warn", the gap is shown after it; then the keys go to the QC."""
        from compounder.records.quality_logs import competency_warning

        if self.record is not None and self.record.status is Status.DRAFT and self._lines_unsaved():
            self.save_lines()
            if self.message.text() or self._lines_unsaved():
                return  # said why (the line, or the targets moved): nothing signed
        self._signed_step("prepared", self._as_shown(batches.sign_prepared))
        actor, record = self._context.actor, self.record
        if actor is None or record is None or record.status.value != "prepared":
            return
        warning = self._context.run(lambda s: competency_warning(s, actor.id, record.batch_number, self._context.today()), write=False)
        if isinstance(warning, str):
            self.message.setText(f"Signed. Warning: {warning}")
        self.focus_next_step()

    def _lines_unsaved(self) -> bool:
        """Whether a lot chosen or a weight typed on screen differs from the record (an empty weight is not a change)."""
        record = self.record
        if record is None or record.status is not Status.DRAFT:
            return False
        for line, box, weight in zip(record.lines, self.lot_boxes, self.weights, strict=True):
            if box.currentData() is not None and box.currentData() != line.lot_id:
                return True
            typed = weight.text().strip()
            if not line.steps and typed and (line.actual is None or not _same_weight(typed, line.actual)):
                return True
        return False

    def _step(self, step) -> None:
        actor, record = self._context.actor, self.record
        if actor is None or record is None:
            return
        updated = self._context.run(lambda session: step(session, actor, record.batch_number, self._context.now(session)))
        if isinstance(updated, Failed):
            self._failed(updated, lambda: self._step(step))
            return
        self.message.setText("")
        self._show(updated)

    def _failed(self, failed: Failed, again: Callable[[], None], suffix: str = "") -> None:
        """Say what went wrong; when the server could not be reached, offer to do it again (the
        entries stay in the dialog: nothing is cleared)."""
        self.message.setText(failed.text + suffix)
        self._again = again if failed.retryable else None
        self.retry_button.setVisible(failed.retryable)

    def _retry(self) -> None:
        again, self._again = self._again, None
        self.retry_button.hide()
        if again is not None:
            again()

    # ------------------------------------------------------------------ display
    def _show(self, record: BatchRecord) -> None:
        self.record = record
        self.create_button.setDefault(False)  # a batch on show: Enter in its fields never makes another (keyPressEvent)
        self._again = None
        self.retry_button.hide()
        signatures = [f"status {record.status.value}"]
        # Each signature as 21 CFR 11.50 asks: the signer's printed name, the date and time, the meaning.
        if record.prepared_by:
            signatures.append(f"prepared by {record.prepared_by}{_when(record.prepared_at)}")
        if record.checked_by:
            signatures.append(f"checked by {record.checked_by}{_when(record.checked_at)}")
        if record.verified_by:
            signatures.append(f"verified by {record.verified_by}{_when(record.verified_at)}")
        if record.dispensed_by:
            signatures.append(f"dispensed by {record.dispensed_by}{_when(record.dispensed_at)}")
        if record.rejected_by:
            signatures.append(f"rejected by {record.rejected_by}{_when(record.rejected_at)}: {record.reject_reason}")
        if record.amends:
            signatures.append(f"amends batch {record.amends}: {record.amendment_reason}")
        if record.amended_by:
            signatures.append(f"amended by batch {', '.join(record.amended_by)}")
        self.heading.setText(
            f"<b>Batch {record.batch_number}</b> — {record.formula_name} (version {record.formula_version}) for {record.patient.name}, "
            f"Rx {record.rx_number}; beyond use {record.beyond_use.isoformat()}; tolerance ± {record.tolerance_percent} %; "
            + "; ".join(signatures)
            + "".join(f"<br>{_html(ack.code)}: {_html(decision_text(ack))}" for ack in record.acknowledgements)
        )
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 0)
        self.lot_boxes, self.weights, self.deviations, self.target_labels = [], [], [], []
        self.shown_targets = {line.position: line.target for line in record.lines}
        for column, title in enumerate(("#", "Weigh", "Target (g)", "Lot", "Weighed (g)", "Deviation")):
            self.grid.addWidget(QLabel(f"<b>{title}</b>"), 0, column)
        with self._context.reading() as session:
            offered = {
                line.name: lots.usable_lots(session, line.name, record.compounded_on, record.beyond_use) for line in record.lines
            }
            chosen = {line.lot_id: lots.get_lot(session, line.lot_id) for line in record.lines if line.lot_id is not None}
            held = {line.name: [lot.lot_number for lot in lots.lots(session, stock_form=line.name) if lot.status == "quarantined"]
                    for line in record.lines}  # not offered; said in the box's tooltip (issue 25)
            scan_decides = weighing_policy(session).scan_required
        editable = record.status is Status.DRAFT
        preselected = False
        printed = record.plan["lines"]
        for row, line in enumerate(record.lines, start=1):
            target = printed[row - 1].get("grams_display", f"{line.target:f}")  # the digits the worksheet printed
            box = QComboBox()
            box.addItem("— choose a lot —", None)
            for lot in offered[line.name]:
                box.addItem(lot.label, lot.id)
            if line.lot_id is not None:
                index = box.findData(line.lot_id)
                if index < 0:
                    box.addItem(chosen[line.lot_id].label, line.lot_id)
                    index = box.count() - 1
                box.setCurrentIndex(index)
            elif editable and not scan_decides and len(offered[line.name]) == 1:
                # One usable lot on hand: it is the one weighed from, shown chosen (saved with the
                # weight; another lot received since is offered beside it). Under the scan policy
                # the container's scan says which lot is used, so none is chosen for anyone.
                box.setCurrentIndex(1)
                box.setToolTip("The only usable lot in stock, chosen for you: choose another if you weigh from another container")
                preselected = True
            if len(offered[line.name]) == 0 and line.lot_id is None:
                box.setToolTip("No usable lot in stock: receive one (Records ▸ Ingredient lots)")
            if held[line.name]:
                box.setToolTip((box.toolTip() + "\n" if box.toolTip() else "") + f"Not offered: lot {', '.join(held[line.name])} in quarantine "
                               "until a pharmacist reviews its certificate of analysis and releases it (Records ▸ Ingredient lots ▸ Release)")
            places = len(target.partition(".")[2])  # as many decimals as the balance reads
            weight = QLineEdit("" if line.actual is None else f"{line.actual:.{places}f}")
            weight.setPlaceholderText("grams")
            deviation = QLabel("" if line.deviation_percent is None else f"{line.deviation_percent:+} %" + (" — outside tolerance" if line.out_of_tolerance else ""))
            if line.steps:
                weight, deviation = aliquot_cells(line, places)
            if line.out_of_tolerance or any(step.out_of_tolerance for step in line.steps):
                deviation.setStyleSheet(f"color: {ERROR_TEXT.name()}; font-weight: bold")
            elif line.deviation_percent:
                deviation.setStyleSheet(f"color: {WARNING_TEXT.name()}")
            box.setEnabled(editable)
            weight.setEnabled(editable and not line.steps)
            target_label = QLabel(target)
            for column, widget in enumerate((QLabel(str(line.position)), QLabel(line.name), target_label, box, weight, deviation)):
                self.grid.addWidget(widget, row, column)
            self.target_labels.append(target_label)
            if editable:  # a lot picked shows the target it sets at once, before anything is weighed
                box.currentIndexChanged.connect(lambda _index: self._show_targets())
            self.lot_boxes.append(box)
            self.weights.append(weight)
            self.deviations.append(deviation)
            if editable and not line.steps:
                on_enter(weight, functools.partial(self._after_weight, row - 1))
        self.grid.setColumnStretch(3, 1)
        self.grid.setRowStretch(len(record.lines) + 1, 1)
        if preselected:  # a lot's assay may work the targets out again: shown before anything is weighed
            self._show_targets()
        self.lines_box.setVisible(editable)  # once prepared, the verify view shows each line as weighed
        self.verify_view.show_record(record)
        self._blind_step(record)
        self.qc_panel.show_record(record)
        # Short here (the finding in full is in the decision's dialog and the tooltip).
        self.undecided.setText("<br>".join(_html(text.split("; the finding now reads:")[0]) for text in record.undecided))
        self.undecided.setToolTip("\n\n".join(record.undecided))
        self._enable()

    def _after_weight(self, index: int) -> None:
        """Enter after line ``index``'s weight: the keys to the next line's lot (or weight, when
        its lot is chosen or cannot be), after the last line to Sign as preparer (which saves the lines
        typed). Nothing is saved or pressed by the Enter itself."""
        target = self._to_fill(index + 1) or self.prepare_button
        if target.isEnabled():
            target.setFocus()

    def _to_fill(self, index: int) -> QWidget | None:
        """The first field from line ``index`` on that is left to fill: a line's lot when none is
        chosen, else its weight (a weight worked out by aliquot steps is not typed)."""
        for box, weight in zip(self.lot_boxes[index:], self.weights[index:], strict=True):
            if box.isEnabled() and box.currentData() is None:
                return box
            if weight.isEnabled():
                return weight
        return None

    def focus_next_step(self) -> None:
        """The keys to what is next on a prepared or verified batch: the first QC result the master
        formula asks not yet entered, then the blind check's first figure still to type, then (for
        a pharmacist) Sign as verifier; on a verified batch, Print label (issue 28)."""
        record, actor = self.record, self._context.actor
        if record is None or actor is None:
            return
        target: QWidget | None = None
        if record.status is Status.PREPARED:
            target = self.qc_panel.next_field()
            if target is None and not self.blind_check.isHidden():
                target = self.blind_check.first_empty()
            if target is None and self.blind_check.isHidden() and actor.role is Role.PHARMACIST:
                target = self.verify_button
        elif record.status is Status.VERIFIED:
            target = self.print_label_button
        if target is not None and target.isEnabled():
            QTimer.singleShot(0, target, target.setFocus)  # once the layout shows it (a hidden widget takes no focus)

    def _show_targets(self) -> None:
        """Each line's target with the lots picked on screen (saved or not): a lot whose assay or
        expiry differs from the plan's works the targets out again, shown in bold with the
        record's target in the tooltip, so the weight is typed against the target it is checked
        against when the lots are saved (issue 28)."""
        record = self.record
        if record is None:
            return
        chosen = {line.position: box.currentData() for line, box in zip(record.lines, self.lot_boxes, strict=True) if box.currentData() is not None}
        try:
            with self._context.reading() as session:
                targets = targets_with_lots(session, self._catalog, record, chosen)
        except (RecordsError, InputError) as error:  # said again, in full, by Save
            said = problem_text(error) if isinstance(error, RecordsError) else f"{error.field}: {error.message}"
            self.message.setText(f"with the lots picked the targets cannot be worked out: {said}")
            return
        self.message.setText("")
        for line, label in zip(record.lines, self.target_labels, strict=True):
            shown = targets[line.position]
            self.shown_targets[line.position] = shown.grams
            label.setText(f"<b>{shown.display}</b>" if shown.grams != line.target else shown.display)
            label.setToolTip(f"Worked out from the lots picked (the record holds {line.target:f} g until they are saved)" if shown.grams != line.target else "")

    def _blind_step(self, record: BatchRecord) -> None:
        """The blind check before the verify view (issue 24): a pharmacist who has not yet matched
        the plan with their own figures types them first; the preparer's are hidden till then.
        The verify view lists the signed refill changes and each blind check."""
        actor = self._context.actor
        try:
            with self._context.reading() as session:
                notes = [change.text] if (change := refill_signoff.signed_change(session, record.batch_number)) else []
                notes += blind_checks.check_lines(session, record.batch_number)
                standing = blind_checks.standing(session, actor, record.batch_number) if actor is not None else None
        except RecordsError as error:
            self.message.setText(problem_text(error))
            return
        self.verify_view.show_notes(notes)
        if standing is not None and standing.needed:
            self.blind_check.ask(standing.wanted)
            self.verify_view.setVisible(False)
        else:
            self.blind_check.done()

    def _compare_figures(self, entered):
        """The blind check stored (match or not) and its comparison; the refusal's text when a
        figure is missing or not a figure (nothing stored)."""
        actor, record = self._context.actor, self.record
        if actor is None or record is None:
            return "sign in (Records ▸ Sign in) to make the blind check"
        number = record.batch_number
        outcome = self._context.run(lambda session: blind_checks.record_check(session, actor, number, entered, self._context.now(session)))
        if isinstance(outcome, Failed):
            return outcome.text
        self.open_batch(number)  # a match shows the verify view; the checks are listed on it
        if outcome.check.matches:
            self.focus_next_step()  # Sign as verifier
        return outcome.check

    def _enable(self) -> None:
        signed = self._context.actor is not None
        status = self.record.status if self.record else None
        self.create_button.setEnabled(signed)
        self.profile_button.setEnabled(signed)
        self.save_button.setEnabled(signed and status is Status.DRAFT)
        self.station_button.setEnabled(signed and status is Status.DRAFT)
        self.prepare_button.setEnabled(signed and status is Status.DRAFT)
        self.check_button.setEnabled(signed and status is Status.PREPARED and not (self.record and self.record.checked_by))
        self.verify_button.setEnabled(signed and status is Status.PREPARED)
        self.print_worksheet_button.setEnabled(signed and status is not None)
        self.print_label_button.setEnabled(signed and status in (Status.VERIFIED, Status.DISPENSED))  # records refuse any other
        self.print_on_actions["worksheet"].setEnabled(self.print_worksheet_button.isEnabled())
        self.print_on_actions["label"].setEnabled(self.print_label_button.isEnabled())
        self.print_on_button.setEnabled(self.print_worksheet_button.isEnabled())
        self.amend_button.setEnabled(signed and status in (Status.VERIFIED, Status.DISPENSED))
        self.amend_reason.setEnabled(signed and status in (Status.VERIFIED, Status.DISPENSED))
        self.dispense_button.setEnabled(signed and status is Status.VERIFIED)
        self.reject_button.setEnabled(signed and status in (Status.DRAFT, Status.PREPARED))
        waiting = bool(self.record and self.record.undecided)
        self.undecided.setVisible(waiting)
        self.decide_again_button.setVisible(waiting)
        self.decide_again_button.setEnabled(signed and waiting)
        self.reason.setEnabled(signed and status in (Status.DRAFT, Status.PREPARED))


_FIELD_TITLES = {
    "prescription.patient": "patient", "prescription.rx_number": "Rx number", "prescription.prescriber": "prescriber",
    "prescription.date_of_birth": "born", "prescription.directions": "label directions",
    "prescription.quantity": "label quantity", "prescription.refills": "label refills", "container": "label container",
    "directions.amount": "dose check: amount per application", "directions.times_per_day": "dose check: times a day",
}


def aliquot_cells(line, places: int) -> tuple[QLineEdit, QLabel]:
    """An aliquot line's "Weighed" and "Deviation" cells: the drug its three weighings delivered
    (not typed here: each weighing is recorded at the station), and each weighing as recorded."""
    weight = QLineEdit("" if line.actual is None else f"{line.actual:f}")
    weight.setReadOnly(True)
    weight.setPlaceholderText("3 weighings: station")
    weight.setToolTip(
        "Made by aliquot: the drug delivered, worked out from its three weighings (portion × ingredient / (ingredient + diluent)); "
        "record each weighing at the weighing station (from the balance, or typed)"
    )
    # each against its target as it stood when weighed; one still to weigh, its target adapted to those before it
    parts = [
        f"{step.step} {step.actual:.{places}f} g of {step.target:.{places}f} g ({step.deviation_percent:+} %)" + (" OUTSIDE" if step.out_of_tolerance else "")
        if step.actual is not None else f"{step.step} — (weigh {step.target:.{places}f} g)"
        for step in line.steps
    ]
    text = "aliquot: " + " · ".join(parts)
    if line.actual is not None and line.deviation_percent is not None:
        text += f"<br>drug delivered {line.deviation_percent:+} % of {line.target:.{places}f} g" + (" — outside tolerance" if line.out_of_tolerance else "")
    deviation = QLabel(text)
    deviation.setWordWrap(True)
    return weight, deviation


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _same_weight(typed: str, stored) -> bool:
    """Whether the field still holds the stored weight (so it is not entered again)."""
    from compounder.records.policy import parse_weight

    try:
        return parse_weight(typed) == stored
    except RecordError:
        return False


def _when(at: dt.datetime | None) -> str:
    """" (on 2026-11-23 09:30 UTC)": when a signature was given, as the worksheet prints it."""
    return f" (on {at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC)" if at is not None else ""
