"""Issue 28, observation 8: approval shows what changed since the version last approved — per
ingredient (added, removed, strength, the stock form or salt weighed), the base, the batch size
and excess, what sets the beyond-use date, and the instructions."""

from __future__ import annotations

from compounder.calc.formula_diff import Change, describe, formula_diff

VERSION_1 = {
    "name": "Diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 % in Lipoderm",
    "batch": "120 g", "base": "Lipoderm",
    "directions": {"amount": "1 g", "times_per_day": 2},
    "actives": [
        {"ingredient": "diclofenac sodium", "strength": "3 %"},
        {"ingredient": "cyclobenzaprine hydrochloride", "strength": "2 %"},
        {"ingredient": "lidocaine", "strength": "5 %"},
    ],
}
VERSION_2 = {
    "name": "Diclofenac sodium 3 % / lidocaine 4 % / baclofen 2 % in VersaBase",
    "batch": "60 g", "excess": "3 %", "base": "VersaBase",
    "directions": {"amount": "1 g", "times_per_day": 3},
    "stability": {"days": 30, "reference": "maker's study 2025"},
    "steps": ["Levigate the powders with ethoxydiglycol"],
    "actives": [
        {"ingredient": "diclofenac sodium", "strength": "3 %"},
        {"ingredient": "lidocaine", "strength": "4 %", "stock": "lidocaine hydrochloride monohydrate"},
        {"ingredient": "baclofen", "strength": "2 %"},
    ],
}


def test_every_change_from_version_1_to_2_in_reading_order():
    assert formula_diff(VERSION_1, VERSION_2) == (
        Change("changed", "name", VERSION_1["name"], VERSION_2["name"]),
        Change("changed", "base", "Lipoderm", "VersaBase"),
        Change("changed", "batch size", "120 g", "60 g"),
        Change("added", "excess", None, "3 %"),
        Change("changed", "lidocaine strength", "5 %", "4 %"),
        Change("added", "lidocaine stock form weighed (salt)", None, "lidocaine hydrochloride monohydrate"),
        Change("added", "active baclofen", None, "2 %"),
        Change("removed", "active cyclobenzaprine hydrochloride", "2 %", None),
        Change("added", "stability reference (sets the beyond-use date)", None, "days 30; reference maker's study 2025"),
        Change("changed", "directions for use", "amount 1 g; times per day 2", "amount 1 g; times per day 3"),
        Change("added", "compounding steps", None, "Levigate the powders with ethoxydiglycol"),
    )


def test_the_same_content_has_no_change_and_a_first_version_is_all_new():
    assert formula_diff(VERSION_1, dict(VERSION_1)) == ()
    first = formula_diff(None, VERSION_1)
    assert [c.kind for c in first] == ["added"] * 7  # name, base, batch size, three actives, directions
    assert Change("added", "active lidocaine", None, "5 %") in first


def test_in_one_line():
    text = describe(formula_diff(VERSION_1, VERSION_2))
    assert text.startswith("name Diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 % in Lipoderm → ")
    assert "lidocaine strength 5 % → 4 %; " in text and "active cyclobenzaprine hydrochloride removed (was 2 %)" in text
