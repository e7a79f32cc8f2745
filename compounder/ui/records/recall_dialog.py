"""Recall a lot: every batch made with it and every patient who received it, exported as CSV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from compounder.records.errors import RecordsError
from compounder.records.policy import RecordError
from compounder.ui.common.file_folders import away_from_database
from compounder.ui.common.inline_error import message_label
from compounder.ui.common.paged_model import PagedRow, PagedRowsModel, paged_table
from compounder.ui.common.privacy_note import privacy_label, show_why
from compounder.ui.common.records_context import Failed, RecordsContext, failure, problem_text
from compounder.ui.common.view_sizing import ColumnWidthStore

# The records' modules behind the dialog are imported when it opens: they load the records' model
# (~30 ms), which the window does not need to show.
if TYPE_CHECKING:
    from compounder.records import lots


RECALL_HEADERS = (
    "Batch", "Compounded", "Status", "Patient", "Born", "Address", "Phone", "Rx", "Prescriber", "Formula", "Grams used", "Beyond use",
)
RECALL_ORDER = (
    "batch_number", "compounded_on", "status", "patient", "date_of_birth", None, None, "rx_number", "prescriber", "formula", "grams_used", "beyond_use",
)
"""The records' sort (``history.RECALL_ORDERS``) of each column (None: not sorted by); a click on its header sorts by it."""


def ask_csv_path(parent: QWidget, suggested: Path) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, "Export recall list", str(suggested), "CSV files (*.csv)")
    return Path(name) if name else None


class RecallDialog(QDialog):
    """For a lot number, every batch and patient that received it; exported to CSV. The list reads
    the batches a page at a time as it is scrolled, sorted in the query (oldest first, or by a
    column's header); the export writes every one."""

    def __init__(
        self, context: RecordsContext, parent: QWidget | None = None, ask_path: Callable[[QWidget, Path], Path | None] = ask_csv_path,
        *, widths: ColumnWidthStore | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recall an ingredient lot")
        self.resize(1100, 520)
        self._context = context
        self._ask_path = ask_path
        self._lot: lots.Lot | None = None
        self.details_shown = False  # whether the rows shown carry patients' details (``compounder.records.privacy``)
        context.signed_in.connect(self._find_again)  # a bound method: disconnected when the dialog is deleted
        self.lot_number = QLineEdit()
        self.lot_number.setPlaceholderText("lot number")
        self.lot_number.returnPressed.connect(self.find)
        self.find_button = QPushButton("&Find batches")
        self.find_button.clicked.connect(self.find)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.message = message_label()
        self.privacy_note = privacy_label()
        self.model = PagedRowsModel(RECALL_HEADERS, self, sortable=[i for i, order in enumerate(RECALL_ORDER) if order], sort_column=1)
        self.model.failed.connect(self.message.setText)
        self.view = paged_table(self.model, widths, "recall")
        top = QHBoxLayout()
        lot_label = QLabel("&Lot")
        lot_label.setBuddy(self.lot_number)
        top.addWidget(lot_label)
        top.addWidget(self.lot_number, 1)
        top.addWidget(self.find_button)
        top.addWidget(self.export_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(self.privacy_note)
        layout.addWidget(self.view, 1)
        layout.addWidget(close)

    def _find_again(self, _actor: object = None) -> None:
        """Someone else is signed in (or nobody): the rows shown are read again for them."""
        if self._lot is not None:
            self.find()

    def find(self) -> None:  # type: ignore[override]  # the dialog's Find button; QWidget.find(id), a static look-up, is never used on it
        from compounder.records import history, privacy

        self._lot = None
        why = ""
        self.export_button.setEnabled(False)
        self.model.clear()
        self.summary.setText("")
        number = self.lot_number.text().strip()
        if not number:
            self.message.setText("type the lot number")
            return
        try:
            with self._context.reading() as session:
                found = history.lots_numbered(session, number)
                if len(found) != 1:
                    makers = ", ".join(f"{lot.manufacturer} ({lot.stock_form})" for lot in found)
                    raise RecordError(f"no lot {number} in stock records" if not found else f"lot {number} is held from several manufacturers: {makers}")
                lot = found[0]
                self.details_shown, why = self._context.patient_details(session)
                batches, patients = history.recall_count(session, lot.id)
        except RecordsError as error:
            self.message.setText(problem_text(error))
            return
        self.message.setText("")
        show_why(self.privacy_note, why)
        shown = self.details_shown

        def fetch(offset: int, limit: int, column: int, descending: bool) -> list[PagedRow] | Failed:
            try:
                with self._context.reading() as session:
                    rows = history.recall_page(session, lot.id, limit=limit, offset=offset, order_by=RECALL_ORDER[column] or "compounded_on", descending=descending)
            except RecordsError as error:
                return failure(error)
            if not shown:
                rows = [privacy.hide_recall(row) for row in rows]
            return [PagedRow(_cells(r), r.batch_number) for r in rows]

        if not self.model.load(fetch):
            return
        self._lot = lot
        self.summary.setText(
            f"Lot {lot.lot_number} of {lot.stock_form} ({lot.manufacturer}, expires {lot.expires.isoformat()}): "
            f"{batches:,} batch{'es' if batches != 1 else ''}"
            + (f", {patients:,} patient{'s' if patients != 1 else ''}." if self.details_shown else ".")
        )
        self.export_button.setEnabled(True)

    def export(self) -> None:
        from compounder.records import history, privacy

        if self._lot is None:
            return
        path = self._ask_path(self, away_from_database(Path.home() / f"recall-{self._lot.lot_number}.csv", self._context.database_folder))
        if path is None:
            return
        try:
            with self._context.reading() as session:
                rows = history.recall(session, self._lot.id)
            if not self.details_shown:  # the CSV holds what the list shows: no patient's details
                rows = [privacy.hide_recall(row) for row in rows]
            with path.open("w", encoding="utf-8", newline="") as stream:
                history.write_recall_csv(self._lot, rows, stream)
        except RecordsError as error:
            self.message.setText(problem_text(error))
            return
        except OSError as error:
            self.message.setText(f"could not write {path}: {error.strerror or error}")
            return
        self.message.setText("")
        self.summary.setText(self.summary.text() + f" Exported to {path}.")


def _cells(r) -> tuple[str, ...]:  # a history.RecallRow
    return (
        r.batch_number, r.compounded_on.isoformat(), r.status, r.patient, r.date_of_birth.isoformat() if r.date_of_birth else "",
        r.address.replace("\n", ", ") or "not recorded", r.phone or "not recorded", r.rx_number,
        r.prescriber + (f" (NPI {r.prescriber_npi})" if r.prescriber_npi else ""), f"{r.formula} (v{r.formula_version})",
        "" if r.grams_used is None else f"{r.grams_used:f}", r.beyond_use.isoformat(),
    )
