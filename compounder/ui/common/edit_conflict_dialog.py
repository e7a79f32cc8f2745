"""The question asked when a save meets a newer version saved by another workstation
(``records.edit_versions.EditConflict``): reload the newest, or apply my change on it."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget


class ConflictChoice(enum.Enum):
    RELOAD = "reload"  # show the newest version; this window's change is dropped
    REAPPLY = "reapply"  # this window's change applied on the newest, shown for review, not yet saved
    CANCEL = "cancel"  # keep the window as it is, unsaved


def ask_edit_conflict(parent: QWidget | None, title: str, text: str) -> ConflictChoice:
    # Set up when the question is first asked: the window imports ConflictChoice at start-up.
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    box.setInformativeText("Reload shows the newest version (your change is dropped). Apply shows your change on the newest, to review and save.")
    reload_ = box.addButton("Reload the newest", QMessageBox.ButtonRole.DestructiveRole)
    reapply = box.addButton("Apply my change on the newest", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(reapply)
    box.exec()
    clicked = box.clickedButton()
    if clicked is reload_:
        return ConflictChoice.RELOAD
    if clicked is reapply:
        return ConflictChoice.REAPPLY
    return ConflictChoice.CANCEL
