"""A refill shows what changed in the formula since the patient's last batch on the same Rx."""

from __future__ import annotations

import copy

from compounder.records import batches
from compounder.records.library import FormulaLibrary
from compounder.records.refill import formula_changes, refill_changes
from tests.records.helpers import make_pharmacy, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of

FORMULA = {
    "name": "Mine", "batch": "120 g", "base": "Lipoderm",
    "actives": [{"ingredient": "diclofenac sodium", "strength": "3 %"}, {"ingredient": "lidocaine", "strength": "5 %"}],
}


def test_formula_changes_name_each_difference():
    after = copy.deepcopy(FORMULA)
    after["name"] = "Renamed"
    assert formula_changes(FORMULA, after) == []
    after["actives"][0]["strength"] = "5 %"
    after["actives"].pop(1)
    after["actives"].append({"ingredient": "baclofen", "strength": "2 %"})
    after["base"] = "VersaBase"
    after["excess"] = "5 %"
    assert formula_changes(FORMULA, after) == [
        "baclofen added (strength 2 %)",
        "diclofenac sodium strength: 3 % → 5 %",
        "lidocaine removed",
        "base: Lipoderm → VersaBase",
        "excess: none → 5 %",
    ]


def test_a_refill_on_a_new_version_lists_the_changes(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    first = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx="RX-9"))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), first.batch_number, clock())
    with sessions() as s:
        assert refill_changes(s, pharmacy.patient.id, "RX-9", pharmacy.version_id).changes == ()
        assert refill_changes(s, pharmacy.patient.id, "RX-10", pharmacy.version_id) is None
    library = FormulaLibrary(sessions, clock)
    entry = library.add("Stronger", FORMULA)
    data = copy.deepcopy(FORMULA)
    data["actives"][1]["strength"] = "4 %"
    library.update(entry.id, data)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    versions = library.versions(entry.id)
    assert [v.version for v in versions] == [1, 2] and versions[0].approved_at is None and versions[1].approved_at is not None
    with sessions() as s:
        diff = refill_changes(s, pharmacy.patient.id, "RX-9", versions[1].id)
    assert diff.previous_batch == first.batch_number
    assert diff.changes[0].startswith("a different master formula:")
    assert "lidocaine strength: 5 % → 4 %" in diff.changes
    assert any("cyclobenzaprine" in change and "removed" in change for change in diff.changes)


def test_a_refill_is_compared_with_the_last_batch_made_not_a_rejected_or_draft_one(sessions, clock, catalog):
    """The patient received the prepared batch; a later rejected batch and a later draft never
    left the pharmacy, so the refill is compared with the prepared one."""
    pharmacy = make_pharmacy(sessions, clock, catalog)
    with sessions() as s:
        assert refill_changes(s, pharmacy.patient.id, "RX-9", pharmacy.version_id) is None
    made = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx="RX-9"))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), made.batch_number, clock())
    rejected = new_batch(sessions, clock, pharmacy, rx="RX-9")
    with sessions.begin() as s:
        batches.reject(s, credentials_of(pharmacy.pharmacist), rejected.batch_number, "wrong base picked up", clock())
    new_batch(sessions, clock, pharmacy, rx="RX-9")  # a draft, never prepared
    with sessions() as s:
        assert refill_changes(s, pharmacy.patient.id, "RX-9", pharmacy.version_id).previous_batch == made.batch_number
