"""Editors for the ingredient table: a search-as-you-type ingredient field, a stock-form
chooser offering the salt forms on file for the chosen moiety, and plain text elsewhere.

Enter commits, Escape cancels, Tab commits and moves on (``QStyledItemDelegate``'s own keys).
With the ingredient's completion list open, one Enter takes the completion highlighted (none
highlighted: the name as typed, never the list's first guess) and commits the cell: it took two.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QStringListModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QComboBox, QCompleter, QLineEdit, QStyledItemDelegate, QWidget

from compounder.calc import Catalog
from compounder.ui.common.combo import line_edit_of
from compounder.ui.workbench.ingredient_columns import CHOICES_ROLE, KEY_ROLE

if TYPE_CHECKING:  # hints only: these classes are set up when a cell is first edited, not before the window is drawn
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QStyleOptionViewItem

PLACEHOLDERS = {
    "ingredient": "type to search, e.g. lidocaine",
    "strength": "5 %, 50 mg/g, 2 g",
    "potency": "99.5 %",
    "lot": "lot number",
    "expires": "YYYY-MM-DD",
}


def ingredient_names(catalog: Catalog) -> list[str]:
    """Every name an ingredient can be typed as: the names on file and their aliases."""
    names = {name for form in catalog.forms for name in (form.name, *form.aliases)}
    return sorted(names, key=str.casefold)


class IngredientEdit(QLineEdit):
    """The ingredient cell's editor. ``chosen`` is emitted when Enter was pressed in its open
    completion list, once the list has put its choice in the field (the completer hands the key
    to the field first, then completes: the signal waits for the event loop's next turn)."""

    chosen = Signal()
    taken = False  # Enter was pressed in the list: the cell is being committed, a second Enter does nothing

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        completer = self.completer()
        popup = completer.popup() if completer is not None else None
        listed = popup is not None and popup.isVisible()
        super().keyPressEvent(event)
        if listed and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.taken = True
            QTimer.singleShot(0, self, self.chosen.emit)


class IngredientDelegate(QStyledItemDelegate):
    def __init__(self, catalog: Catalog, parent=None) -> None:
        super().__init__(parent)
        self._names = QStringListModel(ingredient_names(catalog), self)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QWidget:
        key = index.data(KEY_ROLE)
        if key == "stock":
            combo = QComboBox(parent)
            combo.setEditable(True)
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            combo.addItems(index.data(CHOICES_ROLE) or [])
            line_edit_of(combo).setPlaceholderText("same as written")
            combo.setToolTip("Salt and hydrate forms on file for this ingredient; empty weighs the form written")
            return combo
        editor = IngredientEdit(parent) if key == "ingredient" else QLineEdit(parent)
        editor.setPlaceholderText(PLACEHOLDERS.get(key, ""))
        editor.setFrame(False)
        if isinstance(editor, IngredientEdit):
            completer = QCompleter(self._names, editor)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            completer.setMaxVisibleItems(12)
            editor.setCompleter(completer)
            editor.chosen.connect(lambda: self._commit_and_close(editor))
        return editor

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """A second Enter while the name taken from the list is committed is not a second commit."""
        from PySide6.QtCore import QEvent
        from PySide6.QtGui import QKeyEvent

        if (isinstance(watched, IngredientEdit) and watched.taken and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            return True
        return super().eventFilter(watched, event)

    def _commit_and_close(self, editor: QWidget) -> None:
        """What Enter does in the editor (``QAbstractItemDelegate``'s own: commit, then close)."""
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.SubmitModelCache)

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        text = index.data(Qt.ItemDataRole.EditRole) or ""
        if isinstance(editor, QComboBox):
            editor.setEditText(text)
        elif isinstance(editor, QLineEdit):
            editor.setText(text)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: QModelIndex | QPersistentModelIndex) -> None:
        text = editor.currentText() if isinstance(editor, QComboBox) else editor.text() if isinstance(editor, QLineEdit) else ""
        if text != (index.data(Qt.ItemDataRole.EditRole) or ""):
            model.setData(index, text, Qt.ItemDataRole.EditRole)
