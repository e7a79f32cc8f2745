"""Issue 26: after ``compounder settings --init`` the worksheet and label printed the unedited
example pharmacy ("Main Street…", licence 054-000000) with exit 0; they are refused until the
pharmacy's own details are entered."""

from __future__ import annotations

import dataclasses
import json

import pytest

from compounder.calc.label_stock import LABEL_STOCKS
from compounder.documents.batch import label_pdf, worksheet_pdf
from compounder.settings import EXAMPLE, SettingsError, settings_from_data, settings_path
from tests.cli.test_documents_cli import cli, issue_formula, write
from tests.documents.helpers import evaluated, pharmacy


# The file command prints the calculation sheet only (a label comes from a batch in the records,
# whose printing ``records.printing`` refuses the same way).
@pytest.mark.parametrize("command", ["worksheet"])
def test_the_command_line_refuses_the_example_pharmacy_in_one_line(catalog, tmp_path, command):
    assert cli(catalog, "settings", "--init")[0] == 0
    code, out, err = cli(catalog, command, str(write(tmp_path, issue_formula())), "--out", str(tmp_path / "out.pdf"))
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "licence" in err and "example" in err and "settings --init" in err
    assert not (tmp_path / "out.pdf").exists() and out == ""


def test_once_the_licence_is_the_pharmacys_own_the_documents_print(catalog, tmp_path):
    assert cli(catalog, "settings", "--init")[0] == 0
    path = settings_path()
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "licence": "IL pharmacy licence 054-118822"}), encoding="utf-8")
    code, _out, err = cli(catalog, "worksheet", str(write(tmp_path, issue_formula())), "--out", str(tmp_path / "out.pdf"))
    assert code == 0, err
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF-")


def test_the_documents_refuse_the_example_pharmacy(catalog):
    plan, order, on = evaluated(catalog, issue_formula())
    example = settings_from_data(EXAMPLE)
    with pytest.raises(SettingsError) as refused:
        worksheet_pdf(plan, order, catalog, on, example)
    assert refused.value.field == "licence"
    with pytest.raises(SettingsError):
        label_pdf(plan, order, catalog, on, example, LABEL_STOCKS["thermal-4x2"])
    # the licence alone is what makes it the example's: a pharmacy on a Main Street is still printed
    own = dataclasses.replace(example, licence="IL pharmacy licence 054-118822")
    assert worksheet_pdf(plan, order, catalog, on, own).startswith(b"%PDF-")
    assert not pharmacy().is_example


def test_the_example_licence_is_recognised_however_it_is_spaced():
    assert settings_from_data({**EXAMPLE, "licence": "IL  pharmacy licence 054-000000"}).is_example
