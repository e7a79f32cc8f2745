"""Issue 21, observation 6, in the window: a runaway unit expression never finished; a path
over 255 bytes printed a traceback. Both are now refused with a message, the window usable."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QLabel

from tests.ui.conftest import type_into_cell


def test_a_path_over_255_bytes_is_refused_with_a_message(window, prompts, tmp_path):
    path = tmp_path / ("a" * 300 + ".json")
    assert not window.open_file(path)
    ((title, text),) = prompts.errors
    assert title == "Cannot open the formula" and "File name too long" in text
    assert prompts.unexpected_errors == []


def test_a_runaway_unit_in_a_file_or_a_cell_is_refused_naming_the_field(window, prompts, tmp_path):
    data = {"batch": "120 g ** 9**9**9", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "5 %"}]}
    path = tmp_path / "runaway.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    window.open_file(path)
    shown = " ".join([text for _title, text in prompts.errors] + [label.text() for label in window.findChildren(QLabel) if label.isVisible()])
    assert "batch quantity: unit" in shown and "a unit such as g, mL, mg/g or % w/v" in shown, shown
    type_into_cell(window, 0, "strength", "5 % ** 9**9**9")
    shown = " ".join(label.text() for label in window.findChildren(QLabel) if label.isVisible())
    assert "a unit such as g, mL, mg/g or % w/v" in shown or "is not understood" in shown, shown
    assert prompts.unexpected_errors == []
