"""A message shown in the error colour (``look.ERROR_TEXT``) beside the fields it concerns, hidden while there is nothing to say:
how a sign-in or reason that cannot be accepted is refused inline, in every signing dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from compounder.ui.common import look

if TYPE_CHECKING:  # a hint only: the window's date fields import this module, and QDialog is set up when a dialog opens
    from PySide6.QtWidgets import QDialog


def error_label(parent: QWidget, name: str) -> QLabel:
    """A word-wrapped label in the error colour, hidden until ``say`` gives it text."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, look.ERROR_TEXT)
    label.setPalette(palette)
    label.setVisible(False)
    return label


def message_label() -> QLabel:
    """A word-wrapped, selectable label in the error colour, for a screen's one message line."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {look.ERROR_TEXT.name()}")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def say(label: QLabel, text: str) -> None:
    """Show ``text`` in ``label``; an empty text hides it."""
    label.setText(text)
    label.setVisible(bool(text))


def credential_fields(parent: QWidget) -> tuple[QLineEdit, QLineEdit]:
    """The user name and (hidden) password fields every signing dialog asks a pharmacist for."""
    username = QLineEdit(parent)
    username.setObjectName("username")
    password = QLineEdit(parent)
    password.setObjectName("password")
    password.setEchoMode(QLineEdit.EchoMode.Password)
    return username, password


def fit_to_messages(dialog: QDialog) -> None:
    """Grow a shown dialog to the height its messages need at its width: a dialog does not grow by
    itself when a word-wrapped message appears (a lockout message was cut to its first line)."""
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    needed = layout.totalHeightForWidth(dialog.width())
    if needed > dialog.height():
        dialog.resize(dialog.width(), needed)
