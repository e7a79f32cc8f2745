"""A formula file without a compounding date: the command says on stderr which date it used."""

from __future__ import annotations

import io
import json

from compounder.cli import run
from tests.calc.formulas import active
from tests.conftest import TODAY


def calc(catalog, tmp_path, data, *options):
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run(["calc", str(path), *options], load_catalog=lambda _p: catalog, today=TODAY, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue(), path


def test_no_compounding_date_says_which_date_was_used(catalog, tmp_path):
    data = {"batch": "120 g", "base": "Lipoderm", "actives": [active("lidocaine", "5 %")]}
    code, out, err, path = calc(catalog, tmp_path, data)
    assert code == 0 and "Lipoderm" in out
    assert err == f"{path}: compounded_on: not given; used 2026-11-23 (today's date) as the compounding date for the beyond-use date and the lot checks\n"
    code, _, err, _ = calc(catalog, tmp_path, data, "--date", "2026-12-01")
    assert code == 0 and "used 2026-12-01 (--date)" in err and err.count("\n") == 1


def test_a_compounding_date_in_the_file_is_quiet(catalog, tmp_path):
    data = {"batch": "120 g", "base": "Lipoderm", "compounded_on": "2026-11-20", "actives": [active("lidocaine", "5 %")]}
    code, _, err, _ = calc(catalog, tmp_path, data)
    assert (code, err) == (0, "")


def test_a_compounding_date_before_today_is_refused_in_one_line(catalog, tmp_path):
    data = {"batch": "120 g", "base": "Lipoderm", "actives": [active("lidocaine", "5 %")]}
    code, out, err, _ = calc(catalog, tmp_path, data, "--date", "2026-11-22")  # TODAY is 2026-11-23
    assert (code, out) == (2, "")
    assert err == "compounder: --date: 2026-11-22 is before today, 2026-11-23; give today or a later date\n"
    assert calc(catalog, tmp_path, data, "--date", "2026-11-23")[0] == 0
