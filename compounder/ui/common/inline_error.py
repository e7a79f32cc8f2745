"""A message shown in red beside the fields it concerns, hidden while there is nothing to say:
how a sign-in or reason that cannot be accepted is refused inline, in every signing dialog."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from compounder.calc import Severity
from compounder.ui.common import look


def error_label(parent: QWidget, name: str) -> QLabel:
    """A word-wrapped label in the error colour, hidden until ``say`` gives it text."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, look.hue(Severity.ERROR))
    label.setPalette(palette)
    label.setVisible(False)
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
