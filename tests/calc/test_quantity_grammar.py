"""Issue 21, observation 6: ``"batch": "120 g ** 9**9**9"`` never finished (pint evaluated the
unit text as an expression, powers and all). A quantity is now read by a grammar that cannot run
away: a number, then a unit made of names from the registry joined by "/"; no operator other
than "/", bounded length and magnitude."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from compounder.calc import InputError
from compounder.calc.units import DIMENSIONLESS, MASS, MASS_PER_VOLUME, MAX_QUANTITY_CHARACTERS, VOLUME, parse_quantity, ureg

STRENGTH = (DIMENSIONLESS, MASS_PER_VOLUME, MASS, VOLUME)


@pytest.mark.parametrize(
    "text",
    [
        "120 g ** 9**9**9", "120 g**9**9**9", "120 g ^ 9^9^9", "120 g ** 2", "120 (g)", "120 g*g/g", "120 2*g", "120 g * 1",
        "120 g ** 0.5", "1 mg/g/g*g", "120 g + 1", "120 g - g", "120 __import__", "120 g\u00b2", "120 g·g", "120 g/", "120 /g",
        "120 g//mL", "120 g / / mL", "120 mg/kg/day/g",
    ],
)
def test_a_unit_that_is_not_names_joined_by_a_slash_is_refused(text):
    with pytest.raises(InputError) as error:
        parse_quantity(text, "batch", (MASS, VOLUME))
    assert error.value.field == "batch"
    assert "a unit such as g, mL, mg/g or % w/v" in error.value.message, error.value.message
    assert "a mass such as 120 g" in error.value.message


@pytest.mark.parametrize(
    ("text", "magnitude", "unit"),
    [
        ("120 g", 120, "g"), ("20 mg / mL", 20, "mg/mL"), ("50 mg/g", 50, "mg/g"), ("1.02 g/mL", 1.02, "g/mL"),
        ("0.5 % w/v", 0.5, "percent_w_v"), ("5 %", 5, "percent"), ("250 mcg", 250, "microgram"), ("4 click", 4, "click"),
        ("1 gram", 1, "g"), ("2 kg", 2, "kg"), ("3 milligram/gram", 3, "mg/g"), ("1e-3 g", 0.001, "g"),
    ],
)
def test_names_and_one_slash_are_still_read(text, magnitude, unit):
    quantity = parse_quantity(text, "strength", STRENGTH)
    # 120 g is 120 of gram; 20 mg / mL is 20 of milligram per millilitre, and so on: the text itself.
    assert quantity.magnitude == pytest.approx(magnitude)
    assert quantity.units == ureg.Unit(unit)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1e12 g", "1e12 g' is too large; give at most 1,000,000,000"),
        ("9" * 40 + " g", "is too long"),
        ("1" + "0" * 20 + " g", "' is too large; give at most 1,000,000,000"),
        ("120 " + "g" * 100, "is too long"),
    ],
)
def test_the_number_and_the_text_are_bounded(text, words):
    with pytest.raises(InputError) as error:
        parse_quantity(text, "batch", (MASS, DIMENSIONLESS))
    assert words in error.value.message, error.value.message
    assert len(text) > MAX_QUANTITY_CHARACTERS or "too" in error.value.message


@pytest.mark.parametrize("command", ["calc", "worksheet"])  # a formula file's label is refused unread (issue 28)
def test_the_runaway_power_is_one_line_exit_2_from_the_command_line(tmp_path, command):
    """In a subprocess with a timeout: it never finished before."""
    formula = tmp_path / "f.json"
    formula.write_text(json.dumps({"batch": "120 g ** 9**9**9", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "5 %"}]}))
    argv = [sys.executable, "-m", "compounder", command, str(formula)]
    if command != "calc":
        argv += ["--out", str(tmp_path / "x.pdf")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "batch: " in done.stderr and "a unit such as g, mL, mg/g or % w/v" in done.stderr, done.stderr
    assert not (tmp_path / "x.pdf").exists()
