"""The shipped reference database: rebuilt from its TOML source it is the same (row for row and
byte for byte), and its numbers hold together."""

from __future__ import annotations

import sqlite3
import tomllib
from pathlib import Path

import pytest
from molmass import Formula as MolecularFormula

from compounder.data.build import build
from compounder.data.catalog import packaged_reference

DATA = Path(__file__).resolve().parents[2] / "data"


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        lines = list(conn.iterdump())
    conn.close()
    return lines


def test_committed_database_matches_its_source(tmp_path):
    rebuilt = tmp_path / "ingredients.sqlite"
    build(DATA / "ingredients.toml", rebuilt)
    committed, fresh = dump(DATA / "ingredients.sqlite"), dump(rebuilt)
    differences = [line for line in set(committed) ^ set(fresh)][:5]
    assert committed == fresh, (
        "data/ingredients.sqlite is out of date with data/ingredients.toml; "
        f"run `python -m compounder.data.build`. First differences: {differences}"
    )
    assert rebuilt.read_bytes() == (DATA / "ingredients.sqlite").read_bytes(), (
        "data/ingredients.sqlite holds what data/ingredients.toml says but not byte for byte as the build writes it: "
        "run `python -m compounder.data.build` and commit it"
    )


def test_the_packaged_database_is_the_committed_one():
    assert packaged_reference().resolve() == (DATA / "ingredients.sqlite").resolve() or packaged_reference().read_bytes() == (
        DATA / "ingredients.sqlite"
    ).read_bytes()


@pytest.fixture(scope="module")
def source():
    return tomllib.loads((DATA / "ingredients.toml").read_text(encoding="utf-8"))


def test_every_molecular_weight_matches_its_formula(source):
    checked = 0
    for entry in [*(f for a in source["active"] for f in a["forms"]), *source["excipient"]]:
        if "formula" in entry and "molecular_weight" in entry and "value" in entry["molecular_weight"]:
            computed = MolecularFormula(entry["formula"]).mass
            assert entry["molecular_weight"]["value"] == pytest.approx(computed, abs=0.1), entry["name"]
            checked += 1
    assert checked >= 58  # every form with a formula, the new actives included


def test_salt_factors_match_published_equivalences(catalog):
    # Voltaren labeling: 1 % diclofenac sodium is equivalent to 0.93 % diclofenac
    sodium, acid = catalog.form("diclofenac sodium", "t"), catalog.form("diclofenac", "t")
    assert (acid.molecular_weight.value / sodium.molecular_weight.value).magnitude == pytest.approx(0.93, abs=0.005)
    # MIMS Voltaren Emulgel: 1.16 g diclofenac diethylamine ≙ 1 g diclofenac sodium
    dea = catalog.form("diclofenac diethylamine", "t")
    assert (dea.molecular_weight.value / sodium.molecular_weight.value).magnitude == pytest.approx(1.16, abs=0.005)


def test_every_form_the_issue_names_is_on_file(catalog):
    for name in [
        "diclofenac", "diclofenac sodium", "diclofenac potassium", "diclofenac diethylamine", "ketoprofen", "ibuprofen",
        "cyclobenzaprine", "cyclobenzaprine hydrochloride", "baclofen", "lidocaine", "lidocaine hydrochloride, anhydrous",
        "lidocaine hydrochloride (monohydrate, USP)", "camphor", "menthol", "gabapentin", "ketamine hydrochloride",
        "amitriptyline hydrochloride", "prilocaine", "prilocaine hydrochloride", "flurbiprofen", "meloxicam", "capsaicin",
        "ethoxydiglycol", "propylene glycol", "glycerin", "mineral oil", "light mineral oil",
    ]:
        assert catalog.form(name, "t").name == name
    for name in ["Lipoderm", "Lipoderm ActiveMax", "Anhydrous Lipoderm", "VersaPro Cream Base", "VersaPro Gel Base", "PLO gel"]:
        assert catalog.base(name).name == name
    assert len(catalog.balances) == 4


def test_minimum_weighable_quantities_follow_usp_41(catalog):
    # USP <41>: 2000 × s, and s is taken as at least 0.41 d, so 820 × d; Class III balance: 6 mg × 100 / 5 % = 120 mg
    for balance in catalog.balances:
        d = balance.readability.value.to("g").magnitude
        minimum = balance.minimum_weighable.value.to("g").magnitude
        if balance.sensitivity is None:
            assert minimum == pytest.approx(820 * d)
        else:
            assert minimum == pytest.approx(balance.sensitivity.value.to("g").magnitude * 100 / 5)


def test_every_value_has_a_source_that_exists(source):
    ids = set(source["sources"])

    def walk(node, where):
        if isinstance(node, dict):
            if "source" in node:
                assert node["source"] in ids, where
            if "value" in node and not isinstance(node.get("value"), bool) and node.get("unknown") is not True:
                assert "source" in node, f"{where} has a value without a source"
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    for key in ("active", "base", "excipient", "balance", "bud_category"):
        walk(source[key], key)


def test_bud_categories_are_usp_795(catalog):
    days = {(c.contains_water, c.preserved): c.days for c in catalog.bud_categories}
    assert days[(True, False)] == 14 and days[(True, True)] == 35 and days[(False, None)] == 180


def test_generic_label_warnings_are_sourced(catalog):
    texts = [w.text for w in catalog.label_warnings if not w.schedules]
    assert texts == ["For external use only.", "Keep out of reach of children."]
    # 21 CFR 290.5: only on a preparation with a Schedule II, III or IV active
    [transfer] = [w for w in catalog.label_warnings if w.schedules]
    assert transfer.schedules == ("CII", "CIII", "CIV") and transfer.text.startswith("Caution: Federal law prohibits the transfer")
    assert all(w.source is not None for w in catalog.label_warnings)
