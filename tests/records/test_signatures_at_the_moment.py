"""Issue 24: each signature is given at the moment it is made (21 CFR 11.200) and cannot be moved to
another record (11.70), on SQLite and on PostgreSQL.

Before: verify, reject, dispense and approve took "whoever is signed in" (an ``Actor``), so a
window left signed in signed for anyone at the keyboard. Now every records function that signs
takes the signer's ``Credentials`` and checks the password in the transaction that stores the
signature: a wrong password stores nothing, and an ``Actor`` alone is refused outright."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from compounder.records import batches, lots, people, station, trail_check
from compounder.records.batches import FindingDecision
from compounder.records.library import FormulaLibrary
from compounder.records.model import AuditEntry, Batch, User
from compounder.records.signing import Credentials
from compounder.records.weighing_policy import SignedReason
from tests.records.helpers import PASSWORD, make_pharmacy, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of
from tests.records.test_weighing_policy import store_policy


@pytest.fixture
def pharmacy(sessions, clock, catalog):
    return make_pharmacy(sessions, clock, catalog)


def _failures(sessions, username: str) -> int:
    with sessions() as s:
        return s.scalar(select(User.failed_sign_ins).where(User.username == username)) or 0


def _entries(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(AuditEntry.sequence).order_by(AuditEntry.sequence.desc()).limit(1))


def _prepared(sessions, clock, pharmacy, rx="RX-1001"):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx=rx))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    return record.batch_number


def _meanings(sessions, clock, pharmacy):
    """Each signing call of the records, given the signer's credentials: (meaning, call, signer)."""
    draft = new_batch(sessions, clock, pharmacy, rx="RX-2001")
    weighed = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx="RX-2002")).batch_number
    prepared = _prepared(sessions, clock, pharmacy, rx="RX-2003")
    library = FormulaLibrary(sessions, clock)
    entry = library.add("Mine", {"base": "Lipoderm"}, pharmacy.pharmacist)
    with sessions.begin() as s:
        batches.assign_lot(s, pharmacy.technician, draft.batch_number, 1, pharmacy.lots[draft.lines[0].name].id, clock())
    store_policy(sessions, clock, pharmacy, balance_required=True)  # a typed weight needs a pharmacist's signed reason
    return [
        ("prepare", lambda s, c: batches.sign_prepared(s, c, weighed, clock()), pharmacy.technician),
        ("check", lambda s, c: batches.sign_checked(s, c, prepared, clock()), pharmacy.second_pharmacist),
        ("verify", lambda s, c: batches.verify(s, c, prepared, clock()), pharmacy.pharmacist),
        ("reject", lambda s, c: batches.reject(s, c, prepared, "jar cracked", clock()), pharmacy.pharmacist),
        ("approve", lambda s, c: library.approve(entry.id, c), pharmacy.pharmacist),
        ("lot receipt", lambda s, c: lots.receive_lot(
            s, c, ingredient="lidocaine", stock_form="lidocaine", manufacturer="Spectrum", lot_number="NEW-1",
            expires=clock().date().replace(year=clock().date().year + 1), quantity="100", potency_percent=None, now=clock()), pharmacy.technician),
        ("hand confirmation", lambda s, c: station.confirm_by_hand(s, c, draft.batch_number, 1, "label torn; lot read by eye", clock()),
         pharmacy.pharmacist),
        ("typed weight's reason", lambda s, c: batches.enter_weight(
            s, pharmacy.technician, draft.batch_number, 1, str(draft.lines[0].target), clock(), signed=SignedReason(c, "balance under repair")),
         pharmacy.pharmacist),
        ("acknowledge", lambda s, c: batches.decide_again(s, draft.batch_number, [FindingDecision("W-NONE", c, "seen")], clock()),
         pharmacy.pharmacist),
    ]


def test_no_signature_is_stored_without_the_signers_password(sessions, clock, pharmacy):
    """For each meaning: a wrong password stores nothing (the trail does not grow); the signed-in
    Actor alone (what the window held before) is refused as no signature at all."""
    outcomes = {}
    for meaning, call, signer in _meanings(sessions, clock, pharmacy):
        before = _entries(sessions)
        for given in (Credentials(signer.username, "not " + PASSWORD), signer):
            try:
                with sessions.begin() as s:
                    call(s, given)
            except (people.AuthenticationFailed, TypeError) as refused:
                outcomes.setdefault(meaning, []).append(str(refused))
        assert _entries(sessions) == before, meaning
    assert outcomes == {
        meaning: ["wrong user name or password", "a signature needs the signer's Credentials (user name and password), not a signed-in Actor"]
        for meaning in ("prepare", "check", "verify", "reject", "approve", "lot receipt", "hand confirmation", "typed weight's reason", "acknowledge")
    }


def test_the_right_password_signs_and_the_records_say_who(sessions, clock, pharmacy):
    number = _prepared(sessions, clock, pharmacy)
    with sessions.begin() as s:
        verified = batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())
        dispensed = batches.dispense(s, credentials_of(pharmacy.technician), number, clock())
    assert verified.verified_by == "Paula Pharmacist, RPh" and verified.verified_at == clock()
    assert dispensed.dispensed_by == "Tess Technician" and dispensed.dispensed_at == clock()


def test_a_signature_refused_for_its_password_is_counted_and_the_fifth_locks(sessions, clock, pharmacy):
    from compounder.records.signing import count_refusal

    number = _prepared(sessions, clock, pharmacy)
    wrong = Credentials("paula", "not her password")
    for attempt in range(1, people.LOCK_AFTER + 1):
        with pytest.raises(people.AuthenticationFailed), sessions.begin() as s:
            batches.verify(s, wrong, number, clock())
        said = str(count_refusal(sessions, wrong, clock()))
        assert _failures(sessions, "paula") == attempt
    assert said.startswith("the account paula is locked after 5 failed sign-ins")
    with pytest.raises(people.AccountLocked), sessions.begin() as s:  # now even her right password
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())


def test_a_switched_off_account_is_told_so_only_with_the_right_password(sessions, clock, pharmacy):
    number = _prepared(sessions, clock, pharmacy)
    with sessions.begin() as s:
        people.set_active(s, pharmacy.admin, "paula", False, clock())
    # A wrong password is told nothing more than for a name no account has: names cannot be probed.
    for who in ("paula", "nobody"):
        with pytest.raises(people.AuthenticationFailed) as refused:
            people.sign_in(sessions, who, "a guess at it", clock())
        assert str(refused.value) == "wrong user name or password"
    expected = "the account paula is switched off, so it can neither sign in nor sign; an administrator switches it back on (Records ▸ Users…)"
    with pytest.raises(people.AccountSwitchedOff) as refused:
        people.sign_in(sessions, "paula", PASSWORD, clock())
    assert str(refused.value) == expected
    with pytest.raises(people.AccountSwitchedOff, match="is switched off"), sessions.begin() as s:
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())


def _problems(sessions) -> list[str]:
    with sessions() as s:
        return [str(problem) for problem in trail_check.problems(s)]


def test_a_verification_copied_to_another_batchs_row_is_reported_by_db_check(sessions, clock, pharmacy):
    """21 CFR 11.70: the signature is the batch row's audited state; copying its columns to
    another batch's row with SQL is found by ``db check`` (the trail replay), naming that batch."""
    signed = _prepared(sessions, clock, pharmacy, rx="RX-1")
    other = _prepared(sessions, clock, pharmacy, rx="RX-2")
    with sessions.begin() as s:
        batches.verify(s, credentials_of(pharmacy.pharmacist), signed, clock())
    assert _problems(sessions) == []
    with sessions.begin() as s:
        source = s.scalars(select(Batch).where(Batch.batch_number == signed)).one()
        s.execute(
            text("UPDATE batch SET status = 'verified', verified_by = :by, verified_at = :at WHERE batch_number = :number"),
            {"by": source.verified_by, "at": source.verified_at, "number": other},
        )
        other_id = s.scalar(select(Batch.id).where(Batch.batch_number == other))
    found = _problems(sessions)
    assert len(found) == 1 and found[0].startswith(f"batch row {other_id}: ") and "changed outside the app" in found[0]
    assert "verified_by" in found[0] and "status" in found[0]


def test_a_finding_decision_moved_to_another_batch_is_reported_by_db_check(sessions, clock, catalog, pharmacy):
    """The pharmacist's signed acknowledgement row given another batch's id: found, naming the row."""
    from compounder.records.model import BatchAcknowledgement
    from tests.records.prescription_fills import fill, order

    first = fill(sessions, clock, catalog, pharmacy, order(), rx="RX-7001")
    second = new_batch(sessions, clock, pharmacy, rx="RX-7002")  # no decision of its own
    with sessions() as s:
        row = s.scalars(select(BatchAcknowledgement).where(BatchAcknowledgement.batch_id == first.id)).first()
    assert row is not None, "the fill has signed decisions"
    assert _problems(sessions) == []
    with sessions.begin() as s:
        s.execute(text("UPDATE batch_acknowledgement SET batch_id = :to WHERE id = :id"), {"to": second.id, "id": row.id})
    found = _problems(sessions)
    assert len(found) == 1 and found[0].startswith(f"batch_acknowledgement row {row.id}: ") and "batch_id" in found[0], found
