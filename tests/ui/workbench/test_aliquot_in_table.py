"""The ingredient table's aliquot line: the drug's own grams, and the aliquot's steps beside them."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from compounder.ui.workbench.ingredient_columns import KEYS


def test_an_aliquot_line_shows_the_drugs_grams_and_its_steps_in_the_tooltip(window, tmp_path):
    data = {"batch": "100 g", "base": "Lipoderm", "compounded_on": "2026-11-23",
            "actives": [{"ingredient": "capsaicin", "strength": "0.025 %"}]}
    path = tmp_path / "capsaicin.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert window.open_file(path)
    model, grams = window.table_model, KEYS.index("grams")
    # 100 g × 0.025 % = 0.025 g, below 0.82 g: k = ceil(0.82 / 0.025) = 33; weigh 0.825 g, dilute
    # to 33 × 0.82 = 27.060 g, take a 0.820 g portion, which carries 0.795 g of the base: the base
    # line is 100 − 0.025 − 0.795 = 99.180 g
    assert -(-0.82 // 0.025) == 33 and round(33 * 0.82, 3) == 27.06
    # never the mixture's 0.820 in the drug's row, where it could be weighed as capsaicin
    assert model.index(0, grams).data() == "0.025"
    tip = model.index(0, grams).data(Qt.ItemDataRole.ToolTipRole)
    assert "weigh 0.825 g capsaicin (33 × 0.025 g)" in tip and "27.060 g" in tip and "0.820 g of the mixture" in tip
    texts = [model.index(row, grams).data() for row in range(model.rowCount())]
    assert "99.180" in texts and "100.000" in texts
