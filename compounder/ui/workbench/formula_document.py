"""The formula being edited: the text of every field as typed, its assessment by the engine, and
undo/redo of every edit.

The document keeps what the pharmacist typed (``Draft``), turns it into formula-file data and asks
``compounder.calc.assess`` for the result (``formula_draft.evaluate_draft``). Bad text stays in its cell, marked with the engine's
own message, and the rest of the formula keeps its numbers' inputs. The engine is asked *before*
an edit is applied: if it fails unexpectedly the edit is not made, so the formula is left as it
was.

Signals, in the order they are emitted for one edit:

- ``rows_about_to_be_inserted(row)`` / ``rows_about_to_be_removed(row)``: before a row appears
  or goes (only for such an edit);
- ``rows_inserted(row)`` / ``rows_removed(row)``: after it;
- ``about_to_reset`` / ``was_reset``: around replacing the whole formula (new, open);
- ``changed``: the draft and its assessment are both new; always last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from compounder.calc import BatchPlan, Catalog
from compounder.calc.prescription import Order
from compounder.calc.units import Quantity
from compounder.ui.workbench.formula_draft import (
    BATCH_ONLY_KEYS,
    HEADER_LABELS,
    ROW_LABELS,
    Draft,
    Evaluation,
    Target,
    draft_from_data,
    evaluate_draft,
)


class _Edit(QUndoCommand):
    """One undoable edit: the draft before and after, and the row it added or removed, if any."""

    def __init__(self, document: FormulaDocument, text: str, before: Draft, after: Draft, evaluation: Evaluation,
                 inserted: int | None = None, removed: int | None = None) -> None:
        super().__init__(text)
        self._document = document
        self._before, self._after = before, after
        self._evaluation: Evaluation | None = evaluation  # of ``after``, already worked out
        self._inserted, self._removed = inserted, removed

    def redo(self) -> None:
        self._document._apply(self._after, self._evaluation, inserted=self._inserted, removed=self._removed)
        self._evaluation = None

    def undo(self) -> None:
        self._document._apply(self._before, None, inserted=self._removed, removed=self._inserted)


class FormulaDocument(QObject):
    """The editable formula. ``today`` is the compounding date when none is typed."""

    rows_about_to_be_inserted = Signal(int)
    rows_inserted = Signal(int)
    rows_about_to_be_removed = Signal(int)
    rows_removed = Signal(int)
    about_to_reset = Signal()
    was_reset = Signal()
    changed = Signal()

    def __init__(self, catalog: Catalog, today: dt.date, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.today = today
        self.max_excess: Quantity | None = None  # the pharmacy's ceiling on an overage, from its settings
        # The records' profile of the patient the prescription names, screened in place of the
        # file's patient section (``stored_patient.install_stored_profiles``), and whose it is.
        self.stored_patient: dict[str, Any] | None = None
        self.stored_patient_name = ""
        self.undo_stack = QUndoStack(self)
        self._draft = Draft(header={"batch": "120 g", "base": "Lipoderm", "compounded_on": today.isoformat()})
        self._evaluation = evaluate_draft(self._draft, catalog, today)

    # -- what there is
    @property
    def draft(self) -> Draft:
        return self._draft

    @property
    def evaluation(self) -> Evaluation:
        return self._evaluation

    @property
    def plan(self) -> BatchPlan | None:
        return self._evaluation.plan

    @property
    def has_errors(self) -> bool:
        return self._evaluation.has_errors

    @property
    def must_be_corrected(self) -> bool:
        return self._evaluation.must_be_corrected

    def header(self, key: str) -> str:
        return self._draft.header.get(key, "")

    def cell(self, row: int, key: str) -> str:
        return self._draft.rows[row].get(key, "")

    def row_count(self) -> int:
        return len(self._draft.rows)

    def cell_error(self, target: Target, key: str) -> str | None:
        return self._evaluation.cell_errors.get((target, key))

    def plan_line_of(self, target: Target) -> int | None:
        """The plan line shown on a draft row (or the base row), if the formula computes."""
        try:
            return self._evaluation.line_targets.index(target)
        except ValueError:
            return None

    def to_data(self) -> dict[str, Any]:
        """The formula-file data of what is typed (saved as is, errors and all)."""
        return self._evaluation.data

    def master_data(self) -> dict[str, Any]:
        """The data kept as a master formula: without one batch's patient, batch number and acknowledgements."""
        return {key: value for key, value in self._evaluation.data.items() if key not in BATCH_ONLY_KEYS}

    @property
    def order(self) -> Order | None:
        """The batch's prescription and packaging, when every one of its fields is usable."""
        return self._evaluation.order if not self._evaluation.order_errors else None

    def order_error(self, key: str) -> str | None:
        return self._evaluation.order_errors.get(key)

    @property
    def order_errors(self) -> Mapping[str, str]:
        return self._evaluation.order_errors

    def extra(self, key: str) -> Any:
        return self._draft.extras.get(key)

    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    # -- edits (each one undoable)
    def set_header(self, key: str, text: str) -> bool:
        if self.header(key) == text:
            return False
        return self._push(f"Change {HEADER_LABELS.get(key, key)}", self._draft.with_header(key, text))

    def set_cell(self, row: int, key: str, text: str) -> bool:
        if self.cell(row, key) == text:
            return False
        name = self.cell(row, "ingredient") or f"row {row + 1}"
        return self._push(f"Change {ROW_LABELS.get(key, key)} of {name}", self._draft.with_cell(row, key, text))

    def set_extra(self, key: str, value: Any, text: str) -> bool:
        """Replace a data-valued key (e.g. ``acknowledged``); ``None`` removes it."""
        if self._draft.extras.get(key) == value:
            return False
        return self._push(text, self._draft.with_extra(key, value))

    def insert_row(self, row: int, values: Mapping[str, str] | None = None) -> bool:
        values = dict(values or {})
        return self._push("Add ingredient", self._draft.with_row(row, values), inserted=row)

    def remove_row(self, row: int) -> bool:
        name = self.cell(row, "ingredient") or f"row {row + 1}"
        return self._push(f"Remove {name}", self._draft.without_row(row), removed=row)

    # -- whole formulas (not undoable: the undo history starts again)
    def replace(self, draft: Draft) -> None:
        evaluation = evaluate_draft(draft, self.catalog, self.today, self.max_excess, self.stored_patient)
        self.about_to_reset.emit()
        self._draft, self._evaluation = draft, evaluation
        self.undo_stack.clear()
        self.was_reset.emit()
        self.changed.emit()

    def set_max_excess(self, max_excess: Quantity | None) -> None:
        """The pharmacy's ceiling on an overage changed (its settings): check the formula again."""
        if max_excess == self.max_excess:
            return
        self.max_excess = max_excess
        self._evaluation = evaluate_draft(self._draft, self.catalog, self.today, max_excess, self.stored_patient)
        self.changed.emit()

    def set_stored_patient(self, section: dict[str, Any] | None, name: str = "") -> None:
        """The records' profile of the patient the prescription names (None: the records hold no
        such patient): the formula is screened again with it. Not an edit: nothing to undo or save."""
        if section == self.stored_patient:
            return
        self.stored_patient, self.stored_patient_name = section, name if section is not None else ""
        self._evaluation = evaluate_draft(self._draft, self.catalog, self.today, self.max_excess, section)
        self.changed.emit()

    def new(self) -> None:
        self.replace(Draft(header={"batch": "120 g", "base": "Lipoderm", "compounded_on": self.today.isoformat()}))

    def load(self, data: Any) -> None:
        """Open formula-file data; raises ``InputError`` if it is not a formula at all."""
        self.replace(draft_from_data(data))

    def mark_saved(self) -> None:
        self.undo_stack.setClean()

    def mark_unsaved(self) -> None:
        """Loaded data that is not saved anywhere yet (a change re-applied on a newer version)."""
        self.undo_stack.resetClean()

    # -- internals
    def _push(self, text: str, after: Draft, inserted: int | None = None, removed: int | None = None) -> bool:
        evaluation = evaluate_draft(after, self.catalog, self.today, self.max_excess, self.stored_patient)  # may raise: then nothing changed
        self.undo_stack.push(_Edit(self, text, self._draft, after, evaluation, inserted, removed))
        return True

    def _apply(self, draft: Draft, evaluation: Evaluation | None, *, inserted: int | None, removed: int | None) -> None:
        evaluation = evaluation or evaluate_draft(draft, self.catalog, self.today, self.max_excess, self.stored_patient)
        if inserted is not None:
            self.rows_about_to_be_inserted.emit(inserted)
        if removed is not None:
            self.rows_about_to_be_removed.emit(removed)
        self._draft, self._evaluation = draft, evaluation
        if inserted is not None:
            self.rows_inserted.emit(inserted)
        if removed is not None:
            self.rows_removed.emit(removed)
        self.changed.emit()
