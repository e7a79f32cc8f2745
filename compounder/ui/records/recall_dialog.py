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
from compounder.ui.common.privacy_note import privacy_label, show_why
from compounder.ui.common.records_context import RecordsContext, problem_text
from compounder.ui.common.table_model import RowsModel, rows_table

# The records' modules behind the dialog are imported when it opens: they load the records' model
# (~30 ms), which the window does not need to show.
if TYPE_CHECKING:
    from compounder.records import history, lots


RECALL_HEADERS = ("Batch", "Compounded", "Status", "Patient", "Born", "Rx", "Prescriber", "Formula", "Grams used", "Beyond use")


def ask_csv_path(parent: QWidget, suggested: Path) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, "Export recall list", str(suggested), "CSV files (*.csv)")
    return Path(name) if name else None


class RecallDialog(QDialog):
    """For a lot number, every batch and patient that received it; exported to CSV."""

    def __init__(self, context: RecordsContext, parent: QWidget | None = None, ask_path: Callable[[QWidget, Path], Path | None] = ask_csv_path) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recall an ingredient lot")
        self.resize(1100, 520)
        self._context = context
        self._ask_path = ask_path
        self._lot: lots.Lot | None = None
        self._rows: list[history.RecallRow] = []
        self.details_shown = False  # whether ``_rows`` carry patients' details (``compounder.records.privacy``)
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
        self.model = RowsModel(RECALL_HEADERS, self)
        self.view = rows_table(self.model)
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

        self._lot, self._rows = None, []
        why = ""
        self.export_button.setEnabled(False)
        self.model.set_rows([])
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
                self._lot = found[0]
                self.details_shown, why = self._context.patient_details(session)
                self._rows = history.recall(session, self._lot.id)
                if not self.details_shown:  # the export too: the CSV is written from these rows
                    self._rows = [privacy.hide_recall(row) for row in self._rows]
        except RecordsError as error:
            self.message.setText(problem_text(error))
            return
        self.message.setText("")
        show_why(self.privacy_note, why)
        lot = self._lot
        patients = len({(r.patient, r.date_of_birth) for r in self._rows})
        who = f", {patients} patient{'s' if patients != 1 else ''}" if self.details_shown else ""
        self.summary.setText(
            f"Lot {lot.lot_number} of {lot.stock_form} ({lot.manufacturer}, expires {lot.expires.isoformat()}): "
            f"{len(self._rows)} batch{'es' if len(self._rows) != 1 else ''}{who}."
        )
        self.model.set_rows([
            (r.batch_number, r.compounded_on.isoformat(), r.status, r.patient, r.date_of_birth.isoformat() if r.date_of_birth else "",
             r.rx_number, r.prescriber, f"{r.formula} (v{r.formula_version})", "" if r.grams_used is None else f"{r.grams_used:f}",
             r.beyond_use.isoformat())
            for r in self._rows
        ])
        self.export_button.setEnabled(True)

    def export(self) -> None:
        from compounder.records import history

        if self._lot is None:
            return
        path = self._ask_path(self, away_from_database(Path.home() / f"recall-{self._lot.lot_number}.csv", self._context.database_folder))
        if path is None:
            return
        try:
            with path.open("w", encoding="utf-8", newline="") as stream:
                history.write_recall_csv(self._lot, self._rows, stream)
        except OSError as error:
            self.message.setText(f"could not write {path}: {error.strerror or error}")
            return
        self.message.setText("")
        self.summary.setText(self.summary.text() + f" Exported to {path}.")
