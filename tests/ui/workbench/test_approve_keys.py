"""Issue 28, the keys road: approving a master formula is one dialog. Ctrl+Shift+P on a formula
not in the library opens the approval dialog at once (no "save to the library first?", no name
prompt): it shows the name derived from the content and the whole formula as new; its default
button (Enter) saves it to the library and approves it, signed next. Cancel saves nothing, and a
technician's signature drafts but never approves."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from compounder.calc.formula_name import derived_name
from compounder.ui.common.window_settings import Settings
from compounder.ui.workbench.approval_dialog import ApprovalDialog
from compounder.ui.workbench.main_window import MainWindow
from tests.conftest import TODAY
from tests.ui.conftest import add_ingredient


def _window(qtbot, catalog, library, settings_dir) -> MainWindow:
    """The window with its real prompts (the dialogs themselves, driven by keys)."""
    window = MainWindow(catalog, library, Settings(settings_dir), TODAY)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


def _compose(window) -> None:
    window.new_formula()
    add_ingredient(window, "ibuprofen", "10 %")
    window.document.set_header("base", "Lipoderm")
    window.document.set_header("batch", "120 g")


def _when_dialog(answer, seen: list) -> None:
    """``answer(dialog)`` once a modal dialog has the keys (the action's ``exec`` runs its own loop)."""
    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        focus = QApplication.focusWidget()
        if dialog is None or focus is None or focus.window() is not dialog:
            QTimer.singleShot(10, poll)
            return
        seen.append(dialog)
        answer(dialog)

    QTimer.singleShot(0, poll)


def test_ctrl_shift_p_opens_one_approval_dialog_whose_enter_saves_and_approves(qtbot, catalog, library, settings_dir):
    window = _window(qtbot, catalog, library, settings_dir)
    _compose(window)
    expected = derived_name(window.document.master_data())
    seen: list = []
    shown: dict = {}

    def answer(dialog) -> None:
        shown.update(heading=dialog.heading.text() if isinstance(dialog, ApprovalDialog) else dialog.windowTitle(),
                     focus=QApplication.focusWidget(), rows=dialog.rows() if isinstance(dialog, ApprovalDialog) else [])
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # one Enter

    _when_dialog(answer, seen)
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.approved_at is not None)
    (dialog,) = seen  # one dialog: no "save first?", no name prompt
    assert isinstance(dialog, ApprovalDialog)
    assert shown["focus"] is dialog.approve_button and dialog.approve_button.isDefault()
    assert dialog.approve_button.text().startswith("Save to the library and approve version 1")
    assert f"“{expected}”, version 1: never approved before" in shown["heading"]  # the name derived from the content
    assert ("active ibuprofen (added)", "—", "10 %") in shown["rows"]  # the whole formula, shown before approving
    (entry,) = [e for e in library.entries() if e.origin == "pharmacy"]
    assert entry.name == expected and entry.approved_at is not None
    assert library.approved_version(entry.id).data["actives"] == [{"ingredient": "ibuprofen", "strength": "10 %"}]
    assert window.document.header("name") == expected and not window.document.is_modified()


def test_cancel_in_the_approval_dialog_saves_nothing(qtbot, catalog, library, settings_dir):
    window = _window(qtbot, catalog, library, settings_dir)
    _compose(window)
    seen: list = []
    _when_dialog(lambda dialog: QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape), seen)
    assert not window.approve()
    assert [type(dialog) for dialog in seen] == [ApprovalDialog]
    assert [e for e in library.entries() if e.origin == "pharmacy"] == []
    assert window.document.is_modified() and window.approved_at is None
    window.document.mark_saved()  # closed by the test without the real "unsaved changes?" question


def test_a_technician_drafts_but_never_approves(window, prompts, library):
    from compounder.records import people
    from compounder.records.signing import Credentials
    from compounder.ui.common.signing_dialog import Signature
    from tests.records.helpers import PASSWORD
    from tests.ui.records.test_records_window import window_clock

    with library._sessions.begin() as s:
        admin = people.create_user(s, None, "ada", "Ada Admin", "administrator", PASSWORD, window_clock())
        people.create_user(s, admin, "tess", "Tess Technician", "technician", PASSWORD, window_clock())
    _compose(window)
    prompts.confirms = [True]
    prompts.signature = Signature(Credentials("tess", PASSWORD))
    assert not window.approve()
    (entry,) = [e for e in library.entries() if e.origin == "pharmacy"]  # the draft is saved
    assert entry.approved_at is None and library.approved_version(entry.id) is None
    assert prompts.errors and prompts.errors[-1][0] == "Cannot approve"
    # the status bar says what became of the version, not a reason the error above contradicts
    said = window.statusBar().currentMessage()
    assert said == f"Saved “{entry.name}” as version 1 to the library; not approved"


def test_a_signature_not_given_leaves_the_saved_version_said_as_not_approved(window, prompts, library, monkeypatch):
    """Save to the library and approve, then the signing dialog cancelled: the version stays saved
    (nothing typed is lost) and the status bar says it is not approved; before, the last word was
    "Saved … to the library", which read as done."""
    _compose(window)
    prompts.confirms = [True]
    monkeypatch.setattr(prompts, "sign", lambda meaning, subject, store: None)  # the signing dialog cancelled
    assert not window.approve()
    (entry,) = [e for e in library.entries() if e.origin == "pharmacy"]
    assert entry.approved_at is None and window.approved_at is None
    said = window.statusBar().currentMessage()
    assert said.startswith(f"Saved “{entry.name}” as version 1 to the library") and said.endswith("; not approved")
