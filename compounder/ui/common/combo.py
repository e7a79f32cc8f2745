"""The line edit of an editable combo box, typed as always there (Qt returns None only for a
combo box that is not editable)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit


def line_edit_of(combo: QComboBox) -> QLineEdit:
    """``combo.lineEdit()`` of a combo box made editable (``setEditable(True)``)."""
    edit = combo.lineEdit()
    if edit is None:
        raise ValueError(f"the combo box {combo.objectName() or combo!r} is not editable")
    return edit
