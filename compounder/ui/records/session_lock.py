"""Sessions at a shared workstation (issue 24): who is signed in is always in the status bar, and
the window locks after the pharmacy's idle time (``idle_lock_minutes``, default 5).

Locking ends the session (nobody is signed in, so nothing can be signed), covers the main window
(``LockPanel``: the menus and toolbar too) and hides every other window of the application — the
history, recall, lots, a batch being made, a patient profile, the prescription — without closing
them: what was typed stays in their fields, and the workbench's formula stays in the window. A
question waiting for an answer (a signature's password, a message box: the application-modal
dialogs) is cancelled instead, so nothing is signed by whoever comes next. While locked, no key,
click or shortcut reaches anything but the panel, and the window does not close.

Signing in at the lock gives the session to whoever signs in. The same user gets their windows
back as they left them. Another user does not: the windows stay hidden and unsaved, "left open by"
their user (the status bar says so), because what a batch dialog saves is signed by whoever is
signed in — a technician's half-made batch must not be saved under a pharmacist who never saw it.
The new user may open one from the status bar (its title then names both); otherwise it comes back
when its user signs in again.

Time is read through ``monotonic`` and checked by ``check`` (every ``CHECK_EVERY_MS`` by a timer),
so a test drives both and never waits.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMenu, QToolButton, QWidget

from compounder.records.errors import RecordsError
from compounder.records.policy import Actor
from compounder.ui.common.records_context import RecordsContext, problem_text
from compounder.ui.common.when_drawn import when_drawn

if TYPE_CHECKING:  # QEvent's class (and its ~180 event types) is set up when the first event is watched, after the window is drawn
    from PySide6.QtCore import QEvent

    from compounder.ui.records.lock_panel import LockPanel

#: How often the idle time is looked at: a lock comes at most this late.
CHECK_EVERY_MS = 15_000


@functools.cache
def _event_kinds() -> tuple[frozenset[QEvent.Type], frozenset[QEvent.Type]]:
    """What counts as someone at the workstation, and what reaches only the lock panel while
    locked (made with the first event watched, not when the module is imported)."""
    from PySide6.QtCore import QEvent

    activity = frozenset({
        QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick, QEvent.Type.Wheel,
        QEvent.Type.MouseMove, QEvent.Type.TouchBegin,
    })
    blocked = activity | {
        QEvent.Type.KeyRelease, QEvent.Type.MouseButtonRelease, QEvent.Type.Shortcut, QEvent.Type.ShortcutOverride,
        QEvent.Type.ContextMenu, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
    }
    return activity, blocked


@dataclass
class LeftOpen:
    """A window hidden by the lock, kept for the user who had it open."""

    widget: QWidget
    owner: Actor | None
    title: str


class SessionLock(QObject):
    """The idle lock of ``window``; see the module. ``idle_minutes()`` is read at each check (an
    administrator's change applies at once); ``monotonic`` is the clock the idle time is counted by."""

    lock_changed = Signal(bool)
    left_open_changed = Signal()

    def __init__(
        self, window: QMainWindow, context: RecordsContext, idle_minutes: Callable[[], int],
        monotonic: Callable[[], float] = time.monotonic, check_every_ms: int = CHECK_EVERY_MS, watch_once_drawn: bool = False,
    ) -> None:
        """``watch_once_drawn``: the application's events are watched once the window is drawn
        (exposed), not from now. Start-up: nobody is signed in and nothing can lock before then,
        and the first event an application-wide Python filter sees makes PySide6 set up every Qt
        class it has not yet (~250, with their enums: about 80 ms) to name the object the event is
        for; that waits until the window is on the screen."""
        super().__init__(window)
        self.window = window
        self._context = context
        self._idle_minutes = idle_minutes
        self._monotonic = monotonic
        self._last_input = monotonic()
        self.is_locked = False
        self.locked_for: Actor | None = None  # who was signed in when it locked
        self.left_open: list[LeftOpen] = []
        self._panel: LockPanel | None = None  # built when the window first locks, not before it is drawn
        self._stopped = False
        self.watching = False  # whether the application's events are watched yet
        if watch_once_drawn:
            when_drawn(window, self._watch, self)  # or 2 s after start-up if it is not drawn (started minimised)
        else:
            self._watch()
        self.timer = QTimer(self)
        self.timer.setInterval(check_every_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        context.signed_in.connect(self._signed_in)

    @property
    def panel(self) -> LockPanel:
        """The lock's face over the window (built on first use: most starts never lock)."""
        if self._panel is None:
            from compounder.ui.records.lock_panel import LockPanel

            self._panel = LockPanel(self.window)
            self._panel.sign_in_requested.connect(self.sign_in)
        return self._panel

    def _watch(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._stopped:
            app.installEventFilter(self)
            self.watching = True

    def stop(self) -> None:
        """No more locking, and nothing blocked (the window closes for good)."""
        self._stopped = True
        self.timer.stop()
        self.watching = False
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # ------------------------------------------------------------------ idle time
    def idle_seconds(self) -> float:
        return self._monotonic() - self._last_input

    def check(self) -> bool:
        """Lock when someone is signed in and no key or click came for the idle time; whether it locked."""
        if self.is_locked or self._context.actor is None:
            return False
        if self.idle_seconds() < self._idle_minutes() * 60:
            return False
        self.lock(idle=True)
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        from PySide6.QtCore import QEvent

        kind = event.type()
        activity, blocked = _event_kinds()
        if not self.is_locked:
            if kind in activity:
                self._last_input = self._monotonic()
            return False
        if kind in blocked:
            # Events reach a widget through its window (a QWindow, let through) and then the
            # widget; a shortcut goes to its action. Only the panel's own widgets take them.
            if isinstance(watched, QWidget):
                return not (watched is self.panel or self.panel.isAncestorOf(watched))
            return kind in (QEvent.Type.Shortcut, QEvent.Type.ShortcutOverride)
        if watched is self.window:
            if kind == QEvent.Type.Close:  # not closed while locked: its unsaved work would ask a passer-by
                event.ignore()
                return True
            if kind == QEvent.Type.Resize:
                self.panel.setGeometry(self.window.rect())
        return False

    # ------------------------------------------------------------------ locking
    def lock(self, *, idle: bool = False) -> None:
        """Hide the records and end the session (see the module)."""
        if self.is_locked:
            return
        actor = self._context.actor
        panel = self.panel  # built before the lock blocks events (the filter asks the panel then)
        cancelled = self._hide_windows(actor)
        self.is_locked, self.locked_for = True, actor
        panel.show_locked(actor, self._context.clock(), self._idle_minutes() if idle else None, cancelled)
        if actor is not None:
            self._context.sign_out()
        self.lock_changed.emit(True)
        self.left_open_changed.emit()

    def _hide_windows(self, owner: Actor | None) -> int:
        """Every other visible window hidden and kept for ``owner``; questions waiting for an
        answer cancelled. Returns how many were cancelled."""
        from PySide6.QtWidgets import QDialog  # set up when the window first locks, not at start-up

        cancelled = 0
        windows = [w for w in QApplication.topLevelWidgets() if w is not self.window and w.isVisible()]
        for widget in sorted(windows, key=_depth, reverse=True):  # a dialog's own dialogs first
            if widget.windowType() in (Qt.WindowType.ToolTip, Qt.WindowType.Popup):
                widget.hide()
            elif isinstance(widget, QDialog) and widget.windowModality() == Qt.WindowModality.ApplicationModal:
                widget.reject()
                cancelled += 1
            else:
                widget.hide()
                self.left_open.append(LeftOpen(widget, owner, widget.windowTitle()))
        return cancelled

    def sign_in(self, username: str, password: str) -> bool:
        """Sign in at the lock; a refusal is said on the panel. Whether it signed in."""
        try:
            self._context.sign_in(username, password)
        except RecordsError as error:
            self.panel.refused(problem_text(error))
            return False
        return True

    def _signed_in(self, actor: Actor | None) -> None:
        if actor is None:
            return
        if self.is_locked:
            self.is_locked = False
            self._last_input = self._monotonic()
            self.panel.hide()
            self.lock_changed.emit(False)
        self._forget_closed()
        for entry in sorted(self.left_open, key=lambda e: _depth(e.widget)):
            if entry.owner is None or entry.owner.id == actor.id:
                entry.widget.show()
        self.left_open = [e for e in self.left_open if not (e.owner is None or e.owner.id == actor.id)]
        self.left_open_changed.emit()

    def open_left(self, entry: LeftOpen) -> None:
        """The signed-in user opens a window another user left open: shown, its title naming both."""
        actor = self._context.actor
        if actor is None or self.is_locked or entry not in self.left_open:
            return
        self.left_open.remove(entry)
        if shiboken6.isValid(entry.widget):
            left_by = entry.owner.username if entry.owner is not None else "nobody"
            entry.widget.setWindowTitle(f"{entry.title} — left open by {left_by}; what you save is signed by {actor.username}")
            entry.widget.show()
            entry.widget.raise_()
        self.left_open_changed.emit()

    def _forget_closed(self) -> None:
        """Drop windows deleted, or shown again some other way, since they were hidden."""
        self.left_open = [e for e in self.left_open if shiboken6.isValid(e.widget) and not e.widget.isVisible()]


def _depth(widget: QWidget) -> int:
    depth, parent = 0, widget.parentWidget()
    while parent is not None:
        depth, parent = depth + 1, parent.parentWidget()
    return depth


class SessionStatus(QObject):
    """The status bar's permanent part: who is signed in (or that nobody is, or that the window is
    locked) and, when another user's windows are kept hidden, a button to open them."""

    def __init__(self, window: QMainWindow, context: RecordsContext, lock: SessionLock) -> None:
        super().__init__(window)
        self._context, self._lock = context, lock
        self.label = QLabel()
        self.label.setObjectName("sessionStatus")
        self.left_button = QToolButton()
        self.left_button.setObjectName("leftOpen")
        self.left_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.left_menu = QMenu(self.left_button)
        self.left_button.setMenu(self.left_menu)
        self.left_button.setVisible(False)
        bar = window.statusBar()
        bar.addPermanentWidget(self.left_button)
        bar.addPermanentWidget(self.label)
        context.signed_in.connect(self.update)
        lock.lock_changed.connect(self.update)
        lock.left_open_changed.connect(self.update)
        self.update()

    def update(self, _changed: object = None) -> None:
        actor, lock = self._context.actor, self._lock
        if lock.is_locked:
            was = f": {lock.locked_for.username} was signed in" if lock.locked_for is not None else ""
            self.label.setText(f"Locked{was}")
        elif actor is not None:
            self.label.setText(f"Signed in: {actor.username} ({actor.role.value})")
        else:
            self.label.setText("Nobody signed in")
        self.left_menu.clear()
        entries = [] if lock.is_locked or actor is None else list(lock.left_open)
        for entry in entries:
            left_by = entry.owner.username if entry.owner is not None else "nobody"
            action = QAction(f"Open “{entry.title}” (left open by {left_by}) as {actor.username}…" if actor else entry.title, self.left_menu)
            action.triggered.connect(lambda _=False, entry=entry: lock.open_left(entry))
            self.left_menu.addAction(action)
        owners = sorted({e.owner.username if e.owner is not None else "nobody" for e in entries})
        self.left_button.setText(f"Left open by {', '.join(owners)}: {len(entries)} window{'s' if len(entries) != 1 else ''}")
        self.left_button.setVisible(bool(entries))


def install_session_lock(
    window: QMainWindow, context: RecordsContext, idle_minutes: Callable[[], int], monotonic: Callable[[], float] = time.monotonic,
    watch_once_drawn: bool = False,
) -> tuple[SessionLock, SessionStatus]:
    """The idle lock and the status bar's session part on ``window``, with Records ▸ Lock now
    (``watch_once_drawn``: see ``SessionLock``)."""
    lock = SessionLock(window, context, idle_minutes, monotonic, watch_once_drawn=watch_once_drawn)
    status = SessionStatus(window, context, lock)
    lock_now = QAction("Loc&k the window now", window)
    lock_now.setObjectName("lockNow")
    lock_now.setToolTip("Hide the records and sign out; what is typed is kept until you sign in again")
    lock_now.triggered.connect(lambda _=False: lock.lock())
    window.addAction(lock_now)
    records_menu = next((a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Records"), None)
    if isinstance(records_menu, QMenu):
        records_menu.addSeparator()
        records_menu.addAction(lock_now)
    return lock, status
