"""Issue 28, the keys-pressed road: ``benchmarks/keys_to_label.py`` drives the real window from a
fresh install by keys alone. The count is a benchmark (printed there, never asserted); this test
asserts the road it measures still goes where it went, with QTest keys only: the first accounts
made, the administrator signed in by them and the pharmacy settings chained at once (its rules:
self-verification allowed, by the administrator), then the pharmacist's own sign-in; the four lots
of one delivery added (each from its ingredient, a salt's stock form filled in from it) and received
under one signature, their labels in one preview, the seed
formula composed and approved as typed, Make a batch opened from the workbench on it with the
prescription filled in, the warnings signed and the batch created (numbered by the records), each
line's lot chosen and its weight typed against the target the lot sets (Enter on to the next
line's lot), then Sign as preparer by its mnemonic, which saves the lines typed (the password
typed in the signing dialog): the batch is prepared,
its acknowledgements standing (the lots' assays move the grams, not what the patient gets); then
the QC results the master formula asks, the same pharmacist's blind check (matched) and
verification (self-verification, the pharmacy's setting: recorded with the same signer as the
preparer), and the label printed from the verified batch to the spooler's printer (a throw-away
CUPS scheduler with a PDF printer, tests/cupsd.py): the printed PDF names the batch and patient."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import keys_to_label  # noqa: E402 - the benchmark's own road


def test_the_keys_road_makes_the_seed_batch_in_the_records_from_the_approved_formula(qapp, tmp_path, monkeypatch, cups_spooler):
    for key, value in cups_spooler.environment.items():
        monkeypatch.setenv(key, value)
    queue = cups_spooler.add_pdf_printer("0-label")  # sorted first: the print dialog offers it
    for name, sub in (("COMPOUNDER_SETTINGS_DIR", "settings"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(name, str(tmp_path / sub))  # restored after the test (measure sets the same)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    tally, reached = keys_to_label.measure(tmp_path)

    assert reached["administrator"] == f"Signed in as {keys_to_label.ADMIN} (administrator)"  # by the first accounts, before the settings
    assert reached["signed in"] == f"Signed in as {keys_to_label.PHARMACIST} (pharmacist)"
    approved = reached["approved"]
    assert approved is not None
    assert [(a["ingredient"], a["strength"]) for a in approved["actives"]] == list(keys_to_label.FORMULA["actives"])
    assert approved["batch"] == "120 g" and approved["base"] == "Lipoderm"
    assert approved["directions"] == {"amount": "1 g", "times_per_day": 2}
    assert approved["density"] == keys_to_label.FORMULA["density"]  # Enter from Base went on through Batch and Density
    # One approval dialog: saved under the name derived from the content (no name typed), and approved
    assert approved["name"] == "Diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 % in Lipoderm"
    batch = reached["batch dialog"]
    assert batch["formula"].startswith("Diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 %")
    assert (batch["patient"], batch["rx"], batch["quantity"], batch["container"]) == ("Jane Q. Doe", "RX-3003", "120 g", "Topi-CLICK 120 mL")
    assert batch["said"].startswith("From the workbench:")
    assert reached["pharmacy"].allow_self_verification
    # The seed prescription's warnings, each acknowledged with a signed reason: the patient is 78
    # (born 1948, Beers list), and 120 g at 1 g twice a day = 2 g a day lasts 120 / 2 = 60 days, beyond
    # the 14-day beyond-use date. No duration warning for cyclobenzaprine: no source sets one for topical use.
    assert set(reached["acknowledged"]) == {"MUSCLE_RELAXANT_OLDER_ADULT", "SUPPLY_BEYOND_BUD"}
    # The four lots received together under one signature, their labels in one preview (issue 28).
    assert reached["lots"].startswith(f"Received {len(keys_to_label.LOTS)} lots: ")
    assert [said.split(" of ")[0] for said in reached["lots"].split(": ", 1)[1].split("; ")] == [lot[3] for lot in keys_to_label.LOTS]
    assert reached["lot label previews"] == 1
    assert reached["batch"]["number"] is not None, reached["batch"]["said"]  # the records numbered it
    lots_chosen = [lot.split()[0] for lot, _weight in reached["lines"]]  # each line's lot, as received, then its weight
    assert all(weight for _lot, weight in reached["lines"]) and len(lots_chosen) == len(keys_to_label.LOTS)
    assert "refused" not in reached, reached.get("refused")
    assert reached["status"] == "prepared"
    assert keys_to_label.NOT_DRIVEN == ()
    # The QC the master formula asks, entered: 119.5 g of 120 g is a yield of 119.5 / 120 = 99.58 % → 99.6 %,
    # inside 120 g ± 5 % = 114 to 126 g; the appearance as typed. Nothing left for verification to wait for.
    assert reached["qc asked"] == ["final_weight", "appearance"]
    assert "119.5 g of 120 g theoretical" in reached["qc"] and "yield 99.6 %" in reached["qc"]
    assert keys_to_label.APPEARANCE in reached["qc"] and reached["qc missing"] == ""
    # The blind check: every active's grams and mg per click, the pharmacist's own figures matched and recorded.
    assert len(reached["blind check asked"]) == 6 and reached["blind check"].startswith("Your 6 figure(s) match the plan (recorded)")
    verified = reached["verified"]
    assert verified["status"] == "verified", verified["said"]
    assert verified["verified by"] == verified["prepared by"] == "Paula Pharmacist, RPh"  # self-verification, as the pharmacy allows
    number = reached["batch"]["number"]
    assert reached["label"] == {"batch": number, "said": ""}  # printed, and the print recorded (nothing said)
    assert reached["printed to"] == queue
    [printed] = cups_spooler.printed(queue)
    text = subprocess.run(["pdftotext", str(printed), "-"], capture_output=True, text=True, check=True).stdout
    assert number in text and "Jane Q. Doe" in text and "RX-3003" in text
    free, other = tally.totals()
    assert free > 0 and other > 0  # counted (the figures themselves are the benchmark's)
