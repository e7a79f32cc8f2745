"""The daily-dose panel: a drug over its labeled daily maximum is shown as the error it is."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from compounder.calc import Severity
from compounder.ui.common import look


def test_just_over_the_daily_maximum_reads_over_and_is_marked_an_error(window, tmp_path):
    data = {
        "batch": "120 g", "base": "Lipoderm", "density": "1.0 g/mL", "compounded_on": "2026-11-23",
        "directions": {"amount": "3 g", "times_per_day": 3},
        "actives": [{"ingredient": "lidocaine", "strength": "6 %"}, {"ingredient": "lidocaine hydrochloride, anhydrous", "strength": "4 %"}],
    }
    path = tmp_path / "lidocaine.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert window.open_file(path)
    # 3 g × 3 = 9 g a day: 9 × 60 mg = 540 mg lidocaine + 9 × 40 mg = 360 mg HCl × 234.34/270.80 = 311.53 mg
    # lidocaine; 851.53 mg of the labeled 850 mg = 100.18 %, which must not read as "100 %"
    total = 9 * 60 + 9 * 40 * 234.34 / 270.80
    assert round(total / 850 * 100, 1) == 100.2
    model = window.daily_model
    assert model.rowCount() == 2
    for row in range(2):
        assert model.index(row, 3).data() == "100.2 %"
        assert model.index(row, 0).data(Qt.ItemDataRole.DecorationRole).cacheKey() == look.icon(Severity.ERROR).cacheKey()
