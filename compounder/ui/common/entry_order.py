"""Where the keys go when a dialog opens: its first field, every time it is shown, and Tab from
field to field in the order they are read (top to bottom, left to right).

A dialog shown again remembers the widget that last had focus: the prescription dialog reopened
on its last field, so a date of birth typed went into the batch number and a space pressed
Close. ``reading_order`` puts the first field back in front of the keys on every show.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class _FirstOnShow(QObject):
    """Gives the first field the focus each time the dialog is shown."""

    def __init__(self, dialog: QWidget, first: QWidget) -> None:
        super().__init__(dialog)
        self._first = first

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Show and self._first.isEnabled():
            self._first.setFocus()
        return False


def reading_order(dialog: QWidget, first: QWidget, *rest: QWidget) -> None:
    """Tab goes ``first`` → each of ``rest`` in turn; ``first`` has the focus whenever ``dialog``
    is shown (the widgets after the last keep Qt's order)."""
    chain = (first, *rest)
    for before, after in zip(chain, chain[1:], strict=False):
        QWidget.setTabOrder(before, after)
    dialog.installEventFilter(_FirstOnShow(dialog, first))
