"""Issue 28, observation 2 (the command line): a formula file has no batch, so `compounder worksheet
FILE` writes a calculation sheet marked as not a compounding record (no batch number, no patient,
no signature block) and `compounder label FILE` is refused in one line naming the records' command."""

from __future__ import annotations

import pytest

from tests.cli.test_documents_cli import cli, issue_formula, write
from tests.pdf_text import pdf_text


def test_file_worksheet_is_a_calculation_sheet_without_the_typed_batch_number(catalog, tmp_path, settings_file):
    out = tmp_path / "sheet.pdf"
    data = issue_formula(batch_number="261206-001")  # the number the issue saw printed, then issued to another patient
    code, stdout, stderr = cli(catalog, "worksheet", str(write(tmp_path, data)), "--out", str(out))
    assert (code, stderr) == (0, "")
    text = pdf_text(out.read_bytes())
    assert "CALCULATION SHEET" in text and "NOT A COMPOUNDING RECORD" in text
    assert "261206-001" not in text  # no batch number, no barcode
    assert data["prescription"]["patient"] not in text and data["prescription"]["rx_number"] not in text
    assert "Signatures" not in text and "Verified by" not in text
    # The arithmetic stays: lidocaine 5 % of 120 g = 6.000 g as lidocaine base, weighed as the
    # hydrochloride monohydrate: 6.000 × 288.81 / 234.34 = 7.395 g, ÷ 0.995 potency = 7.432 g.
    assert "7.432" in text


def test_file_label_is_refused_naming_the_records_command(catalog, tmp_path, settings_file):
    out = tmp_path / "label.pdf"
    code, stdout, stderr = cli(catalog, "label", str(write(tmp_path, issue_formula())), "--out", str(out))
    assert code == 2 and stdout == ""
    assert stderr.count("\n") == 1 and "compounder batches label NUMBER" in stderr
    assert not out.exists()


@pytest.mark.parametrize("argv", [["label"], ["label", "formula.json"]])
def test_label_without_its_old_options_is_refused_the_same_way(catalog, tmp_path, argv):
    code, _, stderr = cli(catalog, *argv)
    assert code == 2 and stderr.count("\n") == 1 and "compounder batches label NUMBER" in stderr
