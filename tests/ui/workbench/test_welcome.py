"""The first-run welcome: reference formulas one click away; the pharmacy prompt can be skipped."""

from __future__ import annotations

from PySide6.QtCore import Qt

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
