"""No lost update (issue 21, observation 2), on SQLite and PostgreSQL: a save on top of a version
that changed underneath is refused, saying what changed and by whom; an approval or a signature
is of the exact content shown."""

from __future__ import annotations

import pytest

from compounder.records import batches
from compounder.records.edit_versions import EditConflict
from compounder.records.library import FormulaLibrary
from compounder.records.policy import RecordError
from tests.records.helpers import make_pharmacy, new_batch
from tests.records.signing_helpers import credentials_of

KETOPROFEN = {"batch": "100 g", "base": "PLO gel", "actives": [{"ingredient": "ketoprofen", "strength": "5 %"}]}


def with_(data: dict, **changes) -> dict:
    return {**data, **changes}


def strength(percent: str) -> dict:
    return with_(KETOPROFEN, actives=[{"ingredient": "ketoprofen", "strength": percent}])


@pytest.fixture
def pharmacy(sessions, clock, catalog):
    return make_pharmacy(sessions, clock, catalog)


def test_two_workstations_saving_one_formula_the_second_is_refused_and_reapplies_on_the_newest(sessions, clock, pharmacy):
    library = FormulaLibrary(sessions, clock)
    opened = library.add("Ketoprofen gel (house)", KETOPROFEN, pharmacy.technician)
    assert opened.version == 1  # A and B both open version 1

    clock.advance(minutes=5)
    a = library.update(opened.id, strength("4 %"), actor=pharmacy.technician, based_on=opened.version)  # A: 5 → 4 %
    assert a.version == 2
    clock.advance(minutes=1)
    with pytest.raises(EditConflict) as caught:  # B: an excess, on top of version 1
        library.update(opened.id, with_(KETOPROFEN, excess="3 %"), actor=pharmacy.pharmacist, based_on=opened.version)
    message = str(caught.value)
    assert isinstance(caught.value, RecordError) and caught.value.current == 2
    assert message.startswith('"Ketoprofen gel (house)" was changed by tess at 2026-11-23 09:05 UTC since you opened it (version 2, you edited version 1')
    assert "ketoprofen strength 5 % → 4 %" in message and "nothing was saved" in message
    assert library.get(opened.id).data["actives"][0]["strength"] == "4 %"  # A's change stands
    assert len(library.versions(opened.id)) == 2

    # B re-applies its change on the newest: 4 % and the excess.
    b = library.update(opened.id, with_(strength("4 %"), excess="3 %"), actor=pharmacy.pharmacist, based_on=a.version)
    assert b.version == 3
    assert (b.data["actives"][0]["strength"], b.data["excess"]) == ("4 %", "3 %")


def test_an_approval_is_of_the_version_shown_never_of_a_newer_one(sessions, clock, pharmacy):
    library = FormulaLibrary(sessions, clock)
    shown = library.add("Ketoprofen gel (house)", KETOPROFEN, pharmacy.technician)  # the pharmacist looks at 5 %
    clock.advance(minutes=2)
    library.update(shown.id, strength("9 %"), actor=pharmacy.technician, based_on=shown.version)  # a technician saves 9 %

    with pytest.raises(EditConflict, match=r"changed by tess .*ketoprofen strength 5 % → 9 %"):
        library.approve(shown.id, credentials_of(pharmacy.pharmacist), version=shown.version, shown=shown.data)
    with pytest.raises(EditConflict, match="as shown is not its newest version 2: nothing was approved"):
        library.approve(shown.id, credentials_of(pharmacy.pharmacist), version=2, shown=shown.data)  # the number right, the content not
    assert library.approved_version(shown.id) is None  # the 9 % version was not approved

    newest = library.get(shown.id)
    approved = library.approve(shown.id, credentials_of(pharmacy.pharmacist), version=newest.version, shown=newest.data)
    assert approved.approved_at is not None
    assert library.approved_version(shown.id).data["actives"][0]["strength"] == "9 %"  # approved as seen


def test_a_weight_overwritten_by_another_workstation_is_not_signed_by_the_first(sessions, clock, pharmacy):
    record = new_batch(sessions, clock, pharmacy)
    line = record.lines[0]
    with sessions.begin() as s:
        batches.assign_lot(s, pharmacy.technician, record.batch_number, line.position, pharmacy.lots[line.name].id, clock())
    with sessions() as s:
        seen_by_a = batches.batch_record(s, record.batch_number)
        seen_by_b = batches.batch_record(s, record.batch_number)
    target = line.target
    with sessions.begin() as s:  # A enters the target weight
        after_a = batches.enter_weight(s, pharmacy.technician, record.batch_number, line.position, str(target), clock(),
                                       expected_version=seen_by_a.lines[0].version)
    with pytest.raises(EditConflict) as caught, sessions.begin() as s:  # B, on the line as it saw it, overwrites
        batches.enter_weight(s, pharmacy.pharmacist, record.batch_number, line.position, str(target + 1), clock(),
                             expected_version=seen_by_b.lines[0].version)
    assert f"line 1 ({line.name}) of batch {record.batch_number} was changed by tess at 2026-11-23 09:00 UTC (weigh: " in str(caught.value)
    assert f"actual_ug None → {int(target * 1_000_000)}" in str(caught.value)

    # B did overwrite it (a workstation without the check, say): A's signature is of what A saw.
    with sessions.begin() as s:
        batches.enter_weight(s, pharmacy.pharmacist, record.batch_number, line.position, str(target + 1), clock())
    with sessions.begin() as s:
        for other in after_a.lines[1:]:
            batches.assign_lot(s, pharmacy.technician, record.batch_number, other.position, pharmacy.lots[other.name].id, clock())
            batches.enter_weight(s, pharmacy.technician, record.batch_number, other.position, str(other.target), clock())
    with sessions() as s:
        shown_to_a = batches.batch_record(s, record.batch_number)
    stale = after_a.content_hash  # what A saw: its own weight, before B's
    with pytest.raises(EditConflict, match=f"batch {record.batch_number} changed since it was shown"), sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock(), shown=stale)
    with sessions.begin() as s:  # signed as shown (the overwritten weight, now seen): accepted
        signed = batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock(), shown=shown_to_a.content_hash)
    assert signed.lines[0].actual == target + 1


def test_a_patient_profile_saved_meanwhile_is_not_overwritten(sessions, clock, catalog, pharmacy):
    from decimal import Decimal

    from compounder.records.patients import ProfileEntry, save_profile, stored_profile

    patient_id = pharmacy.patient.id
    with sessions() as s:
        seen = stored_profile(s, patient_id)  # both workstations show the profile
    with sessions.begin() as s:  # A records the weight
        a = save_profile(s, pharmacy.pharmacist, patient_id, ProfileEntry(weight_kg=Decimal("62.5")), catalog, clock(),
                         expected_version=seen.version)
    assert a.version == seen.version + 1
    with pytest.raises(EditConflict) as caught, sessions.begin() as s:  # B, on the profile as it saw it, writes a note
        save_profile(s, pharmacy.second_pharmacist, patient_id, ProfileEntry(medication_notes="takes ibuprofen"), catalog, clock(),
                     expected_version=seen.version)
    assert str(caught.value).startswith("the profile of Jane Q. Doe was changed by paula at 2026-11-23 09:00 UTC (profile: ")
    assert "weight_kg None → '62.5'" in str(caught.value)
    with sessions() as s:
        assert stored_profile(s, patient_id).weight_kg == Decimal("62.5")  # A's weight was not wiped
