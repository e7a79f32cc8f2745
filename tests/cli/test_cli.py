"""The command line: JSON shape, exit statuses, one-line refusals."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from compounder.cli import run
from tests.calc.formulas import active, formula
from tests.conftest import TODAY

ISSUE_EXAMPLE = {
    "batch": "120 g", "excess": "5 %", "density": "1.02 g/mL", "base": "Lipoderm",
    "compounded_on": "2026-11-23",
    "directions": {"amount": "1 g", "times_per_day": 3},
    "actives": [{"ingredient": "lidocaine", "strength": "5 %", "stock": "lidocaine hydrochloride monohydrate",
                 "potency": "99.5 %", "lot": "L123", "expires": "2027-06-30"}],
    "excipients": [{"ingredient": "ethoxydiglycol", "strength": "5 %"}],
}


def call(catalog, *argv):
    out, err = io.StringIO(), io.StringIO()
    status = run(list(argv), load_catalog=lambda _path: catalog, today=TODAY, stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def write(tmp_path: Path, data, name="formula.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_calc_json_for_the_issue_example(catalog, tmp_path):
    status, out, err = call(catalog, "calc", write(tmp_path, ISSUE_EXAMPLE), "--json")
    assert status == 0, err
    result = json.loads(out)
    # prepared 120 × 1.05 = 126 g; lidocaine 126 × 5 % = 6.3 g × 288.81/234.34 ÷ 0.995 = 7.803296 g
    # ethoxydiglycol 126 × 5 % = 6.3 g; Lipoderm 126 − 7.803296 − 6.3 = 111.896704 g
    lines = {line["name"]: line for line in result["lines"]}
    assert lines["lidocaine hydrochloride (monohydrate, USP)"]["grams"] == pytest.approx(6.3 * 288.81 / 234.34 / 0.995, rel=1e-9)
    assert lines["lidocaine hydrochloride (monohydrate, USP)"]["role"] == "active"
    assert lines["ethoxydiglycol"]["grams"] == pytest.approx(6.3) and lines["ethoxydiglycol"]["role"] == "excipient"
    assert lines["Lipoderm"]["role"] == "base"
    assert lines["Lipoderm"]["grams"] == pytest.approx(126 - 6.3 * 288.81 / 234.34 / 0.995 - 6.3, rel=1e-9)
    assert result["total_grams"] == pytest.approx(126.0)
    # dose: 50 mg/g lidocaine; a click 0.25 mL × 1.02 g/mL = 0.255 g → 12.75 mg; 1 g × 3 = 150 mg/day
    assert lines["lidocaine hydrochloride (monohydrate, USP)"]["mg_per_g"] == pytest.approx(50.0)
    assert lines["lidocaine hydrochloride (monohydrate, USP)"]["mg_per_click"] == pytest.approx(12.75)
    assert lines["lidocaine hydrochloride (monohydrate, USP)"]["mg_per_day"] == pytest.approx(150.0)
    # Lipoderm's water content is not on file: nonpreserved aqueous, 14 days, day 1 = 2026-11-23
    assert result["bud"]["date"] == "2026-12-06" and result["bud"]["days"] == 14 and result["bud"]["reason"]
    for finding in result["findings"]:
        assert set(finding) >= {"severity", "code", "message"}
        assert finding["severity"] in ("error", "warning", "info")


def test_calc_table(catalog, tmp_path):
    status, out, _ = call(catalog, "calc", write(tmp_path, ISSUE_EXAMPLE))
    assert status == 0
    assert "lidocaine hydrochloride (monohydrate, USP)" in out and "7.803" in out and "126.000" in out


def test_error_findings_exit_1_and_still_print(catalog, tmp_path):
    status, out, _ = call(catalog, "calc", write(tmp_path, formula(active("camphor", "12 %"))), "--json")
    assert status == 1
    assert any(f["code"] == "STRENGTH_ABOVE_MAXIMUM" for f in json.loads(out)["findings"])


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not valid JSON at line 1"),
        ("", "not valid JSON"),
        (json.dumps(formula(active("lidocane", "5 %"))), 'actives[0].ingredient: no ingredient named "lidocane"'),
        (json.dumps(formula(active("ketoprofen", "5 mL"))), "actives[0].strength:"),
        (json.dumps(formula(active("lidocaine", "5 %"), batch="100 mL")), "batch:"),
        (json.dumps(formula(active("lidocaine", "NaN %"))), "actives[0].strength:"),
        (json.dumps(formula(active("lidocaine", "-5 %"))), "actives[0].strength:"),
        (json.dumps(formula(active("lidocaine", "5 %"), batch="0 g")), "batch:"),
    ],
)
def test_unusable_input_exits_2_with_one_line(catalog, tmp_path, content, words):
    status, out, err = call(catalog, "calc", write(tmp_path, content))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


def test_missing_file_and_bad_arguments_exit_2(catalog, tmp_path):
    status, _, err = call(catalog, "calc", str(tmp_path / "absent.json"))
    assert status == 2 and "cannot read" in err and err.count("\n") == 1
    status, _, err = call(catalog, "calc")
    assert status == 2 and err.count("\n") == 1
    status, _, err = call(catalog, "frobnicate")
    assert status == 2 and err.count("\n") == 1


def test_toml_formula(catalog, tmp_path):
    text = 'batch = "60 g"\nbase = "Lipoderm"\ncompounded_on = "2026-11-23"\n[[actives]]\ningredient = "baclofen"\nstrength = "2 %"\n'
    status, out, _ = call(catalog, "calc", write(tmp_path, text, "f.toml"), "--json")
    # 60 g × 2 % = 1.2 g baclofen
    assert status == 0 and json.loads(out)["lines"][0]["grams"] == pytest.approx(1.2)


def test_ingredients_json(catalog):
    status, out, _ = call(catalog, "ingredients", "--json")
    records = json.loads(out)
    assert status == 0
    kinds = {r["kind"] for r in records}
    assert {"active", "base", "excipient"} <= kinds
    names = {r["name"] for r in records}
    assert {"lidocaine hydrochloride (monohydrate, USP)", "diclofenac diethylamine", "Lipoderm", "ethoxydiglycol"} <= names


def test_the_installed_command_prints_no_traceback(tmp_path):
    bad = write(tmp_path, formula(active("lidocaine", "five %")))
    done = subprocess.run([sys.executable, "-m", "compounder", "calc", bad], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "actives[0].strength" in done.stderr and "Traceback" not in done.stderr
