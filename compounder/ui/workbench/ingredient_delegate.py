"""Editors for the ingredient table: a search-as-you-type ingredient field, a stock-form
chooser offering the salt forms on file for the chosen moiety, and plain text elsewhere.

Enter commits, Escape cancels, Tab commits and moves on (``QStyledItemDelegate``'s own keys).
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QStringListModel, Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QLineEdit, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from compounder.calc import Catalog
from compounder.ui.common.combo import line_edit_of
from compounder.ui.workbench.ingredient_columns import CHOICES_ROLE, KEY_ROLE

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
        editor = QLineEdit(parent)
        editor.setPlaceholderText(PLACEHOLDERS.get(key, ""))
        editor.setFrame(False)
        if key == "ingredient":
            completer = QCompleter(self._names, editor)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            completer.setMaxVisibleItems(12)
            editor.setCompleter(completer)
        return editor

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
