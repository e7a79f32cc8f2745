"""The records screens: sign in, receive and list ingredient lots (with expiry warnings),
search the batch history, and recall a lot (every batch and patient) with CSV export.

Each dialog asks ``compounder.records`` and shows plain values; ``RowsModel`` is the one thin
table adapter they share. ``RecordsContext`` carries the session factory, the clock and who is
signed in, and is passed in (no global). ``install_records_menu`` adds the "Records" menu to a
main window without the window knowing about it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from compounder.records.rules import Actor, RecordError

# The records' modules behind the dialogs are imported when a dialog opens: they load the records'
# model (~30 ms), which the window does not need to show. ``install_records_menu`` asks only
# ``people.has_accounts``, which reads the table by name.
if TYPE_CHECKING:
    from compounder.calc.catalog import Catalog
    from compounder.records import history, lots

Clock = Callable[[], dt.datetime]
WARNING_HUE = QColor("#9a5b00")
ERROR_HUE = QColor("#b00020")


class RecordsContext(QObject):
    """The records as the window uses them: sessions, clock, and the signed-in user."""

    signed_in = Signal(object)  # the Actor, or None when signed out

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sessions = sessions
        self.clock = clock
        self.actor: Actor | None = None

    def today(self) -> dt.date:
        return self.clock().astimezone().date()

    def sign_in(self, username: str, password: str) -> Actor:
        from compounder.records import people

        self.actor = people.sign_in(self.sessions, username, password, self.clock())
        self.signed_in.emit(self.actor)
        return self.actor

    def sign_out(self) -> None:
        self.actor = None
        self.signed_in.emit(None)


def problem_text(error: Exception) -> str:
    """What to tell the user about a failed records operation."""
    from compounder.records.maintenance import describe

    if isinstance(error, RecordError):
        return str(error)
    if isinstance(error, SQLAlchemyError):
        return describe(error, "of this workstation")
    raise error


class RowsModel(QAbstractTableModel):
    """Rows of display text under fixed headers; a row may carry a warning or error hue and a tip."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = tuple(headers)
        self._rows: list[tuple[str, ...]] = []
        self._hues: list[QColor | None] = []
        self._tips: list[str | None] = []

    def set_rows(self, rows: Sequence[Sequence[str]], hues: Sequence[QColor | None] | None = None, tips: Sequence[str | None] | None = None) -> None:
        self.beginResetModel()
        self._rows = [tuple(row) for row in rows]
        self._hues = list(hues) if hues is not None else [None] * len(self._rows)
        self._tips = list(tips) if tips is not None else [None] * len(self._rows)
        self.endResetModel()

    def row(self, row: int) -> tuple[str, ...]:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) or not (0 <= index.column() < len(self._headers)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._hues[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tips[index.row()]
        return None


def _table(model: RowsModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _message_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_HUE.name()}")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


# --------------------------------------------------------------------------- sign in


class SignInDialog(QDialog):
    """User name and password; a wrong one is said in the dialog, which stays open."""

    def __init__(self, context: RecordsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in")
        self.setMinimumWidth(400)  # room for a lock or first-run message on few lines
        self._context = context
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = _message_label()
        form = QFormLayout()
        form.addRow("&User name", self.username)
        form.addRow("&Password", self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        # Shown when the database has no account: the first ones are made here, not on the command line.
        self.first_accounts_button = QPushButton("Create the first accounts…")
        self.first_accounts_button.clicked.connect(self.create_first_accounts)
        self.first_accounts_button.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.first_accounts_button)
        layout.addWidget(buttons)

    def try_sign_in(self) -> None:
        from compounder.records import people

        try:
            self._context.sign_in(self.username.text(), self.password.text())
        except (RecordError, SQLAlchemyError) as error:
            self.message.setText(problem_text(error))
            self.first_accounts_button.setVisible(isinstance(error, people.NoAccounts))
            self.password.clear()
            self.password.setFocus()
            return
        self.accept()

    def create_first_accounts(self) -> None:
        from compounder.ui.first_accounts_dialog import FirstAccountsDialog

        if FirstAccountsDialog(self._context, self).exec():
            self.first_accounts_button.setVisible(False)
            self.message.setText("The accounts are made: sign in with one of them.")


# --------------------------------------------------------------------------- lots

LOT_HEADERS = ("Lot", "Stock form", "Ingredient", "Manufacturer", "Expires", "Left (g)", "Received (g)", "Potency", "Status")


def lot_status(lot: lots.Lot, on: dt.date) -> tuple[str, QColor | None]:
    if lot.expires < on:
        return f"expired {lot.expires.isoformat()} — do not use", ERROR_HUE
    if lot.remaining <= 0:
        return "exhausted", ERROR_HUE
    if lot.near_expiry(on):
        days = (lot.expires - on).days
        return ("expires today" if days == 0 else f"expires in {days} day{'s' if days != 1 else ''}"), WARNING_HUE
    return "usable", None


class LotsDialog(QDialog):
    """Every lot in stock, soonest expiry first, with warnings; and the form to receive one."""

    def __init__(
        self, context: RecordsContext, parent: QWidget | None = None, *, print_pdf: Callable[[str, bytes], bool] | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        super().__init__(parent)
        self._catalog = catalog  # for the DEA schedule on a controlled substance's lot label
        self.setWindowTitle("Ingredient lots")
        self._print_pdf = print_pdf  # the pharmacy's lot label (weighing station), printed at receipt
        self.resize(1000, 560)
        self._context = context
        self.model = RowsModel(LOT_HEADERS, self)
        self.view = _table(self.model)
        self.ingredient, self.stock_form, self.manufacturer, self.lot_number = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        self.quantity, self.potency = QLineEdit(), QLineEdit()
        self.quantity.setPlaceholderText("grams, e.g. 500")
        self.potency.setPlaceholderText("% from the certificate of analysis, e.g. 99.6")
        self.expires = QDateEdit()
        self.expires.setCalendarPopup(True)
        self.expires.setDisplayFormat("yyyy-MM-dd")
        today = context.today()
        self.expires.setDate(QDate(today.year + 1, today.month, min(today.day, 28)))
        self.receive_button = QPushButton("&Receive lot")
        self.receive_button.clicked.connect(self.receive)
        self.label_button = QPushButton("Print lot &label…")
        self.label_button.setToolTip("The label with the Code 128 the weighing station scans, for the selected lot")
        self.label_button.clicked.connect(lambda: self.print_label(self._selected_lot()))
        self.label_button.setVisible(print_pdf is not None)
        self._found: list = []
        self.message = _message_label()
        self.received = QLabel()
        form = QFormLayout()
        form.addRow("&Ingredient", self.ingredient)
        form.addRow("&Stock form", self.stock_form)
        form.addRow("&Manufacturer", self.manufacturer)
        form.addRow("&Lot number", self.lot_number)
        form.addRow("&Expires", self.expires)
        form.addRow("&Quantity received (g)", self.quantity)
        form.addRow("&Potency (CoA)", self.potency)
        form.addRow("", self.receive_button)
        box = QGroupBox("Receive a lot")
        box.setLayout(form)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.label_button)
        layout.addWidget(box)
        layout.addWidget(self.message)
        layout.addWidget(self.received)
        layout.addWidget(close)
        context.signed_in.connect(self._signed_in)
        self._signed_in(context.actor)
        self.refresh()

    def _signed_in(self, actor: Actor | None) -> None:
        self.receive_button.setEnabled(actor is not None)
        self.receive_button.setToolTip("" if actor else "Sign in to receive a lot")

    def refresh(self) -> None:
        from compounder.records import lots

        on = self._context.today()
        try:
            with self._context.sessions() as session:
                found = lots.lots(session)
        except SQLAlchemyError as error:
            self.message.setText(problem_text(error))
            return
        self._found = found
        rows, hues, tips = [], [], []
        for lot in found:
            status, hue = lot_status(lot, on)
            rows.append((
                lot.lot_number, lot.stock_form, lot.ingredient, lot.manufacturer, lot.expires.isoformat(), f"{lot.remaining:f}",
                f"{lot.received:f}", "" if lot.potency_percent is None else f"{lot.potency_percent:f} %", status,
            ))
            hues.append(hue)
            tips.append(lot.label)
        self.model.set_rows(rows, hues, tips)

    def receive(self) -> None:
        from compounder.records import lots

        actor = self._context.actor
        if actor is None:
            self.message.setText("sign in to receive a lot")
            return
        expires = self.expires.date()
        try:
            with self._context.sessions.begin() as session:
                lot = lots.receive_lot(
                    session, actor, ingredient=self.ingredient.text(), stock_form=self.stock_form.text(), manufacturer=self.manufacturer.text(),
                    lot_number=self.lot_number.text(), expires=dt.date(expires.year(), expires.month(), expires.day()),
                    quantity=self.quantity.text(), potency_percent=self.potency.text() or None, now=self._context.clock(),
                )
        except (RecordError, SQLAlchemyError) as error:
            self.received.setText("")
            self.message.setText(problem_text(error))
            return
        for field in (self.lot_number, self.quantity, self.potency):
            field.clear()
        self.refresh()
        self.message.setText("")
        self.received.setText(f"Received lot {lot.lot_number} of {lot.stock_form}: {lot.received:f} g.")
        self.print_label(lot)

    def _selected_lot(self):
        rows = self.view.selectionModel().selectedRows()
        return self._found[rows[0].row()] if rows else None

    def print_label(self, lot) -> None:
        """The pharmacy's lot label for the weighing station's scanner."""
        if self._print_pdf is None:
            return
        if lot is None:
            self.message.setText("choose the lot whose label to print")
            return
        from compounder.calc.controlled import schedule_mark
        from compounder.documents.lot_label import LotLabel, lot_label_pdf

        schedule = schedule_mark(self._catalog, lot.stock_form) if self._catalog is not None else None
        pdf = lot_label_pdf(LotLabel(lot.id, lot.stock_form, lot.lot_number, lot.manufacturer, lot.expires, schedule))
        self._print_pdf(f"Lot label {lot.lot_number}", pdf)


# --------------------------------------------------------------------------- history

HISTORY_HEADERS = ("Batch", "Compounded", "Status", "Patient", "Born", "Rx", "Formula", "Beyond use", "Amendment")


class HistoryDialog(QDialog):
    """Search batches by patient, Rx number, formula, batch number, lot or date range; reopen the
    selected batch, make a refill from it, or reprint its worksheet or label.

    ``make_batch`` builds a batch dialog (the window's); ``print_document(kind, batch_number)``
    prints a stored batch's document and returns what to tell the user (``StoredBatchPrinter.print``);
    ``edit_profile(patient_id)`` builds the patient profile editor for the selected batch's patient."""

    def __init__(
        self, context: RecordsContext, parent: QWidget | None = None, *, make_batch: Callable[[], QDialog] | None = None,
        print_document: Callable[[str, str], str] | None = None, edit_profile: Callable[[int], QDialog] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Batch history")
        self.resize(1100, 620)
        self._context = context
        self._make_batch = make_batch
        self._print_document = print_document
        self._edit_profile = edit_profile
        self.opened: QDialog | None = None  # the batch dialog opened from here, if any
        self.patient, self.rx, self.formula, self.batch, self.lot = (QLineEdit() for _ in range(5))
        self.since, self.until = QLineEdit(), QLineEdit()
        for field in (self.since, self.until):
            field.setPlaceholderText("YYYY-MM-DD")
        self.patient.setPlaceholderText("start of the name")
        self.batch.setPlaceholderText("YYMMDD-NNN, or YYMMDD")
        form = QFormLayout()
        for label, field in (("&Patient", self.patient), ("&Rx number", self.rx), ("&Formula", self.formula), ("&Batch number", self.batch), ("Ingredient &lot", self.lot)):
            form.addRow(label, field)
        dates = QHBoxLayout()
        dates.addWidget(self.since)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.until)
        since_label = QLabel("&Compounded from")
        since_label.setBuddy(self.since)
        form.addRow(since_label, dates)
        self.search_button = QPushButton("&Search")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        for field in (self.patient, self.rx, self.formula, self.batch, self.lot, self.since, self.until):
            field.returnPressed.connect(self.search)
        self.model = RowsModel(HISTORY_HEADERS, self)
        self.view = _table(self.model)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected_changed())
        self.message = _message_label()
        self.reopen_button = QPushButton("Re&open…")
        self.reopen_button.clicked.connect(self.reopen)
        self.refill_button = QPushButton("Make a re&fill…")
        self.refill_button.clicked.connect(self.refill)
        self.reprint_worksheet_button = QPushButton("Reprint &worksheet…")
        self.reprint_worksheet_button.clicked.connect(lambda: self.reprint("worksheet"))
        self.reprint_label_button = QPushButton("Reprint l&abel…")
        self.reprint_label_button.clicked.connect(lambda: self.reprint("label"))
        self.profile_button = QPushButton("Patient &profile…")
        self.profile_button.setToolTip("The allergies, conditions and medicines the next batch for this patient is screened against")
        self.profile_button.clicked.connect(self.edit_profile)
        chosen = QHBoxLayout()
        for button in (self.reopen_button, self.refill_button, self.reprint_worksheet_button, self.reprint_label_button, self.profile_button):
            chosen.addWidget(button)
        chosen.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.search_button)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addLayout(chosen)
        layout.addWidget(close)
        self._selected_changed()

    def selected(self) -> str | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row(rows[0].row())[0] if rows else None

    def select(self, batch_number: str) -> None:
        for row in range(self.model.rowCount()):
            if self.model.row(row)[0] == batch_number:
                self.view.selectRow(row)
                return

    def _selected_changed(self) -> None:
        chosen = self.selected() is not None
        for button, available in (
            (self.reopen_button, self._make_batch is not None), (self.refill_button, self._make_batch is not None),
            (self.reprint_worksheet_button, self._print_document is not None), (self.reprint_label_button, self._print_document is not None),
            (self.profile_button, self._edit_profile is not None),
        ):
            button.setEnabled(chosen and available)

    def reopen(self) -> None:
        number = self.selected()
        if number is None or self._make_batch is None:
            return
        self.opened = self._make_batch()
        self.opened.open_batch(number)
        self.opened.open()

    def refill(self) -> None:
        number = self.selected()
        if number is None or self._make_batch is None:
            return
        self.opened = self._make_batch()
        self.opened.prepare_refill(number)
        self.opened.open()

    def edit_profile(self) -> None:
        """The selected batch's patient's profile; a batch already made keeps the facts it was
        screened for, so a change here applies to the next batch."""
        from compounder.records import batches

        number = self.selected()
        if number is None or self._edit_profile is None:
            return
        try:
            with self._context.sessions() as session:
                patient_id = batches.batch_record(session, number).patient.id
        except (RecordError, SQLAlchemyError) as error:
            self.message.setText(problem_text(error))
            return
        self.opened = self._edit_profile(patient_id)
        self.opened.open()

    def reprint(self, kind: str) -> None:
        number = self.selected()
        if number is None or self._print_document is None:
            return
        self.message.setText(self._print_document(kind, number))

    def search(self) -> None:
        from compounder.records import history

        try:
            since, until = _date(self.since.text(), "from"), _date(self.until.text(), "to")
            with self._context.sessions() as session:
                found = history.search(
                    session, patient=self.patient.text(), rx_number=self.rx.text(), formula=self.formula.text(),
                    batch_number=self.batch.text(), lot_number=self.lot.text(), since=since, until=until,
                )
                links = history.amendment_links(session, [b.batch_number for b in found])
        except (RecordError, SQLAlchemyError) as error:
            self.message.setText(problem_text(error))
            return
        self.model.set_rows([
            (b.batch_number, b.compounded_on.isoformat(), b.status, b.patient, b.date_of_birth.isoformat() if b.date_of_birth else "",
             b.rx_number, f"{b.formula} (v{b.formula_version})", b.beyond_use.isoformat(), links.get(b.batch_number, ""))
            for b in found
        ])
        self._selected_changed()
        self.message.setText("" if found else "No batch matches.")


def _date(text: str, which: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise RecordError(f"the '{which}' date {text.strip()!r} is not a date; type YYYY-MM-DD") from None


# --------------------------------------------------------------------------- recall

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
        self.message = _message_label()
        self.model = RowsModel(RECALL_HEADERS, self)
        self.view = _table(self.model)
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
        layout.addWidget(self.view, 1)
        layout.addWidget(close)

    def find(self) -> None:
        from compounder.records import history

        self._lot, self._rows = None, []
        self.export_button.setEnabled(False)
        self.model.set_rows([])
        self.summary.setText("")
        number = self.lot_number.text().strip()
        if not number:
            self.message.setText("type the lot number")
            return
        try:
            with self._context.sessions() as session:
                found = history.lots_numbered(session, number)
                if len(found) != 1:
                    makers = ", ".join(f"{lot.manufacturer} ({lot.stock_form})" for lot in found)
                    raise RecordError(f"no lot {number} in stock records" if not found else f"lot {number} is held from several manufacturers: {makers}")
                self._lot = found[0]
                self._rows = history.recall(session, self._lot.id)
        except (RecordError, SQLAlchemyError) as error:
            self.message.setText(problem_text(error))
            return
        self.message.setText("")
        lot = self._lot
        patients = len({(r.patient, r.date_of_birth) for r in self._rows})
        self.summary.setText(
            f"Lot {lot.lot_number} of {lot.stock_form} ({lot.manufacturer}, expires {lot.expires.isoformat()}): "
            f"{len(self._rows)} batch{'es' if len(self._rows) != 1 else ''}, {patients} patient{'s' if patients != 1 else ''}."
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
        path = self._ask_path(self, Path.home() / f"recall-{self._lot.lot_number}.csv")
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


# --------------------------------------------------------------------------- menu


def install_records_menu(
    window: QMainWindow, context: RecordsContext, make_batch: Callable[[], QDialog] | None = None,
    print_document: Callable[[str, str], str] | None = None, edit_profile: Callable[[int], QDialog] | None = None,
    print_pdf: Callable[[str, bytes], bool] | None = None, catalog: Catalog | None = None,
) -> dict[str, QAction]:
    """Add the "Records" menu before "Help"; return its actions by name (for tests).
    ``make_batch`` builds the batch dialog (it needs the library and the catalog);
    ``print_document(kind, batch_number)`` prints a stored batch's worksheet or label."""
    from compounder.records import people

    menu_bar = window.menuBar()
    help_action = next((a for a in menu_bar.actions() if a.text().replace("&", "") == "Help"), None)
    from PySide6.QtWidgets import QMenu

    menu = QMenu("&Records", window)
    menu_bar.insertMenu(help_action, menu) if help_action is not None else menu_bar.addMenu(menu)
    actions = {
        "sign_in": QAction("&Sign in…", window),
        "sign_out": QAction("Sign &out", window),
        "lots": QAction("Ingredient &lots…", window),
        "history": QAction("Batch &history…", window),
        "recall": QAction("&Recall a lot…", window),
    }
    actions["sign_in"].triggered.connect(lambda _=False: SignInDialog(context, window).exec())
    actions["sign_out"].triggered.connect(lambda _=False: context.sign_out())
    actions["lots"].triggered.connect(lambda _=False: LotsDialog(context, window, print_pdf=print_pdf, catalog=catalog).exec())
    actions["history"].triggered.connect(
        lambda _=False: HistoryDialog(context, window, make_batch=make_batch, print_document=print_document, edit_profile=edit_profile).exec()
    )
    actions["recall"].triggered.connect(lambda _=False: RecallDialog(context, window).exec())
    actions["first_accounts"] = QAction("&Create the first accounts…", window)
    actions["first_accounts"].setToolTip("This database has no account yet: make the administrator and the first pharmacist")

    def _first_accounts() -> None:
        from compounder.ui.first_accounts_dialog import FirstAccountsDialog

        if FirstAccountsDialog(context, window).exec():
            actions["first_accounts"].setVisible(False)
            window.statusBar().showMessage("The first accounts are made: Records ▸ Sign in…", 10000)

    actions["first_accounts"].triggered.connect(lambda _=False: _first_accounts())
    try:
        with context.sessions() as session:
            empty = not people.has_accounts(session)
    except SQLAlchemyError:
        empty = False
    actions["first_accounts"].setVisible(empty)
    if empty:
        window.statusBar().showMessage("No account yet: Records ▸ Create the first accounts… makes the administrator and the first pharmacist", 30000)
    menu.addActions([actions["first_accounts"], actions["sign_in"], actions["sign_out"]])
    menu.addSeparator()
    if make_batch is not None:
        actions["batch"] = QAction("&Make a batch…", window)
        actions["batch"].triggered.connect(lambda _=False: make_batch().exec())
        menu.addAction(actions["batch"])
    menu.addActions([actions["lots"], actions["history"], actions["recall"]])
    menu.addSeparator()
    actions["users"] = QAction("&Users…", window)
    actions["users"].setToolTip("User accounts (administrator)")
    actions["users"].triggered.connect(lambda _=False: _users_dialog(context, window).exec())
    actions["users"].setEnabled(False)
    menu.addAction(actions["users"])

    def _signed(actor: Actor | None) -> None:
        actions["sign_out"].setEnabled(actor is not None)
        actions["users"].setEnabled(actor is not None and actor.role.value == "administrator")
        actions["sign_out"].setText(f"Sign &out {actor.username}" if actor else "Sign &out")
        window.statusBar().showMessage(f"Signed in as {actor.username} ({actor.role.value})" if actor else "Signed out", 5000)

    context.signed_in.connect(_signed)
    actions["sign_out"].setEnabled(False)
    return actions


def _users_dialog(context: RecordsContext, parent: QWidget) -> QDialog:
    from compounder.ui.users_dialog import UsersDialog

    return UsersDialog(context, parent)
