"""Issue 21, observation 6: 1,000 wide glyphs in an acknowledgement reason made a table row
taller than a page, and ReportLab's LayoutError ended the worksheet in exit 70. The decision is
now split across pages, every character of it printed."""

from __future__ import annotations

import io
import json

import pytest

from compounder.cli import run
from tests.conftest import TODAY
from tests.documents.helpers import PHARMACY, issue_formula, pages_text

# The issue formula's three warnings for a patient born 1948-03-02 (78 on 2026-11-23) who takes a CNS
# depressant: the Beers list at 65 or older, cyclobenzaprine with a CNS depressant, and 120 g at 1 g three
# times a day = 3 g a day lasting 120 / 3 = 40 days, beyond the 14-day beyond-use date. (Until the
# cyclobenzaprine 21-day rule was removed, its warning was the third in place of the CNS depressant's.)
CODES = ("MUSCLE_RELAXANT_OLDER_ADULT", "CYCLOBENZAPRINE_CNS_DEPRESSANT", "SUPPLY_BEYOND_BUD")


@pytest.mark.parametrize("glyph", ["\u01c4", "\u2030", "W"])  # Ǆ and ‰ are wider than W; all three in the document font
def test_a_reason_of_1000_wide_glyphs_is_printed_whole_across_pages(tmp_path, catalog, glyph):
    reason = glyph * 1000  # the field's limit is 1,000 characters
    data = issue_formula(acknowledged=[{"code": code, "by": "J. Kim, RPh", "reason": reason} for code in CODES])
    data["patient"] = {"date_of_birth": "1948-03-02", "weight": "62 kg", "allergies": [], "conditions": [], "medications": ["CNS depressant"]}
    formula, settings, out = tmp_path / "f.json", tmp_path / "pharmacy.json", tmp_path / "w.pdf"
    formula.write_text(json.dumps(data), encoding="utf-8")
    settings.write_text(json.dumps(PHARMACY), encoding="utf-8")
    err = io.StringIO()
    code = run(["worksheet", str(formula), "--out", str(out), "--pharmacy-settings", str(settings)], load_catalog=lambda _p: catalog,
               today=TODAY, stdout=io.StringIO(), stderr=err)
    assert code == 0, err.getvalue()
    text = "".join(pages_text(out.read_bytes()))
    # Three decisions of 1,000 each; the glyph appears nowhere else on the worksheet (W excepted).
    count = text.count(glyph)
    assert count == 3000 if glyph != "W" else count >= 3000, count
