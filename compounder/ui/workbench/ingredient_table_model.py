"""(Over 400 lines: one model whose cached paint roles, edits and tooltips share its per-evaluation
cache; its columns and roles are in ``ingredient_columns``.)

The ingredient table: a thin adapter from ``FormulaDocument`` to ``QAbstractTableModel``.

Rows: one per ingredient of the draft, then an empty row to type a new ingredient into, then
the base (filled to weight), then the total. Input columns show the text as typed (and the
engine's message on a cell it cannot use); the computed columns show the engine's plan, or
nothing while an input error stands, never a stale number.

It follows the document's signals: rows inserted and removed one by one, a reset when a whole
formula is opened, and after every edit ``dataChanged`` over the rows whose text changed (none
when nothing shown changed).

Speed: a repaint asks ``data`` for every cell in about eight roles, a thousand calls for a
ten-row formula. Each answer is kept until the document next changes, so a repaint costs a
dictionary look-up per call, and the numbers are formatted once per evaluation.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication

from compounder.calc import Balance, InputError, PlanLine, Severity
from compounder.calc.balance_grams import format_grams
from compounder.calc.units import MG, MG_PER_DAY, MG_PER_G, format_quantity, quantity_key
from compounder.ui.common import look
from compounder.ui.common.role_data import fill, role_items
from compounder.ui.common.table_model import HeaderedTableModel
from compounder.ui.workbench.formula_document import FormulaDocument
from compounder.ui.workbench.formula_draft import BASE_ROW, Target
from compounder.ui.workbench.ingredient_columns import CHOICES_ROLE, COLUMNS, ERROR_ROLE, KEY_ROLE, KEYS, TARGET_ROLE, Column

_INPUT_KEYS = tuple(c.key for c in COLUMNS if not c.computed)
_COMPUTED_KEYS = tuple(c.key for c in COLUMNS if c.computed)
_COLUMN_COUNT = len(COLUMNS)
_DISPLAY = Qt.ItemDataRole.DisplayRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_FONT = Qt.ItemDataRole.FontRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
# What a repaint asks for; kept per cell. Other roles (tooltip, edit text, choices) are worked out when asked.
_PAINT_ROLES = frozenset({_DISPLAY, _DECORATION, _BACKGROUND, _FOREGROUND, _FONT, _ALIGNMENT, ERROR_ROLE, KEY_ROLE, TARGET_ROLE})
# The other roles answered (by ``_data``); a delegate also asks for roles no cell has (check state), answered None at once.
_ASKED_WHEN_NEEDED = frozenset({Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole, CHOICES_ROLE})
_NEW_ROW_HINT = "Type an ingredient to add it…"
# Combined once: a repaint asks every cell for its flags, and combining flags costs Python's enum machinery.
_READ_ONLY = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDITABLE = _READ_ONLY | Qt.ItemFlag.ItemIsEditable


class IngredientTableModel(HeaderedTableModel):
    def __init__(self, document: FormulaDocument, parent: QObject | None = None) -> None:
        super().__init__([column.title for column in COLUMNS], parent)
        self._document = document
        self._fonts = {False: look.number_font(), True: look.number_font(bold=True)}
        self._numbers_of: object = None
        self._number_cache: dict[tuple[Target, str], str] = {}
        self._line_texts: dict[tuple, tuple[str, ...]] = {}  # a plan line's numbers (by ``quantity_key``) → their texts
        self._texts_balance: Balance | None = None
        self._worst: dict[Target, Severity] = {}
        self._italic = QFont()
        self._italic.setItalic(True)
        self._lines_of: dict[Target, PlanLine] = {}  # the plan line shown on each row, per evaluation
        self._built_rows: dict[int, tuple[tuple, list[dict[int, object]]]] = {}  # row → (what it was built from, its cells)
        self._fixed_rows: dict[tuple[bool, str | None], list[dict[int, object]]] = {}
        self._answers: dict[tuple[int, int, int], object] = {}  # other roles (tooltips, edit text), until the next change
        self._cells: list[list[dict[int, object]]] = []
        self._build()
        self._shown: list[tuple] = self._signature()  # what each row showed, to signal only the rows that changed
        document.rows_about_to_be_inserted.connect(self._about_to_insert)
        document.rows_inserted.connect(self._inserted)
        document.rows_about_to_be_removed.connect(self._about_to_remove)
        document.rows_removed.connect(self._removed)
        document.about_to_reset.connect(self.beginResetModel)
        document.was_reset.connect(self._was_reset)
        document.changed.connect(self._refresh)

    def _about_to_insert(self, row: int) -> None:
        self.beginInsertRows(QModelIndex(), row, row)

    def _inserted(self, _row: int) -> None:
        self._build()
        self.endInsertRows()

    def _about_to_remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)

    def _removed(self, _row: int) -> None:
        self._build()
        self.endRemoveRows()

    def _was_reset(self) -> None:
        self._build()
        self.endResetModel()

    # -- where rows are
    @property
    def new_row(self) -> int:
        return self._document.row_count()

    @property
    def base_row(self) -> int:
        return self._document.row_count() + 1

    @property
    def total_row(self) -> int:
        return self._document.row_count() + 2

    def target(self, row: int) -> Target:
        if row < self._document.row_count():
            return row
        return BASE_ROW if row == self.base_row else None

    def row_of(self, target: Target) -> int | None:
        if target == BASE_ROW:
            return self.base_row
        return target if isinstance(target, int) else None

    def column_of(self, key: str) -> int:
        return KEYS.index(key)

    # -- the table's size and headers (HeaderedTableModel)
    def row_total(self) -> int:
        return self._document.row_count() + 3

    def header_role(self, section: int, role: int) -> object:
        column = COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int((Qt.AlignmentFlag.AlignRight if column.computed else Qt.AlignmentFlag.AlignLeft) | Qt.AlignmentFlag.AlignVCenter)
        return None

    def row_header(self, section: int, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < self.rowCount():
            return str(section + 1) if section < self._document.row_count() else ("+" if section == self.new_row else "")
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        column = COLUMNS[index.column()]
        row = index.row()
        if not column.computed and (row <= self.new_row or (row == self.base_row and column.key in ("lot", "expires"))):
            return _EDITABLE
        return _READ_ONLY

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._cells) and 0 <= column < _COLUMN_COUNT):
            return None
        if role in _PAINT_ROLES:  # worked out once per change, in _build_row
            return self._cells[row][column].get(role)
        key = (row, column, role)
        try:
            return self._answers[key]
        except KeyError:
            answer = self._answers[key] = self._data(row, column, role)
            return answer

    def multiData(self, index: QModelIndex | QPersistentModelIndex, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:  # noqa: N802 - Qt's name
        """All the roles a delegate paints a cell with, in one call (see ``role_data``)."""
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._cells) and 0 <= column < _COLUMN_COUNT):
            fill(roleDataSpan, lambda _role: None)
            return
        cell = self._cells[row][column]
        items = role_items(roleDataSpan)
        for position in range(len(items)):  # the loop of ``role_data.fill``, inlined: it runs for every painted cell
            item = items[position]
            role = item.role()
            value = cell.get(role) if role in _PAINT_ROLES else self.data(index, role) if role in _ASKED_WHEN_NEEDED else None
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    # -- the cells as painted, once per change
    def _build(self) -> None:
        self._answers.clear()
        self._numbers()
        self._cells = [self._build_row(row) for row in range(self.rowCount())]

    def _build_row(self, row: int) -> list[dict[int, object]]:
        """The paint roles of every cell of ``row``: the same answers as ``_data``, worked out in one pass."""
        if row in (self.new_row, self.total_row):
            # These two rows change only with the total: kept until it changes.
            kind = (row == self.new_row, self._number_cache.get((None, "total")))
            cells = self._fixed_rows.get(kind)
            if cells is None:
                if len(self._fixed_rows) > 16:  # one entry per total seen; a long session keeps only recent ones
                    self._fixed_rows.clear()
                cells = self._fixed_rows[kind] = [{role: self._data(row, c, role) for role in _PAINT_ROLES} for c in range(_COLUMN_COUNT)]
            return cells
        target = self.target(row)
        line = self._line(target)
        worst = self._worst.get(target)
        numbers = self._number_cache
        # An ingredient row is built again only when something it shows changed: an edit
        # changes one row's inputs, and the other rows' numbers only if the batch moves.
        inputs = None
        if isinstance(target, int):
            inputs = (
                tuple(self._document.cell(target, key) for key in _INPUT_KEYS),
                tuple(self._cell_error(target, key) for key in KEYS),
                line.name if line is not None else None, worst,
                tuple(numbers.get((target, key), "") for key in _COMPUTED_KEYS),
            )
            built = self._built_rows.get(row)
            if built is not None and built[0] == inputs:
                return built[1]
        cells = []
        for column in COLUMNS:
            key = column.key
            error = self._cell_error(target, key)
            if target == BASE_ROW:
                text = self._base_text(column)
            elif column.computed:
                text = numbers.get((target, key), "")
            else:
                text = self._document.cell(target, key) if isinstance(target, int) else ""
                if not text and key == "stock":
                    text = line.name if line is not None else ""
            cell: dict[int, object] = {
                _DISPLAY: text, ERROR_ROLE: error, KEY_ROLE: key, TARGET_ROLE: target,
                _ALIGNMENT: _RIGHT if column.computed else _LEFT,
            }
            if error:
                cell[_BACKGROUND] = look.tint(Severity.ERROR)
                cell[_DECORATION] = look.icon(Severity.ERROR)
            elif key == "ingredient" and worst is not None:
                cell[_DECORATION] = look.icon(worst)
            if column.computed:
                cell[_FONT] = self._fonts[key == "grams"]
            elif target == BASE_ROW and key == "ingredient":
                cell[_FONT] = self._italic
            if key == "stock" and isinstance(target, int) and not self._document.cell(target, "stock"):
                cell[_FOREGROUND] = QApplication.palette().color(QPalette.ColorRole.PlaceholderText)
            cells.append({role: value for role, value in cell.items() if value is not None})
        if inputs is not None:
            self._built_rows[row] = (inputs, cells)
        return cells

    def _data(self, row: int, column_number: int, role: int):
        column = COLUMNS[column_number]
        if role == KEY_ROLE:
            return column.key
        if role == TARGET_ROLE:
            return self.target(row)
        if row == self.new_row:
            return self._new_row_data(column, role)
        if row == self.total_row:
            return self._total_data(column, role)
        target = self.target(row)
        error = self._cell_error(target, column.key)
        if role == ERROR_ROLE:
            return error
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(target, column, role == Qt.ItemDataRole.EditRole)
        if role == Qt.ItemDataRole.ToolTipRole:
            return error or self._tip(target, column)
        if role == Qt.ItemDataRole.BackgroundRole and error:
            return look.tint(Severity.ERROR)
        if role == Qt.ItemDataRole.DecorationRole:
            if error:
                return look.icon(Severity.ERROR)
            if column.key == "ingredient":
                worst = self._worst_severity(target)
                return look.icon(worst) if worst is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.computed else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole:
            if column.computed:
                return self._fonts[column.key == "grams"]
            if target == BASE_ROW and column.key == "ingredient":
                font = QFont()
                font.setItalic(True)
                return font
        if role == Qt.ItemDataRole.ForegroundRole and column.key == "stock" and isinstance(target, int) and not self._document.cell(target, "stock"):
            return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        if role == CHOICES_ROLE and column.key == "stock" and isinstance(target, int):
            return self._stock_choices(target)
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            return False
        text = "" if value is None else str(value)
        key = COLUMNS[index.column()].key
        row = index.row()
        if row == self.new_row:
            return bool(text.strip()) and self._document.insert_row(row, {key: text})
        if row == self.base_row:
            return self._document.set_header(f"base_{key}", text)
        return self._document.set_cell(row, key, text)

    # -- helpers
    def _refresh(self) -> None:
        self._build()
        before, after = self._shown, self._signature()
        self._shown = after
        # One signal per changed stretch of a row, never one over the whole table: a view
        # repaints the rectangle a signal covers, so the cells that did not change are not painted.
        for row, cells in enumerate(after):
            old = before[row] if row < len(before) else ()
            changed = [column for column, cell in enumerate(cells) if column >= len(old) or old[column] != cell]
            if changed:
                self.dataChanged.emit(self.index(row, changed[0]), self.index(row, changed[-1]))

    def _signature(self) -> list[tuple]:
        """Per cell: what it shows and how it is marked. Tooltips are not signalled: a view asks
        for one when it is shown, and the answers are worked out again after every change."""
        return [
            tuple((c.get(_DISPLAY), c.get(ERROR_ROLE), id(c.get(_DECORATION)), c.get(_FOREGROUND)) for c in cells)
            for cells in self._cells
        ]

    def _cell_error(self, target: Target, key: str) -> str | None:
        if target == BASE_ROW:
            return self._document.cell_error(BASE_ROW, key) if key in ("lot", "expires") else self._document.cell_error(None, "base") if key == "ingredient" else None
        return self._document.cell_error(target, key)

    def _line(self, target: Target) -> PlanLine | None:
        self._numbers()  # keeps _lines_of for the current evaluation
        return self._lines_of.get(target)

    def _text(self, target: Target, column: Column, editing: bool) -> str:
        if target == BASE_ROW:
            return self._base_text(column)
        if not column.computed and isinstance(target, int):
            text = self._document.cell(target, column.key)
            if not text and column.key == "stock" and not editing:
                line = self._line(target)
                return line.name if line is not None else ""
            return text
        return self._numbers().get((target, column.key), "")

    def _numbers(self) -> dict[tuple[Target, str], str]:
        """The computed columns' text, worked out once per evaluation (a repaint asks for each
        cell many times, and unit conversions are not free)."""
        evaluation = self._document.evaluation
        if self._numbers_of is evaluation:
            return self._number_cache
        numbers: dict[tuple[Target, str], str] = {}
        plan = evaluation.plan
        self._lines_of = dict(zip(evaluation.line_targets, plan.lines, strict=False)) if plan is not None else {}
        if plan is not None:
            if plan.balance is not self._texts_balance:  # the texts below are of one balance's decimals
                self._line_texts.clear()
                self._texts_balance = plan.balance
            elif len(self._line_texts) > 4 * len(plan.lines) + 64:  # texts of lines no longer shown
                self._line_texts.clear()
            for target, line in zip(evaluation.line_targets, plan.lines, strict=False):
                texts = self._texts_of(line, plan.balance)
                numbers[(target, "grams")] = texts[0]
                if len(texts) > 1:
                    numbers[(target, "mg_per_g")], numbers[(target, "mg_per_click")], numbers[(target, "mg_per_day")] = texts[1:]
            numbers[(None, "total")] = format_grams(plan.total, plan.balance)
        self._worst = {}
        for notice in evaluation.notices:
            if notice.target not in self._worst or notice.severity.rank < self._worst[notice.target].rank:
                self._worst[notice.target] = notice.severity
        self._numbers_of, self._number_cache = evaluation, numbers
        return numbers

    def _texts_of(self, line: PlanLine, balance: Balance) -> tuple[str, ...]:
        """The grams (and, for a dosed line, mg/g, mg/click and mg/day) of ``line`` as shown,
        formatted only when its numbers changed: an edit changes one row's numbers and the
        base's, and the other rows' texts are looked up (three unit conversions a row saved)."""
        doses = line.doses
        key = (quantity_key(line.grams),) if doses is None else (
            quantity_key(line.grams), quantity_key(doses.per_gram), quantity_key(doses.per_click), quantity_key(doses.per_day))
        texts = self._line_texts.get(key)
        if texts is None:
            # An aliquot line keeps the drug's own grams here (a mixture's portion in this
            # column could be read as grams of the drug); its tooltip gives the aliquot steps.
            grams = format_grams(line.grams, balance)
            if doses is None:
                texts = (grams,)
            else:
                texts = (
                    grams,
                    f"{doses.per_gram.to(MG_PER_G).magnitude:.2f}",
                    f"{doses.per_click.to(MG).magnitude:.2f}" if doses.per_click is not None else "–",
                    f"{doses.per_day.to(MG_PER_DAY).magnitude:.1f}" if doses.per_day is not None else "–",
                )
            self._line_texts[key] = texts
        return texts

    def _base_text(self, column: Column) -> str:
        line = self._line(BASE_ROW)
        if column.key == "ingredient":
            return f"{line.name if line is not None else self._document.header('base')} (base, q.s.)"
        if column.key == "strength":
            return "q.s."
        if column.key in ("lot", "expires"):
            return self._document.header(f"base_{column.key}")
        if column.key == "grams":
            return self._numbers().get((BASE_ROW, "grams"), "")
        return ""

    def _tip(self, target: Target, column: Column) -> str | None:
        line = self._line(target)
        if line is None:
            return column.tip
        if column.key == "grams" and line.aliquot is not None:
            base = self._line(BASE_ROW)
            return f"Aliquot: {line.aliquot.describe(line.name, base.name if base is not None else 'the base')} (the worksheet lists each weighing)"
        if column.key == "grams" and line.trail:
            return "\n".join(step.text for step in line.trail) + "\n(Ctrl+T shows the calculation trail)"
        if column.key == "ingredient" and isinstance(target, int) and line.written_as and line.written_as != self._document.cell(target, "ingredient"):
            return f"{self._document.cell(target, 'ingredient')} = {line.written_as}"
        if column.key == "strength" and line.strength_fraction is not None and line.strength is not None:
            return f"{format_quantity(line.strength)} = {format_quantity(line.strength_fraction.to('percent'), 4)} w/w of the product"
        return column.tip

    def _worst_severity(self, target: Target) -> Severity | None:
        self._numbers()
        return self._worst.get(target)

    def _stock_choices(self, row: int) -> list[str]:
        name = self._document.cell(row, "ingredient")
        try:
            written = self._document.catalog.form(name, "ingredient")
        except InputError:
            return []
        return [form.name for form in self._document.catalog.forms_of(written.substance)]

    def _new_row_data(self, column: Column, role: int):
        if role == Qt.ItemDataRole.DisplayRole and column.key == "ingredient":
            return _NEW_ROW_HINT
        if role == Qt.ItemDataRole.EditRole and not column.computed:
            return ""
        if role == Qt.ItemDataRole.ForegroundRole:
            return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Type here to add an ingredient (Insert adds a row above the current one)"
        return None

    def _total_data(self, column: Column, role: int):
        plan = self._document.plan
        if role == Qt.ItemDataRole.DisplayRole:
            if column.key == "ingredient":
                return "Total"
            if column.key == "grams" and plan is not None:
                return self._numbers().get((None, "total"))
            return None
        if role == Qt.ItemDataRole.FontRole:
            return self._fonts[True] if column.computed else _bold()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.computed else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "grams" and plan is not None:
            excess = plan.formula.excess
            return f"Prepared {plan.prepared.to('g').magnitude:.3f} g" + (f" ({format_quantity(excess.to('percent'))} excess)" if excess is not None and excess.magnitude else "")
        return None


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font
