"""The records screens' "Print on…" button: a document printed this once on a printer picked in
the print dialog, where the print buttons beside it print on the pharmacy's printer for the
document at once (issue 26: the dialog still there for a one-off choice)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QPushButton

#: Each kind of document, as a sentence names it (the print dialog's too).
KIND_TITLES = {"label": "label", "worksheet": "worksheet", "lot_label": "lot label"}


def print_on_menu(print_document: Callable[..., object], kinds: tuple[str, ...] = ("worksheet", "label")) -> tuple[QPushButton, dict[str, QAction]]:
    """A "Print on…" button whose menu prints each of ``kinds`` on a printer picked in the print
    dialog, this once (``print_document(kind, choose=True)``); the print buttons beside it print on
    the pharmacy's printer for the kind at once."""
    button = QPushButton("Print on…")  # parented by the layout it joins, so it keeps the reading order's place
    button.setObjectName("printOnButton")
    button.setToolTip("Print on another printer than the pharmacy's for the document, this once")
    menu = QMenu(button)
    actions = {}
    for kind in kinds:
        action = menu.addAction(f"{KIND_TITLES[kind].capitalize()} on another printer…")
        action.setObjectName(f"printOn_{kind}")
        action.triggered.connect(lambda _=False, kind=kind: print_document(kind, choose=True))
        actions[kind] = action
    button.setMenu(menu)
    return button, actions
