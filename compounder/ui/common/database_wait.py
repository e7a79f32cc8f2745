"""What the window shows while a save waits for the database (``records.write_queue``): after a
moment, a window-modal note says who is writing and for how long, the window keeps painting, and
"Stop waiting" gives up the save — the edit stays in the window, unsaved, to be saved later."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from compounder.records.write_queue import Waiting

if TYPE_CHECKING:  # the note's class is set up when a save first waits, not at start-up
    from PySide6.QtWidgets import QProgressDialog

#: A wait shorter than this shows nothing (another workstation's save takes a few milliseconds).
SHOW_AFTER_S = 0.5


class DatabaseWait:
    """The ``waiting`` callback of the window's engine. ``parent`` is set once the window exists."""

    def __init__(self, parent: QWidget | None = None, show_after: float = SHOW_AFTER_S) -> None:
        self.parent = parent
        self.show_after = show_after
        self.dialog: QProgressDialog | None = None

    def __call__(self, waiting: Waiting) -> bool:
        if waiting.over:
            self._close()
            return True
        if waiting.seconds < self.show_after or QApplication.instance() is None:
            return True
        if self.dialog is None:
            from PySide6.QtWidgets import QProgressDialog

            self.dialog = QProgressDialog(self.parent)
            self.dialog.setWindowTitle("Waiting for the database")
            self.dialog.setCancelButtonText("Stop waiting")
            self.dialog.setRange(0, 0)  # no end known: a busy bar
            self.dialog.setMinimumDuration(0)
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setAutoClose(False)
            self.dialog.setAutoReset(False)
            self.dialog.show()
        self.dialog.setLabelText(
            f"Waiting {waiting.seconds:.0f} s for the database, in use by {waiting.holder}.\n"
            "Stop waiting to keep your changes in the window, unsaved, and save later.")
        QApplication.processEvents()
        return not self.dialog.wasCanceled()

    def _close(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
