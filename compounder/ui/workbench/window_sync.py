"""The main window kept in step with the document: document → widgets after every change, and
the pharmacist's edits, finds and selections → document."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QSize, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLineEdit, QWidget

from compounder.calc import Severity
from compounder.calc.units import format_quantity
from compounder.ui.common import look
from compounder.ui.common.date_field import DateField
from compounder.ui.workbench.formula_draft import Target
from compounder.ui.workbench.formula_source import FileSource
from compounder.ui.workbench.ingredient_columns import COLUMNS, ERROR_ROLE
from compounder.ui.workbench.window_parts import WindowParts

if TYPE_CHECKING:
    from compounder.ui.workbench.trail_dialog import TrailDialog

_BATCH = re.compile(r"^\s*(?P<amount>.*?)\s*(?P<unit>g|mL|ml)\s*$")


class SyncPart(WindowParts):
    """Redraws the widgets from the document and sends edits to it (a part of ``MainWindow``)."""

    def _on_changed(self) -> None:
        self._sync_header()
        self._update_banner()
        for action in (self.print_action, self.print_on_action, self.export_worksheet_action):
            action.setEnabled(not self.document.must_be_corrected)
        self.approve_action.setEnabled(not self.document.must_be_corrected)
        self.trail_action.setEnabled(self.document.plan is not None)
        self._update_summary()
        self._update_title()
        self._on_current_cell(self.table.currentIndex())

    def _update_banner(self) -> None:
        """The banner says the first error (a date typed and refused first of all); it keeps its
        place when there is none."""
        errors = [n for n in self.document.evaluation.notices if n.severity is Severity.ERROR]
        if self.date_edit.refusal:
            self.banner_text.set_parts(
                f"Compounding date not taken: the formula is still dated {self.document.header('compounded_on') or 'today'}.",
                self.date_edit.refusal,
            )
        elif errors:
            more = f" (and {len(errors) - 1} more in the findings below)" if len(errors) > 1 else ""
            what = (
                "this formula cannot be printed or approved." if self.document.must_be_corrected
                else "for this patient: the batch is printed only if a pharmacist overrides each, with the reason."
            )
            self.banner_text.set_parts(f"{len(errors)} error{'s' if len(errors) > 1 else ''} {what}", f"{errors[0].message}{more}")
        shown = bool(errors) or bool(self.date_edit.refusal)
        if shown and self.banner_icon.pixmap().isNull():
            self.banner_icon.setPixmap(look.icon(Severity.ERROR).pixmap(QSize(32, 32)))
        self.banner.setVisible(shown)

    def _sync_header(self) -> None:
        self._syncing = True
        try:
            for key, widget in self.header_widgets.items():
                text = self.document.header(key)
                if isinstance(widget, DateField):
                    widget.show_text(text)  # a date typed and refused stays as typed, with its message
                    if widget.refusal:
                        continue
                elif isinstance(widget, QLineEdit) and widget is not self.batch_amount_edit and widget.text() != text:
                    widget.setText(text)
                self._mark(widget, self.document.cell_error(None, key))
            batch = self.document.header("batch")
            match = _BATCH.match(batch)
            amount, unit = (match.group("amount"), "mL" if match.group("unit").lower() == "ml" else "g") if match else (batch, None)
            if self.batch_amount_edit.text() != amount:
                self.batch_amount_edit.setText(amount)
            if unit is not None:
                self.batch_unit_combo.setCurrentText(unit)
            base = self.document.header("base")
            if self.base_combo.currentText() != base:
                self.base_combo.setEditText(base)
            balance = self.document.header("balance") or self.catalog.default_balance or self.catalog.balances[0].name
            if self.balance_combo.findText(balance) < 0:
                self.balance_combo.addItem(balance)
            self.balance_combo.setCurrentText(balance)
        finally:
            self._syncing = False

    def _mark(self, widget: QWidget, message: str | None) -> None:
        if widget in self._marked and self._marked[widget] == message:
            return  # marked so already: a new palette would repaint the field for nothing
        self._marked[widget] = message
        palette = self.palette()
        if message:
            colour = look.tint(Severity.ERROR, palette, strength=0.35)
            palette.setColor(QPalette.ColorRole.Base, colour)
            palette.setColor(QPalette.ColorRole.Button, colour)
        widget.setPalette(palette)
        widget.setToolTip(message or widget.property("default_tip") or "")
        if widget in self._error_icons:
            if message and self._error_icons[widget].icon().isNull():
                self._error_icons[widget].setIcon(look.icon(Severity.ERROR))
            self._error_icons[widget].setVisible(bool(message))
            self._error_icons[widget].setToolTip(message or "")

    def _update_summary(self) -> None:
        plan = self.document.plan
        if plan is None:
            self.summary.setText("Nothing is computed while an input error stands; the cells marked in red say what is accepted.")
            return
        formula = plan.formula
        parts = [f"Prepare <b>{plan.prepared.to('g').magnitude:.3f} g</b>"]
        if formula.excess is not None and formula.excess.magnitude:
            parts[0] += f" ({format_quantity(formula.quantity)} + {format_quantity(formula.excess.to('percent'))} excess)"
        if plan.density is not None:
            parts.append(f"density {format_quantity(plan.density, 4)} ({plan.density_source})")
        parts.append(
            f"balance reads {format_quantity(plan.balance.readability.value, 4)}, "
            f"minimum weighable {format_quantity(plan.balance.minimum_weighable.value, 4)}"
        )
        if plan.bud is not None:
            parts.append(f"Beyond-use date <b>{plan.bud.date.isoformat()}</b> ({plan.bud.days} days; {_escape(plan.bud.storage)})")
            self.summary.setToolTip(plan.bud.reason)
        if self.document.stored_patient is not None:
            parts.append(f"screened against the stored profile of <b>{_escape(self.document.stored_patient_name)}</b> (records)")
        if self.approved_at is not None and not self.document.is_modified():
            parts.append(f"approved {self.approved_at.astimezone().strftime('%Y-%m-%d %H:%M')}")
        self.summary.setText(" · ".join(parts))

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self._title()}[*] — Compounder")
        self.setWindowModified(self.document.is_modified())

    def _title(self) -> str:
        name = self.document.header("name")
        if name:
            return name
        if isinstance(self.source, FileSource):
            return self.source.path.name
        return "Untitled formula"

    def _on_current_cell(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        message = index.data(ERROR_ROLE)
        if message:
            self.statusBar().showMessage(f"{COLUMNS[index.column()].title}: {message}")
        else:
            self.statusBar().showMessage(COLUMNS[index.column()].tip)

    # ------------------------------------------------------------------ widgets → document
    def _commit_header(self, key: str, text: str) -> None:
        if not self._syncing:
            self.document.set_header(key, text)

    def _commit_batch(self) -> None:
        if self._syncing:
            return
        amount = self.batch_amount_edit.text().strip()
        unit = self.batch_unit_combo.currentText()
        self.document.set_header("batch", f"{amount} {unit}" if amount and unit else amount)

    def add_row(self) -> None:
        current = self.table.currentIndex()
        row = current.row() if current.isValid() and current.row() <= self.document.row_count() else self.document.row_count()
        self.document.insert_row(row)
        index = self.table_model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.setFocus()
        self.table.edit(index)

    def remove_row(self) -> None:
        current = self.table.currentIndex()
        if current.isValid() and current.row() < self.document.row_count():
            self.document.remove_row(current.row())

    def focus_find(self) -> None:
        self.find_edit.setFocus()
        self.find_edit.selectAll()

    def find(self, text: str, start: int = 0) -> bool:  # type: ignore[override]  # the window's find; QWidget.find(id), a static look-up, is never used on it
        """Select the first ingredient row from ``start`` whose ingredient, stock form or lot holds ``text``."""
        needle = text.strip().casefold()
        rows = self.document.row_count()
        palette = self.palette()
        if not needle:
            self.find_edit.setPalette(palette)
            return False
        for offset in range(rows):
            row = (start + offset) % rows
            if any(needle in self.document.cell(row, key).casefold() for key in ("ingredient", "stock", "lot")):
                self.select_target(row)
                self.find_edit.setPalette(palette)
                return True
        palette.setColor(QPalette.ColorRole.Base, look.tint(Severity.ERROR, palette, strength=0.35))
        self.find_edit.setPalette(palette)
        self.statusBar().showMessage(f"No ingredient row holds “{text.strip()}”")
        return False

    def select_target(self, target: Target, key: str | None = None) -> None:
        """Select the table row a finding concerns (or focus the header field it names)."""
        row = self.table_model.row_of(target)
        if row is None:
            widget = self.header_widgets.get(key or "")
            if widget is not None:
                widget.setFocus()
            return
        column = self.table_model.column_of(key) if key in [c.key for c in COLUMNS] else 0
        index = self.table_model.index(row, column)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)

    def _on_finding_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            notice = self.findings_model.notice(index.row())
            self.select_target(notice.target, notice.key)

    def _on_table_double_click(self, index: QModelIndex) -> None:
        if COLUMNS[index.column()].computed or index.row() == self.table_model.base_row:
            self.show_trail()

    def show_trail(self) -> TrailDialog | None:
        plan = self.document.plan
        index = self.table.currentIndex()
        if plan is None or not index.isValid():
            self.statusBar().showMessage("Select a row of a formula without input errors to see its calculation trail")
            return None
        line = self.document.plan_line_of(self.table_model.target(index.row()))
        if line is None:
            return None
        from compounder.ui.workbench.trail_dialog import TrailDialog  # imported when first opened

        dialog = TrailDialog(plan, plan.lines[line], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog


def _escape(text: str) -> str:
    from html import escape

    return escape(text)

