"""What the verifying pharmacist checks, line by line (issue 28, observation 9): the lot used, its
assay as the lot record holds it, the target, the weight, the deviation, where the weight came
from (the balance's ID, or typed and the pharmacist's signed reason) and how the container was
confirmed (scanned, or by hand and why). Read from the stored record; nothing is edited here.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from compounder.records.batch_rows import BatchRecord, LineRecord
from compounder.records.policy import Status
from compounder.ui.common.look import ERROR_TEXT, WARNING_TEXT

COLUMNS = ("#", "Ingredient", "Lot", "Potency (lot)", "Target (g)", "Weighed (g)", "Deviation", "Weight from", "Container")


class VerifyView(QGroupBox):
    """The table the verify step shows once a batch is prepared (and keeps after)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Verify: each line as weighed", parent)
        self.setObjectName("verifyView")
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # read only: Tab goes on to Sign as verifier, not from cell to cell (a keyboard trap)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        # Each row as tall as its wrapped text at the columns' widths as they are laid out.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(170)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("Weight from"), QHeaderView.ResizeMode.Stretch)
        # The refill's signed formula changes and each blind check (issue 24), above the lines.
        self.notes = QLabel(self)
        self.notes.setObjectName("verifyNotes")
        self.notes.setWordWrap(True)
        self.notes.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notes)
        layout.addWidget(self.table)
        self.setVisible(False)

    def show_notes(self, notes: list[str]) -> None:
        """The signed refill changes and the blind checks, one line each (none: hidden)."""
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))

    def show_record(self, record: BatchRecord | None) -> None:
        """Fill the table from ``record``; shown once the batch is signed as prepared."""
        if record is None or record.status is Status.DRAFT:
            self.setVisible(False)
            return
        printed = record.plan.get("lines") or []
        self.table.setRowCount(len(record.lines))
        for row, line in enumerate(record.lines):
            target = printed[row].get("grams_display", f"{line.target:f}") if row < len(printed) else f"{line.target:f}"
            for column, text in enumerate(cells(line, target)):
                item = QTableWidgetItem(text)
                if column == COLUMNS.index("Deviation") and (line.out_of_tolerance or any(step.out_of_tolerance for step in line.steps)):
                    item.setForeground(ERROR_TEXT)
                if column == COLUMNS.index("Weight from") and line.weight_source == "typed":
                    item.setForeground(WARNING_TEXT)
                self.table.setItem(row, column, item)
        self.setVisible(True)

    def row_texts(self, row: int) -> list[str]:
        """The cells of ``row`` as shown (for tests and the reader's eye alike)."""
        items = (self.table.item(row, column) for column in range(len(COLUMNS)))
        return [item.text() if item is not None else "" for item in items]


def cells(line: LineRecord, target: str) -> list[str]:
    """One line's cells, in ``COLUMNS`` order."""
    places = len(target.partition(".")[2])
    potency = "not recorded" if line.lot_potency_percent is None else f"{line.lot_potency_percent.normalize():f} %"
    weighed = "" if line.actual is None else f"{line.actual:.{places}f}"
    deviation = "" if line.deviation_percent is None else f"{line.deviation_percent:+} %" + (" OUTSIDE" if line.out_of_tolerance else "")
    return [
        str(line.position), line.name, line.lot_number or "—", potency if line.lot_id is not None else "—", target, weighed, deviation,
        line.weight_source_text, line.identity_text,
    ]
