"""Each active's amount a day against its labeled daily maximum (``compounder.calc.daily_doses``),
as a table beside the directions. A thin adapter; resets when the plan changes."""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from compounder.calc import DailyDose, Severity, daily_doses
from compounder.calc.units import MG
from compounder.ui.common import look
from compounder.ui.common.role_data import fill
from compounder.ui.common.table_model import HeaderedTableModel
from compounder.ui.workbench.formula_document import FormulaDocument

HEADERS = ("Active", "mg/day", "Labeled maximum", "Of maximum")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class DailyDoseModel(HeaderedTableModel):
    def __init__(self, document: FormulaDocument, parent: QObject | None = None) -> None:
        super().__init__(HEADERS, parent)
        self._document = document
        self._doses: tuple[DailyDose, ...] = self._compute()
        self._font = look.number_font()
        document.changed.connect(self._refresh)

    def dose(self, row: int) -> DailyDose:
        return self._doses[row]

    def row_total(self) -> int:
        return len(self._doses)

    def header_role(self, section: int, role: int) -> object:
        return _RIGHT if role == Qt.ItemDataRole.TextAlignmentRole and section > 0 else None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._doses)):
            return None
        dose = self._doses[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[index.row()][column]
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = []
            if dose.note:
                parts.append(dose.note)
            if dose.compared is not None and dose.maximum is not None:
                parts.append(f"{dose.compared.to(MG).magnitude:.1f} mg {dose.maximum.as_form} a day")
            if dose.maximum is not None and dose.maximum.source is not None:
                parts.append(dose.maximum.source.cite())
            return "\n".join(parts) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return _RIGHT
        if role == Qt.ItemDataRole.FontRole and column in (1, 3):
            return self._font
        if self._above[index.row()]:
            if role == Qt.ItemDataRole.BackgroundRole:
                return look.tint(Severity.ERROR, strength=0.35)  # above a labeled daily maximum is an error
            if role == Qt.ItemDataRole.DecorationRole and column == 0:
                return look.icon(Severity.ERROR)
        return None

    def multiData(self, index: QModelIndex | QPersistentModelIndex, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:  # noqa: N802 - Qt's name
        """All the roles a delegate paints a cell with, in one call (see ``role_data``)."""
        fill(roleDataSpan, lambda role: self.data(index, role))

    def _compute(self) -> tuple[DailyDose, ...]:
        plan = self._document.plan
        doses = daily_doses(plan, self._document.catalog) if plan is not None else ()
        self._texts = [_texts(dose) for dose in doses]
        self._above = [dose.above_maximum for dose in doses]  # worked out once, not per paint
        return doses

    def _refresh(self) -> None:
        texts = self._texts
        doses = self._compute()
        if len(doses) == len(self._doses) and [d.written_as for d in doses] == [d.written_as for d in self._doses]:
            self._doses = doses
            for row, (new, old) in enumerate(zip(self._texts, texts, strict=True)):
                for column in range(len(HEADERS)):
                    if new[column] != old[column]:  # only the cells that changed are repainted (and measured)
                        self.dataChanged.emit(self.index(row, column), self.index(row, column))
            return
        self.beginResetModel()
        self._doses = doses
        self.endResetModel()


def _texts(dose: DailyDose) -> tuple[str, str, str, str]:
    per_day = f"{dose.per_day.to(MG).magnitude:.1f}" if dose.per_day is not None else "–"
    maximum = "none on file" if dose.maximum is None else f"{dose.maximum.value.to(MG).magnitude:g} mg {dose.maximum.as_form}"
    fraction = dose.fraction_of_maximum
    if fraction is None:
        share = "–"
    else:  # just over the maximum must not read as "100 %"
        share = f"{fraction * 100:.1f} %" if 0.995 <= fraction < 1.1 else f"{fraction * 100:.0f} %"
    return (dose.written_as, per_day, maximum, share)
