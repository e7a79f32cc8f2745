"""The batch history: search by patient, Rx, formula, batch, lot and dates; open, refill, reprint
or amend a batch from it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from compounder.records.errors import RecordsError
from compounder.records.policy import RecordError
from compounder.ui.common.inline_error import message_label
from compounder.ui.common.paged_model import PagedRow, PagedRowsModel, paged_table
from compounder.ui.common.print_on_menu import print_on_menu
from compounder.ui.common.privacy_note import privacy_label, show_why
from compounder.ui.common.records_context import Failed, RecordsContext, failure, problem_text
from compounder.ui.common.table_model import select_key, selected_key
from compounder.ui.common.view_sizing import ColumnWidthStore

# The records' modules behind the dialog are imported when it opens: they load the records' model
# (~30 ms), which the window does not need to show.
if TYPE_CHECKING:
    from compounder.ui.records.batch_dialog import BatchDialog


HISTORY_HEADERS = ("Batch", "Compounded", "Status", "Patient", "Born", "Rx", "Formula", "Beyond use", "Amendment")
HISTORY_ORDER = ("batch_number", "compounded_on", "status", "patient", "date_of_birth", "rx_number", "formula", "beyond_use")
"""The records' sort (``history.HISTORY_ORDERS``) of each column."""
HISTORY_COUNT_UP_TO = 10_000
"""A search counts the batches matching up to this many and says "more than 10,000" past it:
counting all 100,000 took 20-70 ms on PostgreSQL, longer than reading the page shown."""
HISTORY_SORTABLE = (0, 1, 5)
"""The columns a click on the header sorts by: batch number, date and Rx number, each answered by
an index. Sorting 100,000 batches by status or patient took 120-440 ms (SQLite sorts every row),
against 2 ms for these."""


class HistoryDialog(QDialog):
    """Search batches by patient, Rx number, formula, batch number, lot or date range; reopen the
    selected batch, make a refill from it, or reprint its worksheet or label.

    ``make_batch`` builds a batch dialog (the window's); ``print_document(kind, batch_number, choose=False)``
    prints a stored batch's document (``choose``: on a printer picked in the print dialog, this once) and
    returns what to tell the user (``StoredBatchPrinter.print``); ``edit_profile(patient_id)`` builds the
    patient profile editor for the selected batch's patient; ``widths`` keeps the columns' widths as the
    user leaves them.

    The list reads the matching batches a page at a time as it is scrolled, sorted in the query
    (newest first, or by a column's header), so a search over years of batches costs one page."""

    def __init__(
        self, context: RecordsContext, parent: QWidget | None = None, *, make_batch: Callable[[], BatchDialog] | None = None,
        print_document: Callable[..., str] | None = None, edit_profile: Callable[[int], QDialog] | None = None,
        widths: ColumnWidthStore | None = None,
    ) -> None:
        super().__init__(parent)
        # The records' side of a search is loaded as the dialog opens, not by its first search: the
        # privacy rules bring the pharmacy's settings (15-45 ms the first time in a process).
        from compounder.records import history, privacy  # noqa: F401

        self.setWindowTitle("Batch history")
        self.resize(1100, 620)
        self._context = context
        self._make_batch = make_batch
        self._print_document = print_document
        self._edit_profile = edit_profile
        self.opened: QDialog | None = None  # the batch dialog opened from here, if any
        # Whether the rows shown carry patients' names (``compounder.records.privacy``): the
        # buttons that would show or print them wait for a user who sees them.
        self.details_shown = False
        self._searched = False  # a search was made: it is read again for whoever signs in
        context.signed_in.connect(self._search_again)  # a bound method: disconnected when the dialog is deleted
        self.patient, self.rx, self.formula, self.batch, self.lot = (QLineEdit() for _ in range(5))
        self.since, self.until = QLineEdit(), QLineEdit()
        for field in (self.since, self.until):
            field.setPlaceholderText("YYYY-MM-DD")
        self.patient.setPlaceholderText("start of the name")
        self.batch.setPlaceholderText("YYMMDD-NNN, or YYMMDD")
        form = QFormLayout()
        for label, field in (("&Patient", self.patient), ("&Rx number", self.rx), ("&Formula", self.formula), ("&Batch number", self.batch), ("Ingredient &lot", self.lot)):
            form.addRow(label, field)
        dates = QHBoxLayout()
        dates.addWidget(self.since)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.until)
        since_label = QLabel("&Compounded from")
        since_label.setBuddy(self.since)
        form.addRow(since_label, dates)
        self.search_button = QPushButton("&Search")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        for field in (self.patient, self.rx, self.formula, self.batch, self.lot, self.since, self.until):
            field.returnPressed.connect(self.search)
        self.model = PagedRowsModel(HISTORY_HEADERS, self, sortable=HISTORY_SORTABLE, sort_column=1, descending=True)
        self.model.failed.connect(self._page_failed)
        self.view = paged_table(self.model, widths, "history")
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected_changed())
        self.message = message_label()  # what went wrong, in the error colour
        self.found = QLabel()  # how many batches match: a count, not a problem, in the text colour
        self.found.setObjectName("found")
        self.privacy_note = privacy_label()
        self.reopen_button = QPushButton("Re&open…")
        self.reopen_button.clicked.connect(self.reopen)
        self.refill_button = QPushButton("Make a re&fill…")
        self.refill_button.clicked.connect(self.refill)
        self.reprint_worksheet_button = QPushButton("Reprint &worksheet…")
        self.reprint_worksheet_button.clicked.connect(lambda: self.reprint("worksheet"))
        self.reprint_label_button = QPushButton("Reprint l&abel…")
        self.reprint_label_button.clicked.connect(lambda: self.reprint("label"))
        self.reprint_on_button, self.reprint_on_actions = print_on_menu(self.reprint)
        self.reprint_on_button.setText("Reprint on…")
        self.profile_button = QPushButton("Patient &profile…")
        self.profile_button.setToolTip("The allergies, conditions and medicines the next batch for this patient is screened against")
        self.profile_button.clicked.connect(self.edit_profile)
        chosen = QHBoxLayout()
        for button in (self.reopen_button, self.refill_button, self.reprint_worksheet_button, self.reprint_label_button, self.reprint_on_button, self.profile_button):
            chosen.addWidget(button)
        chosen.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.search_button)
        layout.addWidget(self.message)
        layout.addWidget(self.found)
        layout.addWidget(self.privacy_note)
        layout.addWidget(self.view, 1)
        layout.addLayout(chosen)
        layout.addWidget(close)
        self._selected_changed()

    def selected(self) -> str | None:
        return selected_key(self.view, self.model)

    def select(self, batch_number: str) -> None:
        select_key(self.view, self.model, batch_number)

    def _chosen(self) -> str | None:
        """The selected batch, for a button that shows or prints its patient: None while patient
        details are hidden."""
        return self.selected() if self.details_shown else None

    def _search_again(self, _actor: object = None) -> None:
        """Someone else is signed in (or nobody): the rows shown are read again for them."""
        if self._searched:
            self.search()

    def _selected_changed(self) -> None:
        chosen = self.selected() is not None and self.details_shown
        for button, available in (
            (self.reopen_button, self._make_batch is not None), (self.refill_button, self._make_batch is not None),
            (self.reprint_worksheet_button, self._print_document is not None), (self.reprint_label_button, self._print_document is not None),
            (self.reprint_on_button, self._print_document is not None),
            (self.profile_button, self._edit_profile is not None),
        ):
            button.setEnabled(chosen and available)

    def reopen(self) -> None:
        number = self._chosen()
        if number is None or self._make_batch is None:
            return
        self.opened = batch = self._make_batch()
        batch.open_batch(number)
        batch.open()

    def refill(self) -> None:
        number = self._chosen()
        if number is None or self._make_batch is None:
            return
        self.opened = batch = self._make_batch()
        batch.prepare_refill(number)
        batch.open()

    def edit_profile(self) -> None:
        """The selected batch's patient's profile; a batch already made keeps the facts it was
        screened for, so a change here applies to the next batch."""
        from compounder.records import batches

        number = self._chosen()
        if number is None or self._edit_profile is None:
            return
        patient_id = self._context.run(lambda session: batches.batch_record(session, number).patient.id, write=False)
        if isinstance(patient_id, Failed):
            self.message.setText(patient_id.text)
            return
        self.opened = profile = self._edit_profile(patient_id)
        profile.open()

    def reprint(self, kind: str, choose: bool = False) -> None:
        number = self._chosen()
        if number is None or self._print_document is None:
            return
        self.message.setText(self._print_document(kind, number, choose=choose))

    def search(self) -> None:
        """The matching batches, newest first (or as the list is sorted), read a page at a time
        as the list is scrolled; how many match when they are more than one page ("more than
        10,000" past ``HISTORY_COUNT_UP_TO``). Patients' details only for a user the pharmacy shows them to (``compounder.records.privacy``)."""
        from compounder.records import history, privacy

        self._searched = True
        why = ""
        try:
            criteria: dict[str, Any] = {
                "patient": self.patient.text(), "rx_number": self.rx.text(), "formula": self.formula.text(), "batch_number": self.batch.text(),
                "lot_number": self.lot.text(), "since": _date(self.since.text(), "from"), "until": _date(self.until.text(), "to"),
            }
            with self._context.reading() as session:
                self.details_shown, why = self._context.patient_details(session)
                privacy.refuse_patient_search(self.details_shown, self.patient.text(), self.rx.text())
        except RecordsError as error:
            self.model.clear()
            self._selected_changed()
            self.found.setText("")
            self.message.setText(problem_text(error))
            show_why(self.privacy_note, why)
            return
        total, more_than = 0, False
        shown = self.details_shown

        def fetch(offset: int, limit: int, column: int, descending: bool) -> list[PagedRow] | Failed:
            nonlocal total, more_than
            try:
                with self._context.reading() as session:
                    page = history.find(session, **criteria, limit=limit, offset=offset, order_by=HISTORY_ORDER[column], descending=descending,
                                        counted=offset == 0, count_up_to=HISTORY_COUNT_UP_TO, links=True)
            except RecordsError as error:
                return failure(error)
            if offset == 0:
                total, more_than = page.total, page.more_than
            links = page.links or {}
            found = page.rows if shown else [privacy.hide_summary(b) for b in page.rows]
            return [PagedRow(_cells(b, links.get(b.batch_number, "")), b.batch_number) for b in found]

        self.message.setText("")
        self.found.setText("")
        loaded = self.model.load(fetch)
        self._selected_changed()
        if not loaded:
            return
        if more_than:
            self.found.setText(f"More than {total:,} batches match; the list shows more as it is scrolled.")
        elif total > self.model.rowCount():
            self.found.setText(f"{total:,} batches match; the list shows more as it is scrolled.")
        else:
            self.found.setText("" if self.model.rowCount() else "No batch matches.")
        show_why(self.privacy_note, why)

    def _page_failed(self, text: str) -> None:
        self.message.setText(text)


def _cells(b, amendment: str) -> tuple[str, ...]:  # a history.BatchSummary
    return (
        b.batch_number, b.compounded_on.isoformat(), b.status, b.patient, b.date_of_birth.isoformat() if b.date_of_birth else "",
        b.rx_number, f"{b.formula} (v{b.formula_version})", b.beyond_use.isoformat(), amendment,
    )


def _date(text: str, which: str) -> dt.date | None:
    """A date typed to search by, as typed (``calc.typed_date``), or ``None`` when empty."""
    from compounder.calc.errors import InputError
    from compounder.calc.typed_date import typed_date

    try:
        return typed_date(text, f"the '{which}' date", example="2026-11-23")
    except InputError as error:
        raise RecordError(f"{error.field}: {error.message}") from None
