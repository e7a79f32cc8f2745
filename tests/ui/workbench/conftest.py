"""Fixtures of the workbench's tests: the window on the example prescription."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.documents.helpers import pharmacy

EXAMPLE_RX = Path(__file__).parents[3] / "examples" / "diclofenac-cyclobenzaprine-lidocaine-rx.json"


@pytest.fixture
def RX_EXAMPLE(tmp_path) -> Path:
    """The example prescription, for a patient of 48 (the example's, born 1948, is 78: the Beers
    warning for cyclobenzaprine) and 40 g with no refills: at 1 g three times a day 40 / 3 = 13.3
    days, inside the 14-day beyond-use date (120 g would last 120 / 3 = 40 days: SUPPLY_BEYOND_BUD)."""
    import json

    data = json.loads(EXAMPLE_RX.read_text(encoding="utf-8"))
    data["prescription"].update({"date_of_birth": "1978-03-02", "quantity": "40 g", "refills": 0})
    path = tmp_path / "rx.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def rx_window(window, RX_EXAMPLE):
    window.pharmacy = pharmacy()
    assert window.open_file(RX_EXAMPLE)
    return window
