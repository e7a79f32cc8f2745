"""The committed reference database is exactly what its TOML source builds."""

from __future__ import annotations

from pathlib import Path

from compounder.data.build import build

DATA = Path(__file__).resolve().parents[2] / "data"


def test_committed_database_matches_its_source(tmp_path):
    rebuilt = tmp_path / "ingredients.sqlite"
    build(DATA / "ingredients.toml", rebuilt)
    assert rebuilt.read_bytes() == (DATA / "ingredients.sqlite").read_bytes(), (
        "data/ingredients.sqlite is out of date: run `python -m compounder.data.build` and commit it"
    )


def test_generic_label_warnings_are_sourced(catalog):
    texts = [w.text for w in catalog.label_warnings if not w.schedules]
    assert texts == ["For external use only.", "Keep out of reach of children."]
    # 21 CFR 290.5: only on a preparation with a Schedule II, III or IV active
    [transfer] = [w for w in catalog.label_warnings if w.schedules]
    assert transfer.schedules == ("CII", "CIII", "CIV") and transfer.text.startswith("Caution: Federal law prohibits the transfer")
    assert all(w.source is not None for w in catalog.label_warnings)
