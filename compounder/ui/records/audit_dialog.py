"""The audit trail viewer (issue 24; administrators and pharmacists): the entries newest first,
filtered by batch, user, kind and date, a page at a time as the list is scrolled
(``canFetchMore``/``fetchMore``: the trail is never read whole), and at the top the trail's
verification as ``compounder db check`` gives it — green when unbroken, red with the problems.
Everything it reads comes from ``compounder.records.audit_view``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from compounder.calc import Severity
from compounder.records.errors import RecordsError
from compounder.records.policy import RecordError
from compounder.ui.common import look
from compounder.ui.common.inline_error import message_label
from compounder.ui.common.privacy_note import privacy_label, show_why
from compounder.ui.common.records_context import RecordsContext, problem_text
from compounder.ui.common.table_model import HeaderedTableModel

if TYPE_CHECKING:  # the records' model is loaded when the viewer opens
    from compounder.records.audit_view import TrailFilter, TrailRow

TRAIL_HEADERS = ("Entry", "When", "User", "Kind", "What", "Change")
EVERY_KIND = "every kind"


class TrailModel(HeaderedTableModel):
    """The entries read so far; the view asks for the next page as it scrolls to the end."""

    def __init__(self, load: Callable[[int | None], list[TrailRow] | None], page: int, parent: QObject | None = None) -> None:
        super().__init__(TRAIL_HEADERS, parent)
        self._load = load  # the page before an entry (None: the newest); None when it could not be read
        self.page = page  # entries asked for at a time
        self._rows: list[TrailRow] = []
        self._more = False

    def restart(self) -> None:
        """Forget what was read and read the first page again."""
        self.beginResetModel()
        self._rows, self._more = [], True
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def row_total(self) -> int:
        return len(self._rows)

    def entry(self, row: int) -> TrailRow:
        return self._rows[row]

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802 - Qt's name
        return not parent.isValid() and self._more

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008, N802 - Qt's name
        if parent.isValid() or not self._more:
            return
        found = self._load(self._rows[-1].sequence if self._rows else None)
        if found is None:
            self._more = False
            return
        self._more = len(found) == self.page
        if found:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(found) - 1)
            self._rows.extend(found)
            self.endInsertRows()

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            values = (f"{entry.sequence:,}", entry.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), entry.username, entry.kind, entry.what, entry.change)
            return values[index.column()] if 0 <= index.column() < len(values) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry.detail
        return None


class AuditTrailDialog(QDialog):
    """The trail viewer; ``head_path`` is the head file ``db check`` compares with (None: the one
    the database's connections record the head in)."""

    def __init__(self, context: RecordsContext, head_path: Path | None, parent: QWidget | None = None) -> None:
        from compounder.records.audit_view import PAGE

        super().__init__(parent)
        self.setWindowTitle("Audit trail")
        self.setObjectName("auditTrailDialog")
        self.resize(1180, 680)
        self._context = context
        self._head_path = head_path
        self._filter: TrailFilter | None = None
        self._patients_shown = False
        self.status = QLabel()
        self.status.setObjectName("trailStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.check_button = QPushButton("&Check again")
        self.check_button.setToolTip("Verify the trail as `compounder db check` does (read only: nothing is recorded)")
        self.check_button.clicked.connect(self.check)
        self.batch, self.user, self.since, self.until = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        self.batch.setPlaceholderText("YYMMDD-NNN")
        self.user.setPlaceholderText("user name")
        for field in (self.since, self.until):
            field.setPlaceholderText("YYYY-MM-DD")
        self.kind = QComboBox()
        self.kind.addItem(EVERY_KIND, None)
        self.search_button = QPushButton("&Show")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        for field in (self.batch, self.user, self.since, self.until):
            field.returnPressed.connect(self.search)
        self.message = message_label()
        self.privacy_note = privacy_label()
        self.model = TrailModel(self._load, PAGE, self)
        self.view = _entries_table(self.model)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.check_button)
        form = QFormLayout()
        form.addRow("&Batch", self.batch)
        form.addRow("&User", self.user)
        form.addRow("&Kind", self.kind)
        dates = QHBoxLayout()
        dates.addWidget(self.since)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.until)
        since_label = QLabel("&Dates from")
        since_label.setBuddy(self.since)
        form.addRow(since_label, dates)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addWidget(self.search_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.message)
        layout.addWidget(self.privacy_note)
        layout.addWidget(self.view, 1)
        layout.addWidget(close)
        context.signed_in.connect(self._signed_in)  # a bound method: disconnected when the viewer is deleted
        self._fill_kinds()
        self.check()
        self.search()

    def _signed_in(self, _actor: object) -> None:
        self.search()

    def _fill_kinds(self) -> None:
        from compounder.records import audit_view

        found = self._context.run(audit_view.kinds, write=False)
        if isinstance(found, list):
            for kind in found:
                self.kind.addItem(kind, kind)

    def check(self) -> None:
        """The trail's verification at a glance: green when unbroken, red with what is wrong."""
        from compounder.records import audit_view

        try:
            audit_view.may_read_trail(self._context.actor)
            with self._context.reading() as session:
                status = audit_view.trail_status(session, self._head_path)
        except RecordsError as error:
            self._show_status(problem_text(error), Severity.WARNING)
            return
        text = status.summary() + "."
        if status.problems:
            text += "".join(f"\n• {problem}" for problem in status.problems[:5])
            if len(status.problems) > 5:
                text += f"\n… and {len(status.problems) - 5} more (`compounder db check` lists them all)"
        text += f"\nChecked {self._context.clock().astimezone().strftime('%Y-%m-%d %H:%M')}."
        self._show_status(text, Severity.ERROR if status.problems else None)

    def _show_status(self, text: str, severity: Severity | None) -> None:
        mark = "✔ " if severity is None else "✘ " if severity is Severity.ERROR else ""
        self.status.setText(mark + text)
        colour = look.ERROR_TEXT if severity is Severity.ERROR else look.WARNING_TEXT if severity is not None else look.OK_TEXT
        self.status.setStyleSheet(f"color: {colour.name()}; font-weight: bold")

    def search(self) -> None:
        """The entries matching the filter, newest first (the first page; more as the list scrolls)."""
        from compounder.records import audit_view

        self.message.setText("")
        try:
            audit_view.may_read_trail(self._context.actor)
            self._filter = audit_view.TrailFilter(
                batch_number=self.batch.text(), username=self.user.text(), kind=self.kind.currentData(),
                since=_date(self.since.text(), "from"), until=_date(self.until.text(), "to"),
            )
            with self._context.reading() as session:
                self._patients_shown, why = self._context.patient_details(session)
        except RecordsError as error:
            self._filter = None
            self.message.setText(problem_text(error))
            self.model.restart()
            return
        show_why(self.privacy_note, why)
        self.model.restart()
        if not self.model.rowCount() and not self.message.text():
            self.message.setText("No entry matches.")

    def _load(self, before: int | None) -> list[TrailRow] | None:
        from compounder.records import audit_view

        wanted, actor = self._filter, self._context.actor
        if wanted is None:
            return None
        try:
            with self._context.reading() as session:
                return audit_view.page(session, actor, wanted, before=before, limit=self.model.page, patients_shown=self._patients_shown)
        except RecordsError as error:
            self.message.setText(problem_text(error))
            return None


def _entries_table(model: TrailModel) -> QTableView:
    """A read-only view of whole entries; the change column takes the rest of the width."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(TRAIL_HEADERS.index("What"), QHeaderView.ResizeMode.Interactive)
    header.resizeSection(TRAIL_HEADERS.index("What"), 320)
    header.setStretchLastSection(True)
    view.setWordWrap(True)
    return view


def _date(text: str, which: str) -> dt.date | None:
    from compounder.calc.errors import InputError
    from compounder.calc.typed_date import typed_date

    try:
        return typed_date(text, f"the '{which}' date", example="2026-11-23")
    except InputError as error:
        raise RecordError(f"{error.field}: {error.message}") from None
