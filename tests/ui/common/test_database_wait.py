"""A save that waits for the database (another workstation writing) shows what it waits for, keeps
the window painting, and can be stopped without losing the edit (issue 21, observation 3)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog
from sqlalchemy.orm import sessionmaker

from compounder.records.database import open_database, session_factory
from compounder.records.library import FormulaLibrary
from compounder.records.write_queue import SUPPORTED
from compounder.ui.common.database_wait import DatabaseWait
from compounder.ui.common.window_settings import Settings
from compounder.ui.workbench.main_window import MainWindow
from tests.conftest import TODAY
from tests.ui.conftest import add_ingredient


@pytest.mark.skipif(not SUPPORTED, reason="the write queue needs open-file-description locks (Linux)")
def test_a_save_waiting_for_another_writer_shows_whom_and_stopping_keeps_the_edit(qtbot, catalog, library, settings_dir, prompts, tmp_path):
    url = library._sessions.kw["bind"].url.render_as_string()
    wait = DatabaseWait(show_after=0)
    engine = open_database(url, waiting=wait)
    other = open_database(url)
    try:
        window = MainWindow(catalog, FormulaLibrary(session_factory(engine)), Settings(settings_dir), TODAY, prompts)
        wait.parent = window
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        add_ingredient(window, "ketoprofen", "10 %")
        prompts.names = ["Ketoprofen cream (house)"]  # a name stating strengths would have to state lidocaine's once it is added
        assert window.save_to_library()

        add_ingredient(window, "lidocaine", "5 %")
        seen: list[str] = []

        def stop_waiting() -> None:  # runs while the save waits: the event loop is alive
            dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]
            if not dialogs:
                QTimer.singleShot(10, stop_waiting)
                return
            seen.append(dialogs[0].labelText())
            dialogs[0].cancel()

        with sessionmaker(other).begin() as holding:  # another workstation is writing
            holding.connection()
            QTimer.singleShot(0, stop_waiting)
            assert not window.save()

        assert seen and "s for the database, in use by " in seen[0] and "(process " in seen[0] and " since " in seen[0]
        assert prompts.unexpected_errors == []
        title, message = prompts.errors[-1]
        assert title == "Cannot save to the library"
        assert message.startswith("stopped waiting for the database pharmacy.sqlite (writing: ")
        assert "nothing was saved" in message and "The formula stays in the window, unsaved" in message
        assert window.isWindowModified() and window.document.cell(1, "ingredient") == "lidocaine"  # the edit is kept
        assert wait.dialog is None  # the note closed

        assert window.save()  # the other writer is done: saved now
        assert not window.isWindowModified()
    finally:
        engine.dispose()
        other.dispose()
