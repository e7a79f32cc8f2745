"""Start-up work that waits until the window is on the screen (issue #27).

A window is drawn once its platform window is exposed: Qt paints a widget window while it handles
the expose event. Work queued with a zero timer runs before that (the expose event comes a few
rounds of the event loop after ``show``), so what the first frame does not need — the first-run
welcome, the idle lock's application-wide event filter (the first event it sees makes PySide6 set
up every Qt class not set up yet, ~250 with their enums) — waits for this instead.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

#: How often the window is looked at until it is drawn.
DRAWN_POLL_MS = 20
#: How late ``then`` runs at the latest if the window is not drawn (started minimised, say).
AT_LATEST_MS = 2_000


def when_drawn(widget: QWidget, then: Callable[[], object], context: QObject | None = None) -> None:
    """Call ``then`` from the event loop once the window ``widget`` is in is drawn, or after
    ``AT_LATEST_MS`` if it is not by then; never from inside this call. Nothing is called once
    ``context`` (default: the widget) is destroyed."""
    owner = context if context is not None else widget
    QTimer.singleShot(0, owner, lambda: _look(widget, then, owner, AT_LATEST_MS // DRAWN_POLL_MS))


def _look(widget: QWidget, then: Callable[[], object], owner: QObject, polls_left: int) -> None:
    handle = widget.window().windowHandle()  # the window it is in by now (made before it was placed in one)
    if polls_left > 0 and not (handle is not None and handle.isExposed()):
        QTimer.singleShot(DRAWN_POLL_MS, owner, lambda: _look(widget, then, owner, polls_left - 1))
        return
    then()
