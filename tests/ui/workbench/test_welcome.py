"""The first-run welcome: reference formulas one click away; the pharmacy prompt can be skipped."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from compounder.settings import EXAMPLE, settings_from_data
from compounder.ui.common.window_settings import Settings
from compounder.ui.workbench.welcome import show_welcome


def test_lists_the_reference_formulas_and_opens_one(qtbot, window, settings_dir):
    dialog = show_welcome(window, "/tmp/pharmacy.sqlite")
    qtbot.addWidget(dialog)
    names = [dialog.formulas.item(i).text() for i in range(dialog.formulas.count())]
    assert len(names) == 5 and any("ketoprofen" in name.lower() for name in names)
    assert not dialog.pharmacy_box.isHidden()  # no pharmacy settings yet
    target = next(i for i, name in enumerate(names) if "ketoprofen 10 %" in name.lower() and "baclofen" in name.lower())
    dialog.formulas.setCurrentRow(target)
    with qtbot.wait_signal(dialog.finished):
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert window.document.header("name") == names[target]
    assert Settings(settings_dir).welcomed()


def test_skip_marks_it_seen_and_opens_nothing(qtbot, window, settings_dir):
    before = window.document.header("name")
    dialog = show_welcome(window, "/tmp/pharmacy.sqlite")
    qtbot.addWidget(dialog)
    with qtbot.wait_signal(dialog.finished):
        qtbot.mouseClick(dialog.skip_button, Qt.MouseButton.LeftButton)
    assert window.document.header("name") == before
    assert Settings(settings_dir).welcomed()


def test_pharmacy_prompt_goes_to_the_settings_dialog(qtbot, window, prompts):
    prompts.pharmacy.append(settings_from_data(EXAMPLE))
    dialog = show_welcome(window, "/tmp/pharmacy.sqlite")
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.pharmacy_button, Qt.MouseButton.LeftButton)
    assert window.pharmacy is not None and window.pharmacy.name == EXAMPLE["name"]
    assert "saved" in dialog.pharmacy_button.text()
    dialog.reject()


def test_on_a_records_database_with_no_account_enter_creates_the_first_accounts(qtbot, window, settings_dir):
    """A fresh install's first step is its accounts (issue 28): the welcome offers them, as its
    default with the keys on it; Enter closes the welcome, marks it seen, and starts the records'
    first-run chain (the accounts, then the pharmacy's details: not offered twice here)."""
    started = []
    dialog = show_welcome(window, "/tmp/pharmacy.sqlite", first_accounts=lambda: started.append("first accounts"))
    qtbot.addWidget(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.accounts_button)
    assert dialog.accounts_button.isDefault() and not dialog.accounts_box.isHidden()
    assert dialog.pharmacy_box.isHidden()  # the accounts' chain opens the pharmacy settings next
    with qtbot.wait_signal(dialog.finished):
        QTest.keyClick(dialog.accounts_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: started == ["first accounts"])
    assert Settings(settings_dir).welcomed()


def test_with_accounts_on_file_the_welcome_does_not_offer_them(qtbot, window, settings_dir):
    dialog = show_welcome(window, "/tmp/pharmacy.sqlite")
    qtbot.addWidget(dialog)
    assert dialog.accounts_box.isHidden() and not dialog.pharmacy_box.isHidden()
    dialog.reject()
