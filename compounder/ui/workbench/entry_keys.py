"""Enter does the obvious next thing while a formula is composed (issue 28, the keys road).

- In the ingredient table, Enter on a strength just typed in the last ingredient row moves the
  cursor to the empty "+" row's ingredient: the next thing typed is the next ingredient (it took
  Down and Home). A strength refused stays under the cursor, to be corrected.
- Enter on the empty "+" row (not editing: nothing typed) ends the ingredients: the keys go to the
  Base field. Nothing is added; a row is only made from something typed.
- In the header and directions, Enter commits the field and moves to the next one a formula is
  composed with: Name → Base → Batch → Density → Amount → Times a day. Tab keeps the reading order
  (through the batch unit, excess, balance and date, which have their defaults and are typed only
  when the formula needs them).

Key handling only: what is committed goes to the document as before, one undoable edit per field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemDelegate, QAbstractItemView, QApplication, QComboBox, QLineEdit, QTableView, QWidget

from compounder.ui.common.when_drawn import when_drawn
from compounder.ui.workbench.ingredient_columns import ERROR_ROLE, KEYS

if TYPE_CHECKING:  # the event classes are set up with the first key, not before the window is drawn
    from PySide6.QtCore import QEvent

ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class TableEnter(QObject):
    """Enter on the ingredient table: from a strength just typed to the next ingredient, and from
    the empty "+" row to the Base field (``after_ingredients``)."""

    def __init__(self, table: QTableView, new_row: Callable[[], int], after_ingredients: QWidget) -> None:
        super().__init__(table)
        self._table = table
        self._new_row = new_row
        self._after = after_ingredients
        # Watched once the window is drawn (no key comes before it): a Python event filter makes
        # PySide6 set up the event classes of every event it sees, which the window's first paint
        # does not need (tests/ui/test_startup_imports.py).
        self.watching = False
        when_drawn(table, self._watch, self)
        table.itemDelegate().closeEditor.connect(self._editor_closed)

    def _watch(self) -> None:
        self._table.installEventFilter(self)
        self.watching = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        from PySide6.QtCore import QEvent
        from PySide6.QtGui import QKeyEvent

        if (
            watched is self._table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
            and event.key() in ENTER and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
            and self._table.state() != QAbstractItemView.State.EditingState
            and self._table.currentIndex().row() == self._new_row()
        ):
            self._after.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return False

    def _editor_closed(self, _editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        """After the view closed the editor (it is connected first): Enter (``SubmitModelCache``)
        on the last ingredient's strength, taken without an error, goes on to the "+" row."""
        if hint != QAbstractItemDelegate.EndEditHint.SubmitModelCache:
            return
        index = self._table.currentIndex()
        new_row = self._new_row()
        if not index.isValid() or index.column() != KEYS.index("strength") or index.row() != new_row - 1 or index.data(ERROR_ROLE):
            return
        self._table.setCurrentIndex(self._table.model().index(new_row, KEYS.index("ingredient")))


class FieldChain(QObject):
    """Enter in one of ``fields`` (line edits, an editable combo box's line edit) moves the keys
    to the next; the last keeps them (its Enter commits it, as before). The move waits for the
    event loop's next turn, so an open completion list puts its choice in the field first."""

    def __init__(self, parent: QObject, fields: Sequence[tuple[QLineEdit, QWidget | None]]) -> None:
        super().__init__(parent)
        for line, following in fields:
            if following is not None:
                line.returnPressed.connect(lambda line=line, following=following: QTimer.singleShot(0, following, lambda: _enter(line, following)))


def _enter(line: QLineEdit, widget: QWidget) -> None:
    """The keys to ``widget`` from ``line``, its text selected (as Tab does): what is typed
    replaces it. Not when the keys went elsewhere meanwhile (a click, a shortcut)."""
    focus = QApplication.focusWidget()
    if focus is not None and focus is not line and focus is not line.parentWidget():
        return
    _move(widget)
    # A completion list closed by the same Enter can hand the keys back to the field it completed
    # a turn later (seen offscreen, under load): they are moved on again, before anything is typed.
    QTimer.singleShot(0, widget, lambda: _again(line, widget, 3))


def _move(widget: QWidget) -> None:
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    text = widget.lineEdit() if isinstance(widget, QComboBox) else widget
    if isinstance(text, QLineEdit):
        text.selectAll()


def _again(line: QLineEdit, widget: QWidget, turns: int) -> None:
    focus = QApplication.focusWidget()
    if focus is not None and (focus is line or focus is line.parentWidget()):
        _move(widget)
    elif turns > 1 and focus is widget:
        QTimer.singleShot(0, widget, lambda: _again(line, widget, turns - 1))
