"""The line a records screen shows where it hides patients' names, dates of birth and Rx numbers
(``compounder.records.privacy``): plain text, not the error colour — nothing went wrong."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def privacy_label() -> QLabel:
    """A word-wrapped label, hidden until ``show_why`` gives it a sentence."""
    label = QLabel()
    label.setObjectName("privacyNote")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def show_why(label: QLabel, why: str) -> None:
    """Say why patient details are hidden; an empty ``why`` (they are shown) hides the line."""
    label.setText(why)
    label.setVisible(bool(why))
