"""What every quality log's screen shares (issue 25): what needs attention in red, the log as
a table (the same ``LogTable`` its printed report prints), a form to add an entry under it, and
"Print report…" writing the PDF. Each screen (``compounder.ui.records.*_log_dialog``) gives its
form and what saving it does; the records decide.

An entry is signed by the person signed in, who types their password to sign it
(``ask_signature``: the one place a signing dialog plugs in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from compounder.records.policy import Actor, RecordError
from compounder.ui.common import look
from compounder.ui.common.file_folders import away_from_database
from compounder.ui.common.inline_error import message_label
from compounder.ui.common.records_context import Failed, RecordsContext
from compounder.ui.common.table_model import RowsModel, rows_table

#: Cells that mark their row in the error colour: a failed check, a report due, a review overdue, a lapsed competency.
FLAGS = frozenset({"FAIL", "DUE", "overdue", "lapsed"})

Sign = Callable[[QWidget, RecordsContext, str], Actor | None]
AskPath = Callable[[QWidget, Path], Path | None]


def ask_signature(parent: QWidget, context: RecordsContext, meaning: str) -> Actor | None:
    """The one signing dialog (``signing_dialog``): whoever signs the entry gives their user name
    (whoever is signed in, filled in) and password now, for ``meaning``; their account as the
    records hold it, or None when cancelled. A refusal is said in the dialog, which stays open; a
    wrong password is counted as at sign-in."""
    from compounder.records.signing import signer
    from compounder.ui.common.signing_dialog import sign, stored

    return sign(parent, context, "quality log entry", meaning, stored(context, lambda session, signature: signer(session, signature.credentials)))


def ask_pdf_path(parent: QWidget, suggested: Path) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, "Save the report", str(suggested), "PDF files (*.pdf)")
    return Path(name) if name else None


def parse_day(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise RecordError(f"{field}: {text.strip()!r}; give a date YYYY-MM-DD") from None


class LogScreen(QDialog):
    """A log: ``kind`` names it for ``quality_reports.log_table``; ``form`` holds the entry's
    fields; ``save(session, signer, now)`` writes the entry (a records function)."""

    def __init__(
        self, context: RecordsContext, kind: str, title: str, parent: QWidget | None = None, *, sign: Sign = ask_signature,
        ask_path: AskPath = ask_pdf_path, pharmacy_name: str = "", paper: str = "letter",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(1150, 780)
        self._context, self._kind, self._sign, self._ask_path = context, kind, sign, ask_path
        self._pharmacy_name, self._paper = pharmacy_name, paper
        self.table: Any = None
        found = self._read()
        self.notices = QLabel()
        self.notices.setWordWrap(True)
        self.notices.setStyleSheet(f"color: {look.ERROR_TEXT.name()}; font-weight: bold")
        self.model = RowsModel(found.headers if not isinstance(found, Failed) else (), self)
        self.view = rows_table(self.model)
        self.form = QFormLayout()
        self.message = message_label()
        self._error_style = self.message.styleSheet()
        self.add_button = QPushButton("&Sign and add")
        self.add_button.clicked.connect(self.add)
        self.print_button = QPushButton("&Print report…")
        self.print_button.clicked.connect(self.print_report)
        box = QGroupBox("New entry")
        inner = QVBoxLayout(box)
        inner.addLayout(self.form)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        inner.addLayout(buttons)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        close.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notices)
        layout.addWidget(self.view, 1)
        layout.addWidget(box)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self._show(found)

    # -- what a screen gives
    def meaning(self) -> str:
        return f"I record this {self._kind} entry as true"

    def save(self, session, signer: Actor, now: dt.datetime) -> str:
        """Write the entry; return what to say. Refusals are ``RecordError``."""
        raise NotImplementedError

    def clear_form(self) -> None:
        for index in range(self.form.rowCount()):
            item = self.form.itemAt(index, QFormLayout.ItemRole.FieldRole)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLineEdit):
                widget.clear()

    # -- shared
    def _read(self) -> Any:
        from compounder.records.quality_reports import log_table

        return self._context.run(lambda session: log_table(session, self._kind, self._context.today()), write=False)

    def refresh(self) -> None:
        self._show(self._read())

    def _show(self, found: Any) -> None:
        if isinstance(found, Failed):
            self._say(found.text, error=True)
            return
        self.table = found
        self.notices.setText("\n".join(found.notices))
        self.notices.setVisible(bool(found.notices))
        self.model.set_rows([tuple(c.replace("\n", ", ") for c in row) for row in found.rows],
                            hues=[look.ERROR_TEXT if set(row) & FLAGS else None for row in found.rows])
        self.view.resizeColumnsToContents()
        self.view.scrollToBottom()  # the newest entries are last

    def add(self) -> None:
        if self._context.actor is None:
            self._say("Sign in first (Records ▸ Sign in…)", error=True)
            return
        signer = self._sign(self, self._context, self.meaning())
        if signer is None:
            self._say("Not signed: nothing was added", error=True)
            return
        said = self._context.run(lambda session: self.save(session, signer, self._context.now(session)))
        if isinstance(said, Failed):
            self._say(said.text + " — nothing was added", error=True)  # the fields keep what was typed
            return
        self.clear_form()
        self.refresh()
        self._say(said)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(self._error_style if error else "")

    def print_report(self) -> None:
        from compounder.documents.common import UnprintableText
        from compounder.documents.quality_log import quality_log_pdf

        if self.table is None:
            return
        suggested = away_from_database(Path.home() / f"{self._kind}-log-{self._context.today().isoformat()}.pdf", self._context.database_folder)
        path = self._ask_path(self, suggested)
        if path is None:
            return
        try:
            pdf = quality_log_pdf(self.table, self._pharmacy_name or "Pharmacy", dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
                                  paper=self._paper)
            path.write_bytes(pdf)
        except UnprintableText as error:
            self._say(f"{error.field}: {error.message}", error=True)
            return
        except OSError as error:
            self._say(f"could not write {path}: {error.strerror or error}", error=True)
            return
        self._say(f"Report written to {path}")
