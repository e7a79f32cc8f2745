"""The findings panel: by severity, with colour and icon; a click selects the row concerned."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from compounder.calc import Severity
from compounder.ui.common import look
from tests.ui.conftest import add_ingredient, type_into_field


def click(qtbot, view, row):
    index = view.model().index(row, 1)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


def test_a_finding_click_selects_its_row(window, qtbot):
    window.new_formula()
    add_ingredient(window, "ketoprofen", "10 %")
    add_ingredient(window, "baclofen", "2 %")
    capsaicin = add_ingredient(window, "capsaicin", "0.025 %")  # 120 × 0.025 % = 0.03 g, below 0.82 g
    model = window.findings_model
    below = next(r for r in range(model.rowCount()) if model.notice(r).code == "BELOW_MINIMUM_WEIGHABLE")
    assert model.notice(below).severity is Severity.INFO  # the aliquot on the worksheet handles it
    window.table.setCurrentIndex(window.table_model.index(0, 0))
    click(qtbot, window.findings_view, below)
    assert window.table.currentIndex().row() == capsaicin
    assert window.table.selectionModel().isSelected(window.table.currentIndex())


def test_findings_are_sorted_by_severity_with_colour_and_icon(window):
    window.new_formula()
    add_ingredient(window, "ketoprofen", "10 %")
    add_ingredient(window, "ibuprofen", "10 %", lot="I1", expires="2026-01-01")  # expired: an error
    model = window.findings_model
    severities = [model.notice(r).severity for r in range(model.rowCount())]
    assert severities == sorted(severities, key=lambda s: s.rank)
    assert severities[0] is Severity.ERROR and Severity.WARNING in severities  # duplicate NSAIDs
    first = model.index(0, 0)
    assert first.data() == "Error"
    assert QColor(first.data(Qt.ItemDataRole.ForegroundRole)) == look.hue(Severity.ERROR)
    assert not first.data(Qt.ItemDataRole.DecorationRole).isNull()


def test_an_input_error_in_a_header_field_focuses_the_field(window, qtbot):
    window.new_formula()
    type_into_field(window.density_edit, "9 g/mL")
    model = window.findings_model
    assert model.notice(0).key == "density"
    click(qtbot, window.findings_view, 0)
    assert window.density_edit.hasFocus()
