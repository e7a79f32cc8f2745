"""Issue 28, the keys-pressed road: ``benchmarks/keys_to_label.py`` drives the real window from a
fresh install by keys alone. The count is a benchmark (printed there, never asserted); this test
asserts the road it measures still goes where it went, with QTest keys only: the first accounts
made and the pharmacy's rules (self-verification allowed), the four lots received, the seed
formula composed and approved as typed, Make a batch opened from the workbench on it with the
prescription filled in, the warnings signed and the batch created (numbered by the records), each
line's lot chosen and its weight typed against the target the lot sets, then Save and Sign as
preparer (the password typed in the signing dialog) by their mnemonics: the batch is prepared,
its acknowledgements standing (the lots' assays move the grams, not what the patient gets). QC,
the blind check, verification and the label are not driven yet (``keys_to_label.NOT_DRIVEN``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import keys_to_label  # noqa: E402 - the benchmark's own road


def test_the_keys_road_makes_the_seed_batch_in_the_records_from_the_approved_formula(qapp, tmp_path, monkeypatch):
    for name, sub in (("COMPOUNDER_SETTINGS_DIR", "settings"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(name, str(tmp_path / sub))  # restored after the test (measure sets the same)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    tally, reached = keys_to_label.measure(tmp_path)

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
    # (born 1948, Beers list), and 120 g at 2 g a day lasts 60 days (> 21 days of cyclobenzaprine,
    # > the 14-day beyond-use date).
    assert set(reached["acknowledged"]) == {"MUSCLE_RELAXANT_OLDER_ADULT", "CYCLOBENZAPRINE_LONG_SUPPLY", "SUPPLY_BEYOND_BUD"}
    assert [said.split(" of ")[0] for said in reached["lots"]] == [f"Received lot {lot[3]}" for lot in keys_to_label.LOTS]
    assert reached["batch"]["number"] is not None, reached["batch"]["said"]  # the records numbered it
    lots_chosen = [lot.split()[0] for lot, _weight in reached["lines"]]  # each line's lot, as received, then its weight
    assert all(weight for _lot, weight in reached["lines"]) and len(lots_chosen) == len(keys_to_label.LOTS)
    assert "refused" not in reached, reached.get("refused")
    assert reached["status"] == "prepared"
    free, other = tally.totals()
    assert free > 0 and other > 0  # counted (the figures themselves are the benchmark's)
