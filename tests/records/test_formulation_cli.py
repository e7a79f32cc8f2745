"""Issue 25 from the command line (SQLite and PostgreSQL): `formulas record | show | print` (the
master formulation record, its missing elements named) and `batches deviation | decide-deviation
| remake`; bad input is one line naming the field, exit 2."""

from __future__ import annotations

import json

import pytest

from tests.pdf_text import pdf_text
from tests.records.records_cli import command_line

LIDOCAINE = {"batch": "60 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "4 %"}]}
RECORD = {
    "master_record": {
        "characteristics": {"lidocaine": "USP base, white crystalline powder", "Lipoderm": "PCCA, as supplied"},
        "container_closure": "60 g amber PP jar, screw cap",
        "equipment": ["electronic balance 0.001 g", "ointment slab", "stainless spatula"],
        "description": "smooth, white, uniform cream",
        "bud_reference": "USP <795> (2023) Table 4, nonpreserved aqueous: 14 days refrigerated",
        "labelling": "For external use only; keep in the refrigerator",
        "quality_control": {"appearance": "smooth white cream, no particles", "ph": "5.5 to 7.5"},
        "notes": "Levigate with a little of the base before geometric dilution.",
    },
    "steps": ["Weigh each component.", "Levigate lidocaine with 2 g of Lipoderm.", "Incorporate by geometric dilution.", "Pack and label."],
}


@pytest.fixture(params=("sqlite", "postgresql"))
def cli(request, database_urls, tmp_path, catalog):
    return command_line(database_urls(request.param, "formulation_cli"), tmp_path, catalog)


def write(cli, name: str, data: dict) -> str:
    path = cli.tmp / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_the_master_formulation_record_is_written_shown_approved_and_printed(cli):
    name = "Lidocaine 4 % in Lipoderm"
    assert cli("formulas", "add", write(cli, "f.json", LIDOCAINE), "--name", name, "--user", "tess")[0] == 0
    code, out, _ = cli("formulas", "show", name, "--json")
    assert code == 0 and len(json.loads(out)["missing"]) == 9  # 2 ingredients' characteristics + 7 elements: nothing invented
    code, _, err = cli("formulas", "record", name, write(cli, "bad.json", {"master_record": {"quality_control": {"ph": "9 to 3"}}}), "--user", "tess")
    assert code == 2 and "master_record.quality_control.ph: '9 to 3': give a low end below the high end" in err and err.count("\n") == 1
    code, out, _ = cli("formulas", "record", name, write(cli, "r.json", RECORD), "--user", "tess", "--json")
    assert code == 0 and json.loads(out) == {"id": 1, "name": name, "version": 2, "approved": False, "missing": []}
    code, out, _ = cli("formulas", "approve", name, "--user", "paula")
    assert code == 0 and "container–closure system added: 60 g amber PP jar, screw cap" in out
    code, out, _ = cli("formulas", "show", name)
    assert code == 0 and out.startswith(f"{name}, version 2 — approved by Paula ") and "every element is written" in out
    code, out, _ = cli("formulas", "print", name, "--out", str(cli.tmp / "mfr.pdf"), "--pharmacy-settings", cli.settings)
    assert code == 0
    text = pdf_text((cli.tmp / "mfr.pdf").read_bytes())
    for element in ("MASTER FORMULATION RECORD", "USP base, white crystalline powder", "60 g amber PP jar, screw cap", "ointment slab",
                    "Levigate lidocaine with 2 g of Lipoderm.", "smooth, white, uniform cream", "14 days refrigerated",
                    "For external use only; keep in the refrigerator", "pH 5.5 to 7.5", "60.000 g × 4 % = 2.400 g lidocaine",
                    "accepted 58.800 to 61.200 g", "Levigate with a little of the base", "version 2 — approved by Paula"):
        assert element in text, element
    assert "MISSING" not in text


def test_deviations_and_a_remake_from_the_command_line(cli):
    name = "Lidocaine 4 % in Lipoderm"
    assert cli("formulas", "add", write(cli, "f.json", LIDOCAINE), "--name", name, "--user", "tess")[0] == 0
    assert cli("formulas", "approve", name, "--user", "paula")[0] == 0
    order = write(cli, "order.json", {"prescription": {"directions": "Apply twice a day", "quantity": "60 g", "refills": 3}})
    numbers = []
    for rx in ("RX-9", "RX-10"):
        code, out, err = cli("batches", "make", "--formula", name, "--patient", "Jane Doe", "--born", "1978-03-02", "--rx", rx,
                             "--prescriber", "Dr. A. Smith", "--order", order, "--user", "tess", "--pharmacy-settings", cli.settings, "--json")
        assert code == 0, err
        numbers.append(json.loads(out)["batch_number"])
    first, second = numbers
    code, out, _ = cli("batches", "deviation", first, "--description", "mixed by hand", "--reason", "mill broken", "--user", "tess", "--json")
    assert code == 0 and json.loads(out)["deviations"][0]["decision"] is None
    code, _, err = cli("batches", "decide-deviation", first, "--deviation", "1", "--decision", "accepted", "--user", "tess")
    assert code == 2 and "only a pharmacist decides on a deviation" in err
    code, _, err = cli("batches", "decide-deviation", first, "--deviation", "1", "--decision", "rejected", "--note", "not uniform",
                       "--user", "paula")
    assert code == 0
    code, _, err = cli("batches", "remake", second, "--replaces", first, "--reason", "the first was not uniform", "--user", "tess")
    assert code == 2 and f"batch {first} is draft" in err  # a remake replaces a rejected, verified or dispensed batch


def test_a_batch_made_on_the_command_line_prints_its_master_formulas_own_steps(cli):
    """Seen on a worksheet printed from ``batches make``: the master formulation record listed the
    formula's four steps, the batch's worksheet Compounder's seven general ones (the window's Make
    a batch took the formula's; the command line did not)."""
    name = "Lidocaine 4 % in Lipoderm"
    assert cli("formulas", "add", write(cli, "f.json", LIDOCAINE), "--name", name, "--user", "tess")[0] == 0
    assert cli("formulas", "record", name, write(cli, "r.json", RECORD), "--user", "tess")[0] == 0
    assert cli("formulas", "approve", name, "--user", "paula")[0] == 0
    order = write(cli, "order.json", {"prescription": {"directions": "Apply twice a day", "quantity": "60 g", "refills": 0}})
    code, out, err = cli("batches", "make", "--formula", name, "--patient", "Jane Doe", "--born", "1978-03-02", "--rx", "RX-11",
                         "--prescriber", "Dr. A. Smith", "--order", order, "--user", "tess", "--pharmacy-settings", cli.settings, "--json")
    assert code == 0, err
    number = json.loads(out)["batch_number"]
    code, _, err = cli("batches", "worksheet", number, "--out", str(cli.tmp / "w.pdf"), "--user", "tess", "--pharmacy-settings", cli.settings)
    assert code == 0, err
    text = pdf_text((cli.tmp / "w.pdf").read_bytes())
    for step in RECORD["steps"]:
        assert step in text
    assert "Reduce lidocaine to a fine powder" not in text  # a general step the formula replaces
