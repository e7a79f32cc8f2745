"""Bad input shows the engine's message on its cell and keeps the rest of the formula; nothing
escapes as an exception (pytest-qt fails a test on any exception raised inside Qt)."""

from __future__ import annotations

import pytest

from compounder.ui.workbench.formula_draft import BASE_ROW
from tests.ui.conftest import add_ingredient, error_of, shown, type_into_cell, type_into_field


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("strength", "abc", "'abc' is not a number with a unit; write a percentage such as 5 %"),
        ("strength", "-3 %", "'-3 %' must be more than zero"),
        ("strength", "5 mL", "a volume of ketoprofen cannot be turned into grams: it is a powder with no density on file"),
        ("ingredient", "unobtainium", 'no ingredient named "unobtainium" in the reference database'),
        ("potency", "150 %", "is not a plausible assay"),
        ("expires", "next year", "'next year' is not a date; write it as YYYY-MM-DD"),
        ("stock", "lidocaine", '"lidocaine" is not a form of ketoprofen; forms on file: ketoprofen'),
    ],
)
def test_bad_cell_is_marked_and_the_rest_is_kept(window, key, text, message):
    window.new_formula()
    lidocaine = add_ingredient(window, "lidocaine", "5 %")
    ketoprofen = add_ingredient(window, "ketoprofen", "10 %")
    assert shown(window, ketoprofen, "grams") == "12.000"

    type_into_cell(window, ketoprofen, key, text)

    assert message in error_of(window, ketoprofen, key)
    assert window.document.cell(ketoprofen, key) == text, "what was typed stays in the cell"
    # the rest of the formula is intact, and no number is shown that could be stale
    assert window.document.cell(lidocaine, "ingredient") == "lidocaine"
    assert window.document.cell(lidocaine, "strength") == "5 %"
    assert error_of(window, lidocaine, "strength") is None
    assert shown(window, lidocaine, "grams") == "" and shown(window, window.table_model.base_row, "grams") == ""
    # impossible to miss: banner, status bar, tooltip; printing and approving refused
    assert window.banner.isVisible() and message in window.banner_text.text().replace("&quot;", '"').replace("&#x27;", "'")
    assert message in window.statusBar().currentMessage()
    assert window.table_model.index(ketoprofen, window.table_model.column_of(key)).data(3) == error_of(window, ketoprofen, key)  # ToolTipRole
    assert not window.print_action.isEnabled() and not window.approve_action.isEnabled()
    assert window.print_worksheet() is False

    # fixing the cell brings the numbers back
    window.document.undo_stack.undo()
    assert shown(window, ketoprofen, "grams") == "12.000"
    assert not window.banner.isVisible()


def test_header_field_errors_are_marked_on_the_field(window):
    window.new_formula()
    add_ingredient(window, "lidocaine", "5 %")
    type_into_field(window.excess_edit, "lots")
    message = window.document.cell_error(None, "excess")
    assert "'lots' is not a number with a unit" in message
    assert window.excess_edit.toolTip() == message
    assert window.excess_edit.text() == "lots"
    type_into_field(window.times_edit, "often")
    type_into_field(window.amount_edit, "1 g")
    assert "'often' is not a number" in window.document.cell_error(None, "directions.times_per_day")
    assert len([n for n in window.document.evaluation.notices if n.code == "INPUT"]) == 2


def test_an_expired_lot_is_an_error_finding_that_blocks_printing(window):
    window.new_formula()
    row = add_ingredient(window, "lidocaine", "5 %", lot="L9", expires="2026-01-31")
    assert shown(window, row, "grams") == "6.000"  # computed: the lot is the problem, not the arithmetic
    assert window.banner.isVisible() and "expired on 2026-01-31" in window.banner_text.text()
    assert not window.print_action.isEnabled()
    type_into_cell(window, window.table_model.base_row, "expires", "2025-12-31")
    assert {n.target for n in window.document.evaluation.notices if n.code == "LOT_EXPIRED"} == {row, BASE_ROW}


def test_an_unexpected_failure_leaves_the_formula_as_it_was(window, monkeypatch, qtbot):
    window.new_formula()
    row = add_ingredient(window, "lidocaine", "5 %")
    before = window.document.draft
    steps = window.document.undo_stack.count()

    def broken(*args, **kwargs):
        raise RuntimeError("engine fault")

    monkeypatch.setattr("compounder.ui.workbench.formula_draft.assess", broken)
    with qtbot.capture_exceptions() as raised:
        type_into_cell(window, row, "strength", "4 %")
    assert [type(e[1]) for e in raised] == [RuntimeError]
    assert window.document.draft == before
    assert window.document.undo_stack.count() == steps
    assert shown(window, row, "grams") == "6.000"
