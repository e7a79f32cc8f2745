"""Issue 24, sessions: who is signed in is always in the status bar; the window locks after the
pharmacy's idle time, hiding the records (and their patients) while keeping what was typed; the
same user gets their windows back, another user does not get them without opening them on
purpose. The idle time is counted by a clock the test moves (``Ticks``): nothing waits for real
time. On SQLite and PostgreSQL (the records' ``sessions`` fixture), driving the real window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog

from compounder.records.library import FormulaLibrary
from compounder.settings import settings_from_data
from compounder.ui.common.records_context import RecordsContext
from compounder.ui.common.when_drawn import AT_LATEST_MS, DRAWN_POLL_MS
from compounder.ui.records.batch_dialog import BatchDialog
from compounder.ui.records.history_dialog import HistoryDialog
from compounder.ui.records.records_window import install_records_menu
from compounder.ui.records.session_lock import install_session_lock
from tests.records.conftest import backend, engine, pharmacy, sessions  # noqa: F401 - the records' fixtures, both databases
from tests.records.helpers import PASSWORD, new_batch
from tests.ui.conftest import SETTINGS


class Ticks:
    """A monotonic clock in seconds that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def station(qtbot, window, sessions, clock, catalog, pharmacy):  # noqa: F811
    """The main window with the records menu and the session lock (5 minutes), one batch for
    Jane Q. Doe in the records, and tess (a technician) signed in."""
    # A window an earlier test in this process left visible is not this station's: the lock hides
    # (and counts) every visible window of the application, so it is hidden first.
    for stray in QApplication.topLevelWidgets():
        if stray is not window and stray.isVisible():
            stray.hide()
    context = RecordsContext(sessions, clock, window)
    library = FormulaLibrary(sessions, clock)
    new_batch(sessions, clock, pharmacy, rx="RX-2024")

    def make_batch():
        return BatchDialog(context, library, catalog, window, pharmacy=lambda: settings_from_data(SETTINGS))

    def make_history():
        return HistoryDialog(context, window, make_batch=make_batch, print_document=lambda kind, number: "", edit_profile=lambda patient_id: QDialog())

    actions = install_records_menu(window, context, make_batch)
    ticks = Ticks()
    lock, status = install_session_lock(window, context, lambda: 5, monotonic=ticks)
    context.sign_in("tess", PASSWORD)
    yield window, context, lock, status, ticks, make_batch, make_history, actions
    lock.stop()  # the window closes at the end of the test, locked or not
    for widget in QApplication.topLevelWidgets():  # no window of this test is left for the next one's lock to hide
        if widget is not window:
            widget.close()


def test_the_status_bar_says_who_is_signed_in(station):
    window, context, lock, status, _ticks, *_ = station
    assert status.label.text() == "Signed in: tess (technician)"
    assert status.label in window.statusBar().findChildren(type(status.label))
    context.sign_out()
    assert status.label.text() == "Nobody signed in"
    context.sign_in("paula", PASSWORD)
    assert status.label.text() == "Signed in: paula (pharmacist)"
    lock.lock()
    assert status.label.text() == "Locked: paula was signed in"


def test_idle_for_the_pharmacys_time_locks_hides_the_records_and_keeps_what_was_typed(qtbot, station):
    window, context, lock, status, ticks, make_batch, make_history, _actions = station
    window.document.set_header("name", "Our lidocaine cream")  # the workbench's formula, typed and not saved
    batch = make_batch()
    batch.open()
    batch.patient.setText("John Roe")
    batch.born.setText("1950-01-02")
    batch.rx.setText("RX-7")
    history = make_history()
    history.open()
    history.rx.setText("RX-2024")
    history.search()
    assert history.model.row(0)[3:6] == ("Jane Q. Doe", "1948-03-02", "RX-2024")

    ticks.advance(4 * 60 + 59)  # 4 min 59 s: not yet
    assert not lock.check() and batch.isVisible()
    QApplication.sendEvent(window.table, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Shift, Qt.KeyboardModifier.NoModifier))
    ticks.advance(4 * 60)  # a key 4 minutes ago: the idle time starts again from it
    assert not lock.check()
    ticks.advance(60)  # 5 minutes since the key
    assert lock.check()

    assert lock.is_locked and context.actor is None
    assert not batch.isVisible() and not history.isVisible()
    assert lock.panel.isVisible() and lock.panel.geometry() == window.rect()
    assert "tess (technician) was signed in" in lock.panel.who.text() and "after 5 minutes without use" in lock.panel.who.text()
    assert lock.panel.username.text() == "tess" and lock.panel.password.text() == ""
    # The hidden history was read again for nobody: a search by Rx is not answered for nobody,
    # so no row (and no patient) is in it even behind the lock; the search typed is kept.
    assert history.model.rowCount() == 0 and history.rx.text() == "RX-2024"
    # Nothing but the panel takes keys, clicks or shortcuts; the window does not close.
    assert lock.eventFilter(window.table, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a"))
    assert lock.eventFilter(window.make_batch_action, QEvent(QEvent.Type.Shortcut))
    assert not lock.eventFilter(lock.panel.password, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a"))
    assert not window.close() and window.isVisible()

    lock.panel.password.setText("wrong")
    lock.panel.sign_in_button.click()
    assert lock.is_locked and lock.panel.message.text() == "wrong user name or password" and lock.panel.password.text() == ""
    qtbot.keyClicks(lock.panel.password, PASSWORD)  # typed into the panel: it takes keys
    assert lock.panel.password.text() == PASSWORD, lock.panel.password.text()
    lock.panel.sign_in_button.click()

    assert not lock.is_locked, (lock.panel.message.text(), lock.panel.password.text())
    assert not lock.panel.isVisible() and context.actor.username == "tess"
    assert status.label.text() == "Signed in: tess (technician)"
    assert batch.isVisible() and history.isVisible()
    assert (batch.patient.text(), batch.born.text(), batch.rx.text()) == ("John Roe", "1950-01-02", "RX-7")
    assert history.rx.text() == "RX-2024" and history.model.row(0)[3:6] == ("Jane Q. Doe", "1948-03-02", "RX-2024")
    assert window.document.header("name") == "Our lidocaine cream"


def test_another_user_signing_in_at_the_lock_does_not_get_the_open_batch(qtbot, station):
    """A technician's half-made batch is not saved under the pharmacist who signs in next without
    their opening it on purpose: it stays hidden, said in the status bar, until tess is back or
    paula opens it (its title then names them both)."""
    window, context, lock, status, _ticks, make_batch, _history, _actions = station
    batch = make_batch()
    batch.open()
    batch.patient.setText("John Roe")
    title = batch.windowTitle()
    lock.lock()
    assert lock.sign_in("paula", PASSWORD)
    assert context.actor.username == "paula" and not lock.is_locked
    assert not batch.isVisible()
    assert status.left_button.isVisible() and status.left_button.text() == "Left open by tess: 1 window"
    assert [a.text() for a in status.left_menu.actions()] == [f"Open “{title}” (left open by tess) as paula…"]

    lock.lock()  # paula leaves; tess comes back and finds her batch as she left it
    assert lock.sign_in("tess", PASSWORD)
    assert batch.isVisible() and batch.patient.text() == "John Roe" and batch.windowTitle() == title
    assert not status.left_button.isVisible()

    lock.lock()
    assert lock.sign_in("paula", PASSWORD) and not batch.isVisible()
    status.left_menu.actions()[0].trigger()  # paula opens it on purpose
    assert batch.isVisible() and batch.patient.text() == "John Roe"
    assert batch.windowTitle() == f"{title} — left open by tess; what you save is signed by paula"
    assert not status.left_button.isVisible() and lock.left_open == []


def test_a_question_waiting_for_an_answer_is_cancelled_not_kept(qtbot, station):
    """A signing dialog (run in its own loop, application-modal) is cancelled by the lock, so the
    next person to sign in cannot sign in it for someone else."""
    window, _context, lock, _status, _ticks, *_ = station
    question = QDialog(window)
    question.setWindowModality(Qt.WindowModality.ApplicationModal)
    question.show()
    lock.lock()
    assert not question.isVisible() and question.result() == QDialog.DialogCode.Rejected
    assert "1 question waiting for an answer (a signature, a confirmation) was cancelled: nothing was signed" in lock.panel.who.text()
    assert lock.sign_in("tess", PASSWORD) and not question.isVisible()


def test_nobody_signed_in_is_not_locked_and_lock_now_is_in_the_records_menu(station):
    window, context, lock, _status, ticks, *_ = station
    context.sign_out()
    ticks.advance(3600)
    assert not lock.check() and not lock.is_locked
    lock_now = window.findChild(type(window.make_batch_action), "lockNow")
    records_menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Records")
    assert lock_now in records_menu.actions()
    context.sign_in("tess", PASSWORD)
    lock_now.trigger()
    assert lock.is_locked and "on request" in lock.panel.who.text()


def test_the_idle_time_is_the_pharmacys(station):
    """The lock reads the idle time at each check: an administrator's change applies at once."""
    window, context, _lock, _status, _ticks, *_ = station
    ticks = Ticks()
    minutes = [30]
    lock, _status2 = install_session_lock(window, context, lambda: minutes[0], monotonic=ticks)
    ticks.advance(29 * 60)
    assert not lock.check()
    minutes[0] = 10
    assert lock.check()
    lock.stop()


def _key(window) -> None:
    QApplication.sendEvent(window, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a"))


def test_watched_once_the_window_is_drawn_keys_count_from_then(qtbot, station):
    """Start-up (issue #27): the window's own lock watches the application's events once the window
    is drawn (its platform window exposed), so building, showing and drawing the window do not pass
    every event through Python (the first event a Python filter sees sets up every Qt class not set
    up yet, ~80 ms). A key before then is not counted; one after it is. ``stop`` before then: never watched."""
    window, context, _lock, _status, _ticks, *_ = station
    window.hide()
    qtbot.waitUntil(lambda: not window.windowHandle().isExposed())  # as before the window is first shown
    ticks = Ticks()
    lock, _status2 = install_session_lock(window, context, lambda: 5, monotonic=ticks, watch_once_drawn=True)
    stopped, _status3 = install_session_lock(window, context, lambda: 5, monotonic=ticks, watch_once_drawn=True)
    stopped.stop()
    ticks.advance(60)
    _key(window)
    assert lock.idle_seconds() == 60 and not lock.watching  # not yet watching: 1000 + 60 - 1000
    qtbot.wait(3 * DRAWN_POLL_MS)  # looked at a few times, still not drawn (a count of looks, not a time, ends the wait)
    _key(window)
    assert lock.idle_seconds() == 60 and not lock.watching
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: lock.watching)
    _key(window)
    assert lock.idle_seconds() == 0 and stopped.idle_seconds() == 60 and not stopped.watching
    lock.stop()


def test_a_window_never_drawn_is_watched_after_two_seconds(qtbot, station):
    """A window started minimised is never exposed: its lock watches the application's events after
    ``AT_LATEST_MS`` (2 s of looks every 20 ms) all the same, so the idle lock works."""
    window, context, _lock, _status, _ticks, *_ = station
    window.hide()
    qtbot.waitUntil(lambda: not window.windowHandle().isExposed())  # as before the window is first shown
    ticks = Ticks()
    lock, _status2 = install_session_lock(window, context, lambda: 5, monotonic=ticks, watch_once_drawn=True)
    assert AT_LATEST_MS // DRAWN_POLL_MS == 100
    qtbot.waitUntil(lambda: lock.watching, timeout=60_000)  # ≥ 2 s; a busy machine only makes it later
    ticks.advance(60)
    _key(window)
    assert lock.idle_seconds() == 0
    lock.stop()
