"""The calculation trail of one line: how its grams were reached, step by step."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from compounder.calc import BatchPlan, PlanLine
from compounder.calc.balance_grams import format_grams
from compounder.calc.units import format_quantity
from compounder.ui.common import look


class TrailDialog(QDialog):
    def __init__(self, plan: BatchPlan, line: PlanLine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Calculation trail — {line.name}")
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>{line.name}</b>" + (f" for {line.written_as} {format_quantity(line.strength)}" if line.written_as and line.strength is not None else f" for {line.written_as}" if line.written_as else " (base, quantity sufficient)"))
        layout.addWidget(title)
        self.steps = QTableWidget(len(line.trail), 2, self)
        self.steps.setHorizontalHeaderLabels(["Step", "Grams"])
        self.steps.verticalHeader().setVisible(True)
        self.steps.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, step in enumerate(line.trail):
            self.steps.setItem(row, 0, QTableWidgetItem(step.text))
            value = step.value.to("g").magnitude if step.value.check("[mass]") else step.value.magnitude
            cell = QTableWidgetItem(f"{value:.4f}")
            cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            cell.setFont(look.number_font())
            self.steps.setItem(row, 1, cell)
        header = self.steps.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.steps.setWordWrap(True)
        self.steps.resizeRowsToContents()
        layout.addWidget(self.steps)
        result = QLabel(
            f"Weigh <b>{format_grams(line.grams, plan.balance)} g</b> on the {plan.balance.name} "
            f"(readability {format_quantity(plan.balance.readability.value, 4)})"
        )
        layout.addWidget(result)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 300)
