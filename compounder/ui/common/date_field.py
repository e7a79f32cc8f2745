"""The one date entry of the window: a line of text taken as YYYY-MM-DD exactly as typed, or
refused with a message that names the field and the format — never rewritten.

A date-edit with sections (QDateEdit) rewrote what was typed into it: select-all then
``2026-12-20`` stored 2027-12-20, and Tab-in then the same keys stored 2026-12-12; an expiry sets
the beyond-use date. This field holds the characters typed; what a valid date is, is
``calc.typed_date`` (no rule lives here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from compounder.calc import Severity
from compounder.calc.errors import InputError
from compounder.calc.typed_date import typed_date
from compounder.ui.common import look
from compounder.ui.common.inline_error import say


class DateField(QLineEdit):
    """A date typed as YYYY-MM-DD. When the pharmacist leaves the field (Tab, Enter, a click
    elsewhere) with a changed text, it is checked: a date is sent with ``committed`` (``None`` for
    an optional field left empty); anything else stays as typed, tinted, with the refusal under it
    (``message``) and sent with ``refused`` — the record keeps its previous date.

    ``field`` is the name the message gives (``expiry date``); ``kind`` the range of dates it
    takes (``calc.field_limits.DATE_RANGES``); ``not_before`` gives the earliest date accepted
    (today, for a compounding date). ``message`` is a label the screen already shows under the
    field, or ``None`` for one made here, shown once the screen places it in a layout."""

    committed = Signal(object)  # dt.date, or None for an optional field left empty
    refused = Signal(str)  # the refusal shown, "" when it is cleared

    def __init__(
        self, field: str, parent: QWidget | None = None, *, kind: str | None = None, required: bool = False,
        example: str = "2027-06-30", not_before: Callable[[], dt.date] | None = None, message: QLabel | None = None,
    ) -> None:
        super().__init__(parent)
        self.field = field
        self._kind = kind
        self._required = required
        self._example = example
        self._not_before = not_before
        self.setPlaceholderText(f"YYYY-MM-DD, e.g. {example}" + ("" if required else " (optional)"))
        self.setMaxLength(40)  # ten characters are a date; a paste of more is shown and refused, not cut
        if message is None:  # made without a parent: shown only once the screen places it in a layout
            message = QLabel()
            message.setWordWrap(True)
            palette = message.palette()
            palette.setColor(QPalette.ColorRole.WindowText, look.ERROR_TEXT)
            message.setPalette(palette)
            message.setVisible(False)
        self.message = message
        self._shown = ""  # the text last shown from the record (``show_text``)
        self._refusal = ""
        self.editingFinished.connect(self._finished)

    @property
    def refusal(self) -> str:
        """The refusal shown for the text typed ("" when there is none)."""
        return self._refusal

    def date(self) -> dt.date | None:
        """The date typed, checked now; a refusal is shown and raised as ``InputError``."""
        try:
            day = typed_date(
                self.text(), self.field, kind=self._kind, required=self._required, example=self._example,
                not_before=self._not_before() if self._not_before is not None else None,
            )
        except InputError as error:
            self._refuse(f"{error.field}: {error.message}")
            raise
        self._clear()
        return day

    def show_text(self, text: str) -> None:
        """Show the record's date. A refused text the pharmacist typed stays (with its message)
        while the record's date is the one it was typed over; a new record's date replaces it."""
        if self._refusal and text == self._shown:
            return
        self._shown = text
        if self.text() != text:
            self.setText(text)
        self._clear()

    def clear_entry(self) -> None:
        """Empty the field and its message (after the record took what was typed)."""
        self._shown = ""
        self.clear()
        self._clear()

    def _finished(self) -> None:
        if self.text() == self._shown and not self._refusal:
            return  # passed through without a change: nothing to take (a file's own date is not re-checked)
        try:
            day = self.date()
        except InputError:
            return
        self._shown = self.text()
        self.committed.emit(day)

    def _refuse(self, text: str) -> None:
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, look.tint(Severity.ERROR, palette, strength=0.35))
        self.setPalette(palette)
        self.setToolTip(text)
        self._say(text)
        changed = text != self._refusal
        self._refusal = text
        if changed:
            self.refused.emit(text)

    def _clear(self) -> None:
        if not self._refusal:
            return
        self._refusal = ""
        self.setPalette(QPalette())
        self.setToolTip("")
        self._say("")
        self.refused.emit("")

    def _say(self, text: str) -> None:
        if self.message.parentWidget() is None:  # not placed: the screen says it its own way (the workbench's banner)
            self.message.setText(text)
        else:
            say(self.message, text)
