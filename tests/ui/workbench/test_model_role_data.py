"""``multiData`` (one call per painted cell) answers exactly what ``data`` answers, role by role,
for every cell of the three document models, with and without an input error."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan, Qt
from PySide6.QtGui import QIcon

from compounder.ui.workbench.daily_dose_model import DailyDoseModel
from compounder.ui.workbench.findings_model import FindingsModel
from compounder.ui.workbench.formula_document import FormulaDocument
from compounder.ui.workbench.ingredient_table_model import CHOICES_ROLE, ERROR_ROLE, KEY_ROLE, TARGET_ROLE, IngredientTableModel
from tests.conftest import TODAY
from tests.ui.conftest import SEED

ROLES = [role.value for role in Qt.ItemDataRole if role.value < Qt.ItemDataRole.UserRole.value] + [ERROR_ROLE, KEY_ROLE, CHOICES_ROLE, TARGET_ROLE]


def comparable(value):
    return ("icon", value.cacheKey()) if isinstance(value, QIcon) else value


@pytest.mark.parametrize("strength", ["10 %", "abc"])
@pytest.mark.parametrize("model_class", [IngredientTableModel, FindingsModel, DailyDoseModel])
def test_multi_data_answers_what_data_answers(qapp, catalog, model_class, strength):
    document = FormulaDocument(catalog, TODAY)
    document.load({**SEED, "actives": [{**SEED["actives"][0], "strength": strength}, *SEED["actives"][1:]]})
    model = model_class(document)
    assert model.rowCount() > 0 or (model_class is DailyDoseModel and strength == "abc")  # no doses while an error stands
    for row in range(model.rowCount() + 1):  # and one row past the end: nothing
        for column in range(model.columnCount()):
            index = model.index(row, column) if row < model.rowCount() else model.createIndex(row, column)
            for role in ROLES:
                answer = QModelRoleData(role)
                model.multiData(index, QModelRoleDataSpan(answer))
                assert comparable(answer.data()) == comparable(model.data(index, role)), (row, column, role)
