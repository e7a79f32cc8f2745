"""``compounder worksheet`` (a formula file's calculation sheet) and ``compounder label`` (refused for a
file): files written, exit codes, one-line refusals."""

from __future__ import annotations

import io
import json

import pytest

from compounder.cli import run
from tests.conftest import TODAY
from tests.documents.helpers import PHARMACY
from tests.documents.helpers import issue_formula as _issue_formula


def issue_formula(**changes):
    """The issue's formula as the command line checks it against its prescription, which also
    screens the patient by the prescription's date of birth: a patient of 48 (no age rule applies)
    and 40 g dispensed with no refills, which at 1 g three times a day lasts 40 / 3 = 13.3 days,
    inside the 14-day beyond-use date (120 g would last 40 days: SUPPLY_BEYOND_BUD); the 120 g
    batch is 3 times the 40 g fill, not more than 3 times (a 20 g fill, 6 times, would be taken
    for a slipped digit: BATCH_FAR_ABOVE_PRESCRIPTION)."""
    data = _issue_formula(**changes)
    data["prescription"] = {**data["prescription"], "date_of_birth": "1978-03-02", "quantity": "40 g", "refills": 0}
    return data


def cli(catalog, *argv):
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), load_catalog=lambda _path: catalog, today=TODAY, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path, data, name="formula.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["worksheet"])
def test_writes_a_pdf(catalog, tmp_path, settings_file, command):
    out = tmp_path / f"{command}.pdf"
    code, stdout, stderr = cli(catalog, command, str(write(tmp_path, issue_formula())), "--out", str(out))
    assert (code, stderr) == (0, "")
    assert out.read_bytes().startswith(b"%PDF-")
    assert f"wrote {out}" in stdout


def test_a_calculation_sheet_needs_no_prescription_field(catalog, tmp_path, settings_file):
    """The sheet prints no batch number, Rx, patient or prescriber, so none is asked for (the
    worksheet of a formula file once refused a file without its Rx number)."""
    data = issue_formula()
    del data["prescription"]["rx_number"], data["batch_number"]
    out = tmp_path / "x.pdf"
    code, _, stderr = cli(catalog, "worksheet", str(write(tmp_path, data)), "--out", str(out))
    assert (code, stderr) == (0, "") and out.exists()


def test_unacknowledged_warning_exits_1_and_writes_nothing(catalog, tmp_path, settings_file):
    data = issue_formula(actives=[{"ingredient": "ketoprofen", "strength": "10 %"}, {"ingredient": "ibuprofen", "strength": "5 %"}])
    out = tmp_path / "w.pdf"
    code, _, stderr = cli(catalog, "worksheet", str(write(tmp_path, data)), "--out", str(out))
    assert code == 1 and "DUPLICATE_NSAID" in stderr and not out.exists()
    data["acknowledged"] = [{"code": "DUPLICATE_NSAID", "by": "J. Kim, RPh", "reason": "prescriber confirmed"}]
    code, _, stderr = cli(catalog, "worksheet", str(write(tmp_path, data)), "--out", str(out))
    assert (code, stderr) == (0, "") and out.exists()


def test_missing_settings_exit_2(catalog, tmp_path):
    code, _, stderr = cli(catalog, "worksheet", str(write(tmp_path, issue_formula())), "--out", str(tmp_path / "l.pdf"))
    assert code == 2 and "no pharmacy settings" in stderr and "--pharmacy-settings" in stderr


def test_pharmacy_settings_option_and_bad_settings(catalog, tmp_path):
    path = tmp_path / "elsewhere.json"
    path.write_text(json.dumps({**PHARMACY, "worksheet_paper": "legal"}), encoding="utf-8")
    code, _, stderr = cli(catalog, "worksheet", str(write(tmp_path, issue_formula())), "--out", str(tmp_path / "w.pdf"),
                          "--pharmacy-settings", str(path))
    assert code == 2 and "worksheet_paper" in stderr and stderr.count("\n") == 1
    path.write_text(json.dumps(PHARMACY), encoding="utf-8")
    code, _, _ = cli(catalog, "worksheet", str(write(tmp_path, issue_formula())), "--out", str(tmp_path / "w.pdf"),
                     "--pharmacy-settings", str(path))
    assert code == 0


def test_paper_option(catalog, tmp_path, settings_file):
    formula = str(write(tmp_path, issue_formula()))
    assert cli(catalog, "worksheet", formula, "--out", str(tmp_path / "a4.pdf"), "--paper", "a4")[0] == 0


def test_out_is_required_and_unwritable_out_is_refused(catalog, tmp_path, settings_file):
    formula = str(write(tmp_path, issue_formula()))
    assert cli(catalog, "worksheet", formula)[0] == 2
    code, _, stderr = cli(catalog, "worksheet", formula, "--out", str(tmp_path / "missing-dir" / "w.pdf"))
    assert code == 2 and "--out" in stderr


def test_calc_still_accepts_a_file_with_the_document_keys(catalog, tmp_path):
    code, stdout, _ = cli(catalog, "calc", str(write(tmp_path, issue_formula())))
    assert code == 0 and "7.432" in stdout


def test_settings_command(catalog, tmp_path):
    code, stdout, _ = cli(catalog, "settings", "--example")
    assert code == 0 and json.loads(stdout)["schema_version"] == 1
    code, stdout, _ = cli(catalog, "settings")
    assert str(tmp_path / "settings" / "pharmacy.json") in stdout
