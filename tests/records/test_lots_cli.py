"""Issue 25 from the command line: `compounder lots receive | release | adjust | loss | destroy | void |
list | ledger | inventory | reconcile`, with --json, on SQLite and PostgreSQL; bad input one line,
exit 2."""

from __future__ import annotations

import json

import pytest

from tests.pdf_text import pdf_text
from tests.records.records_cli import command_line

KETAMINE = ("lots", "receive", "--ingredient", "ketamine hydrochloride", "--stock-form", "ketamine hydrochloride", "--manufacturer", "Medisca",
            "--lot", "K-1", "--expires", "2027-12-31", "--quantity", "25")
PAPERS = ("--controlled-supplier", "Medisca Inc.", "--controlled-supplier-address", "661 Route 3, Plattsburgh NY 12901",
          "--supplier-dea", "AB1234563", "--invoice", "INV-5501")


@pytest.fixture(params=("sqlite", "postgresql"))
def cli(request, database_urls, tmp_path, catalog):
    return command_line(database_urls(request.param, "lots_cli"), tmp_path, catalog)


def test_a_quarantined_lot_is_refused_by_batches_make_and_released_by_a_pharmacist(cli):
    tmp = cli.tmp
    (tmp / "lidocaine.json").write_text(json.dumps(
        {"batch": "60 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "4 %"}]}), encoding="utf-8")
    (tmp / "order.json").write_text(json.dumps(
        {"prescription": {"directions": "Apply a thin layer to the knee twice a day", "quantity": "60 g", "refills": 0}}), encoding="utf-8")
    assert cli("formulas", "add", str(tmp / "lidocaine.json"), "--name", "Lidocaine 4 % in Lipoderm", "--user", "tess")[0] == 0
    assert cli("formulas", "approve", "Lidocaine 4 % in Lipoderm", "--user", "paula")[0] == 0
    code, out, _ = cli("lots", "receive", "--ingredient", "lidocaine", "--stock-form", "lidocaine", "--manufacturer", "Spectrum", "--lot", "LB-1",
                       "--expires", "2027-12-31", "--quantity", "100", "--user", "tess")
    assert code == 0 and out.endswith("in quarantine until a pharmacist releases it (compounder lots release)\n")
    assert cli("lots", "receive", "--ingredient", "Lipoderm", "--stock-form", "Lipoderm", "--manufacturer", "PCCA", "--lot", "LD-1",
               "--expires", "2027-12-31", "--quantity", "500", "--user", "paula", "--release")[0] == 0
    make = ("batches", "make", "--formula", "Lidocaine 4 % in Lipoderm", "--patient", "Jane Doe", "--born", "1978-03-02", "--rx", "RX-1",
            "--prescriber", "Dr. A. Smith", "--order", str(tmp / "order.json"), "--tolerance", "5", "--lot", "1=LB-1", "--lot", "2=LD-1",
            "--user", "tess", "--pharmacy-settings", cli.settings)
    code, _, err = cli(*make)
    assert code == 2 and err.startswith("compounder: lot LB-1 of lidocaine cannot be used: it is in quarantine") and err.count("\n") == 1
    code, _, err = cli("lots", "release", "LB-1", "--expires", "2027-12-31", "--identity-confirmed", "--user", "tess")
    assert code == 2 and "only a pharmacist may release a lot from quarantine" in err
    code, out, _ = cli("lots", "release", "LB-1", "--expires", "2027-12-31", "--identity-confirmed", "--user", "paula", "--json")
    assert code == 0 and json.loads(out)["status"] == "released"
    assert cli(*make)[0] == 0


def test_the_controlled_ledger_and_inventory_from_the_command_line(cli):
    tmp = cli.tmp
    code, _, err = cli(*KETAMINE, "--user", "paula", "--release")
    assert code == 2 and "--controlled-supplier: ketamine hydrochloride is C-III" in err
    code, out, _ = cli(*KETAMINE, *PAPERS, "--user", "paula", "--release", "--json")
    assert code == 0 and json.loads(out)["schedule"] == "C-III" and json.loads(out)["status"] == "released"
    assert cli("lots", "adjust", "K-1", "--change", "-0.25", "--reason", "count: container 0.25 g short", "--user", "paula")[0] == 0
    code, out, _ = cli("lots", "loss", "K-1", "--kind", "theft", "--quantity", "1.75", "--discovered", "2026-11-23", "--type",
                       "employee pilferage", "--police", "Springfield PD report 26-1183", "--reason", "found opened in the safe",
                       "--user", "paula", "--json")
    assert code == 0 and json.loads(out)["on_hand_grams"] == "23"
    code, _, err = cli("lots", "destroy", "K-1", "--quantity", "3", "--destroyed", "2026-11-23", "--method", "denaturing kit",
                       "--witness", "paula", "--reason", "contaminated when the container fell", "--user", "paula")
    assert code == 2 and "the witness must be another person" in err
    code, out, err = cli("lots", "destroy", "K-1", "--quantity", "3", "--destroyed", "2026-11-23", "--method", "denaturing kit",
                         "--witness", "tess", "--reason", "contaminated when the container fell", "--user", "paula", "--json")
    # By hand: 25 − 0.25 − 1.75 − 3 = 20 g.
    assert code == 0, err
    assert json.loads(out)["on_hand_grams"] == "20"
    code, out, err = cli("lots", "ledger", "--json", "--out", str(tmp / "ledger.pdf"), "--registration", "BM1234563", "--pharmacy-settings", cli.settings)
    assert code == 0, err
    [lot] = json.loads(out)["lots"]
    assert code == 0 and [(e["kind"], e["change_grams"], e["balance_grams"]) for e in lot["entries"]] == [
        ("receipt", "25", "25"), ("adjustment", "-0.25", "24.75"), ("theft", "-1.75", "23"), ("destruction", "-3", "20")]
    text = pdf_text((tmp / "ledger.pdf").read_bytes())
    assert "C-III ketamine hydrochloride" in text and "DEA AB1234563, invoice INV-5501" in text and "Paula (paula), witness Tess (tess)" in text
    code, out, _ = cli("lots", "inventory", "--when", "close", "--out", str(tmp / "inventory.pdf"), "--json",
                       "--pharmacy-settings", cli.settings)
    assert code == 0 and [(line["schedule"], line["lot"], line["on_hand_grams"]) for line in json.loads(out)["lines"]] == [("C-III", "K-1", "20")]
    inventory = pdf_text((tmp / "inventory.pdf").read_bytes())
    assert "Biennial controlled-substance inventory" in inventory and "close of business" in inventory and "K-1" in inventory
    code, out, _ = cli("lots", "reconcile", "--json")
    assert code == 0 and json.loads(out) == {"lots_checked": 1, "differences": []}
    code, _, err = cli("lots", "adjust", "K-1", "--change", "much", "--reason", "count", "--user", "paula")
    assert code == 2 and err.count("\n") == 1 and "'much' is not a weight" in err
