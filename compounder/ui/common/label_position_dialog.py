"""Which label of a part-used sheet to print on: the sheet drawn as it lies in the printer, each
label a button numbered as the sheet's template numbers it (across each row from the top left:
on an Avery 5163, 1 and 2 are the top row, 3 the second row's left label)."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QDialog, QDialogButtonBox, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from compounder.calc.label_stock import LabelStock

SCALE = 0.5  # screen pixels per point: a Letter sheet is drawn 306 × 396 px


def position_number(stock: LabelStock, row: int, column: int) -> int:
    """The number of the label in ``row`` and ``column`` (0-based from the top left): across each row."""
    return row * stock.columns + column + 1


class LabelPositionDialog(QDialog):
    """``exec()`` accepted with ``position`` the label chosen (1 to ``stock.per_page``)."""

    def __init__(self, stock: LabelStock, parent: QWidget | None = None, position: int = 1) -> None:
        super().__init__(parent)
        self.setWindowTitle("Label position")
        self.setObjectName("labelPositionDialog")
        self.stock = stock
        layout = QVBoxLayout(self)
        self.intro = intro = QLabel(
            f"Print on which label of the {stock.title}? The labels are numbered as on the sheet's template: "
            f"across each row from the top left (1 to {stock.columns} in the top row), then down to {stock.per_page} at the bottom right.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        sheet = QWidget(self)
        sheet.setObjectName("sheet")
        sheet.setStyleSheet("#sheet { background: white; border: 1px solid #888; }")
        grid = QGridLayout(sheet)
        grid.setContentsMargins(round(stock.left * SCALE), round(stock.top * SCALE), round(stock.left * SCALE), round(stock.top * SCALE))
        grid.setHorizontalSpacing(round((stock.column_pitch - stock.width) * SCALE))
        grid.setVerticalSpacing(round((stock.row_pitch - stock.height) * SCALE))
        self.group = QButtonGroup(self)
        self.buttons: dict[int, QPushButton] = {}
        for row in range(stock.rows):
            for column in range(stock.columns):
                number = position_number(stock, row, column)
                button = QPushButton(str(number), sheet)
                button.setObjectName(f"position{number}")
                button.setCheckable(True)
                button.setFixedSize(round(stock.width * SCALE), round(stock.height * SCALE))
                button.setToolTip(f"label {number}: row {row + 1}, {'left' if column == 0 else 'right' if column == stock.columns - 1 else f'column {column + 1}'}")
                self.group.addButton(button, number)
                self.buttons[number] = button
                grid.addWidget(button, row, column)
        self.buttons[max(1, min(position, stock.per_page))].setChecked(True)
        self.group.idClicked.connect(lambda _number: self._say())
        layout.addWidget(sheet)
        self.chosen = QLabel(self)
        self.chosen.setObjectName("chosen")
        layout.addWidget(self.chosen)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._say()

    @property
    def position(self) -> int:
        return self.group.checkedId()

    def _say(self) -> None:
        row, column = divmod(self.position - 1, self.stock.columns)
        side = "left" if column == 0 else "right" if column == self.stock.columns - 1 else f"column {column + 1}"
        self.chosen.setText(f"Label {self.position}: row {row + 1}, {side}.")
