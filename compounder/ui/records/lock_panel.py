"""What covers the main window while it is locked (``session_lock``): who was signed in and when
it locked, the user name and password to sign in again (the same user, or another one), and why a
sign-in was refused. It covers the menus and the toolbar too; nothing of the window shows through."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from compounder.records.policy import Actor
from compounder.ui.common.inline_error import message_label


class LockPanel(QWidget):
    """The locked window's face; ``sign_in_requested(user name, password)`` when Sign in is pressed."""

    sign_in_requested = Signal(str, str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._covered = parent
        self.setObjectName("lockPanel")
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Mid))
        self.setPalette(palette)
        self.card = card = QFrame(self)
        card.setObjectName("lockCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setAutoFillBackground(True)
        card_palette = card.palette()
        card_palette.setColor(QPalette.ColorRole.Window, parent.palette().color(QPalette.ColorRole.Window))
        card.setPalette(card_palette)
        card.setFixedWidth(560)  # a fixed width: the wrapped sentences then get the height they need
        self.title = QLabel("<h2>Compounder is locked</h2>")
        self.who = QLabel()
        self.who.setObjectName("lockWho")
        self.who.setWordWrap(True)
        self.username = QLineEdit()
        self.username.setObjectName("lockUsername")
        self.password = QLineEdit()
        self.password.setObjectName("lockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = message_label()
        self.sign_in_button = QPushButton("&Sign in")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self._requested)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self._requested)
        self.another = QLabel(
            "Another user may sign in here. The windows left open stay hidden and unsaved until their user signs "
            "in again, or until the new user opens them from the status bar (what they then save is signed by them)."
        )
        self.another.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&User name", self.username)
        form.addRow("&Password", self.password)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(24, 18, 24, 18)
        for widget in (self.title, self.who):
            inner.addWidget(widget)
        inner.addLayout(form)
        inner.addWidget(self.message)
        inner.addWidget(self.sign_in_button, 0, Qt.AlignmentFlag.AlignRight)
        inner.addWidget(self.another)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.hide()

    def show_locked(self, actor: Actor | None, at: dt.datetime, idle_minutes: int | None, cancelled: int) -> None:
        """Cover the window: who was signed in, since when it is locked and why."""
        why = f"after {idle_minutes} minute{'s' if idle_minutes != 1 else ''} without use" if idle_minutes else "on request"
        who = f"{actor.username} ({actor.role.value}) was signed in. " if actor is not None else ""
        kept = "The records are hidden; what was typed is kept."
        if cancelled:
            kept += f" {cancelled} question{'s' if cancelled != 1 else ''} waiting for an answer (a signature, a confirmation) {'were' if cancelled != 1 else 'was'} cancelled: nothing was signed."
        self.who.setText(f"{who}Locked at {at.astimezone().strftime('%H:%M')} {why}. {kept}")
        self.username.setText(actor.username if actor is not None else "")
        self.password.clear()
        self.message.setText("")
        self._fit_card()
        self.setGeometry(self._covered.rect())
        self.show()
        self.raise_()
        (self.password if actor is not None else self.username).setFocus()

    def _fit_card(self) -> None:
        """The card as tall as its wrapped sentences need at its width (a centred widget is
        otherwise given its size hint, worked out for another width)."""
        layout = self.card.layout()
        if layout is not None:
            layout.activate()
            self.card.setFixedHeight(layout.totalHeightForWidth(self.card.width()))

    def refused(self, text: str) -> None:
        """A sign-in refused: said here, the password cleared for another try."""
        self.message.setText(text)
        self._fit_card()
        self.password.clear()
        self.password.setFocus()

    def _requested(self) -> None:
        self.sign_in_requested.emit(self.username.text(), self.password.text())
