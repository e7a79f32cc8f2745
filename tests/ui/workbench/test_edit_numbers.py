"""After each edit the changed row's figures and the daily-dose panel show the hand-worked values
(issue #27: the table formats only the rows whose numbers changed, and the panel reads the daily
amounts the checks compared instead of working them out again).

The formula is ``tests/ui/conftest.py``'s SEED: 120 g + 5 % excess = 126 g prepared, 1 g three
times a day; rows 0 ibuprofen 10 % (labeled maximum 500 mg a day), 1 lidocaine 5 % weighed as the
HCl (850 mg lidocaine a day), 2 capsaicin 0.025 %, 3 ethoxydiglycol 5 %.
"""

from __future__ import annotations

from compounder.ui.workbench.daily_dose_model import DailyDoseModel
from compounder.ui.workbench.ingredient_table_model import IngredientTableModel


def _row(model: IngredientTableModel, row: int) -> tuple[str, str, str]:
    """grams, mg/g and mg/day of a row, as shown."""
    return tuple(model.index(row, model.column_of(key)).data() for key in ("grams", "mg_per_g", "mg_per_day"))


def _panel(model: DailyDoseModel, row: int) -> tuple[str, str]:
    """mg/day and "of maximum" of a panel row, as shown."""
    return model.index(row, 1).data(), model.index(row, 3).data()


def test_each_edit_shows_the_hand_worked_figures_in_the_table_and_the_panel(document):
    table, panel = IngredientTableModel(document), DailyDoseModel(document)

    document.set_cell(0, "strength", "12 %")
    # 126 g × 12 % = 15.120 g; 120.00 mg/g; 1 g × 3 a day × 120 mg/g = 360.0 mg, of 500 mg = 72 %
    assert _row(table, 0) == ("15.120", "120.00", "360.0")
    assert _panel(panel, 0) == ("360.0", "72 %")

    document.set_cell(1, "strength", "10 %")
    # lidocaine 10 %: 100.00 mg/g, 3 g a day × 100 mg/g = 300.0 mg, of 850 mg = 35.3 % → "35 %";
    # ibuprofen's row is as before
    assert _row(table, 1)[1:] == ("100.00", "300.0")
    assert _panel(panel, 1) == ("300.0", "35 %")
    assert _row(table, 0) == ("15.120", "120.00", "360.0")

    document.set_cell(0, "strength", "10 %")  # back to figures the table showed before
    # 126 g × 10 % = 12.600 g; 100.00 mg/g; 3 g × 100 mg/g = 300.0 mg, of 500 mg = 60 %
    assert _row(table, 0) == ("12.600", "100.00", "300.0")
    assert _panel(panel, 0) == ("300.0", "60 %")

    document.set_header("batch", "60 g")  # every row's grams move, the daily amounts do not
    # 60 g + 5 % = 63 g prepared: ibuprofen 63 × 10 % = 6.300 g, ethoxydiglycol 63 × 5 % = 3.150 g
    assert _row(table, 0) == ("6.300", "100.00", "300.0")
    assert table.index(3, table.column_of("grams")).data() == "3.150"
    assert table.index(table.total_row, table.column_of("grams")).data() == "63.000"
    assert _panel(panel, 0) == ("300.0", "60 %")

    document.set_cell(0, "strength", "20 %")
    # 63 g × 20 % = 12.600 g; 200.00 mg/g; 3 g × 200 mg/g = 600.0 mg, of 500 mg = 120 %: above it
    assert _row(table, 0) == ("12.600", "200.00", "600.0")
    assert _panel(panel, 0) == ("600.0", "120 %")

    document.undo_stack.undo()  # 10 % again
    assert _row(table, 0) == ("6.300", "100.00", "300.0")
    assert _panel(panel, 0) == ("300.0", "60 %")


def test_the_panel_shows_the_daily_amounts_the_check_compared(document):
    panel = DailyDoseModel(document)
    document.set_cell(0, "strength", "20 %")
    # ibuprofen 20 %: 3 g a day × 200 mg/g = 600 mg, above its labeled 500 mg: the check's error and
    # the panel's red row come from the one set of daily amounts kept on the plan
    plan = document.plan
    assert plan.daily is not None
    assert [panel.dose(row) for row in range(panel.rowCount())] == list(plan.daily)
    assert all(panel.dose(row) is plan.daily[row] for row in range(panel.rowCount()))
    [above] = [f for f in plan.findings if f.code == "DAILY_AMOUNT_ABOVE_MAXIMUM"]
    assert above.line == 0 and "600.0 mg ibuprofen a day" in above.message
    assert [panel.dose(row).above_maximum for row in range(panel.rowCount())] == [True, False, False]
