"""Enter in a field doing that field's next thing, and nothing else.

A line edit that emits ``returnPressed`` still lets the key go on to its dialog, which presses the
dialog's default button: in the batch dialog a weight typed and Enter pressed would have pressed
Create batch (the default a workbench order leaves). ``on_enter`` handles Enter (and the keypad's)
on the widget and keeps it there.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class _OnEnter(QObject):
    def __init__(self, widget: QWidget, action: Callable[[], None]) -> None:
        super().__init__(widget)
        self._action = action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.key() in _ENTER:
            if not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                self._action()
                return True
        return False


def on_enter(widget: QWidget, action: Callable[[], None]) -> None:
    """Enter on ``widget`` (no modifier but the keypad's) runs ``action`` and goes no further."""
    widget.installEventFilter(_OnEnter(widget, action))
