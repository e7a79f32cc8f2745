"""Issue 13's attacks, each tried against a real database on SQLite and on PostgreSQL: an
attacker with SQL write access forging audit entries (recomputing the SHA-256 chain, stripping the
keying, signing with a key of their own), an account switched off or demoted after signing in, six
failed sign-ins, a sign-in on an empty database. Every one must be refused or found."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text, update

from compounder.records import audit, batches, lots, people, trail_check
from compounder.records.audit_keys import KeyRing, key_id, new_key
from compounder.records.model import AuditEntry, AuditHead, IngredientLot, User
from compounder.records.policy import PermissionRefused, RecordError, Role
from tests.records.helpers import PASSWORD, make_pharmacy, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of


def forge(session, table_name: str, row_id: int, old: dict | None, *, key: bytes | None = None) -> None:
    """What an attacker with write access to the database does to hide a change: append an
    entry for it exactly as ``audit.record`` would, hashed with SHA-256 (the old, public
    algorithm) or signed with a key of their own, and move the head onto it."""
    head = session.execute(select(AuditHead.sequence, AuditHead.last_hash).where(AuditHead.id == 1)).one()
    new = audit.snapshot(session, table_name, row_id)
    fields = {
        "sequence": head.sequence + 1, "at": session.scalar(select(func.max(AuditEntry.at))), "user_id": None, "username": "admin",
        "action": "change role", "table_name": table_name, "row_id": row_id, "old": audit.canonical(old) if old else None,
        "new": audit.canonical(new),
    }
    digest = audit.entry_mac(key, head.last_hash, fields) if key else audit.entry_hash(head.last_hash, fields)
    session.add(AuditEntry(**fields, previous_hash=head.last_hash, hash=digest))
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(sequence=head.sequence + 1, last_hash=digest))
    session.flush()


@pytest.fixture
def pharmacy(sessions, clock, catalog):
    return make_pharmacy(sessions, clock, catalog)


def test_the_trail_is_signed_from_its_first_entry_with_this_workstations_key(sessions, pharmacy):
    with sessions() as s:
        head = s.execute(select(AuditHead.__table__)).mappings().one()
        first = s.execute(select(AuditEntry).where(AuditEntry.sequence == head["keyed_from"])).scalar_one()
        ring = audit.key_ring(s)
        assert first.action == audit.KEYED and json.loads(first.new) == {"key_id": head["key_id"]}
        assert head["key_id"] == ring.newest
        # Every entry from there is HMAC-SHA256 under the key, not the public SHA-256.
        last = s.execute(select(AuditEntry.__table__).order_by(AuditEntry.sequence.desc()).limit(1)).mappings().one()
        assert last["hash"] == audit.entry_mac(ring.keys[ring.newest], last["previous_hash"], last)
        assert last["hash"] != audit.entry_hash(last["previous_hash"], last)
        assert trail_check.problems(s) == []


def test_a_technician_made_pharmacist_with_a_recomputed_sha256_entry_is_found(sessions, pharmacy):
    with sessions.begin() as s:
        old = audit.snapshot(s, "app_user", pharmacy.technician.id)
        s.execute(update(User).where(User.username == "tess").values(role="pharmacist"))
        forge(s, "app_user", pharmacy.technician.id, old)
    with sessions() as s:
        problems = [str(p) for p in trail_check.problems(s)]
    head = problems[0]
    assert "is not signed with the pharmacy key: the entry was forged or edited" in head, problems
    assert len(problems) == 1


def test_a_kilogram_added_to_a_lot_and_signed_with_the_attackers_own_key_is_found(sessions, pharmacy):
    lot = pharmacy.lots[next(iter(pharmacy.lots))]
    with sessions.begin() as s:
        old = audit.snapshot(s, "ingredient_lot", lot.id)
        # 1 kg = 1 000 g = 1 000 000 000 µg more received and remaining.
        s.execute(update(IngredientLot).where(IngredientLot.id == lot.id).values(
            received_ug=IngredientLot.received_ug + 1_000_000_000, remaining_ug=IngredientLot.remaining_ug + 1_000_000_000))
        forge(s, "ingredient_lot", lot.id, old, key=new_key())
    with sessions() as s:
        problems = [str(p) for p in trail_check.problems(s)]
    assert len(problems) == 1 and "is not signed with the pharmacy key" in problems[0], problems


def test_a_whole_chain_recomputed_without_the_key_is_found(sessions, pharmacy):
    """The attacker strips the keying (``keyed_from`` NULL) and recomputes every entry with SHA-256."""
    with sessions.begin() as s:
        s.execute(update(User).where(User.username == "tess").values(role="pharmacist"))
        previous = audit.GENESIS
        for entry in s.scalars(select(AuditEntry).order_by(AuditEntry.sequence)).all():
            if entry.table_name == "app_user" and entry.row_id == pharmacy.technician.id:
                state = json.loads(entry.new)
                state["role"] = "pharmacist"
                entry.new = audit.canonical(state)
            entry.previous_hash = previous
            s.flush()
            row = s.execute(select(AuditEntry.__table__).where(AuditEntry.id == entry.id)).mappings().one()
            entry.hash = previous = audit.entry_hash(previous, row)
            s.flush()
        s.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=previous, keyed_from=None, key_id=None))
    with sessions() as s:
        problems = [str(p) for p in trail_check.problems(s)]
    assert problems == [
        ("audit_head row 1: no entry of the audit trail is signed with the pharmacy key: the trail was never keyed "
        "(run `compounder db migrate`) or its signatures were stripped by hand")
    ]


def test_the_key_start_moved_past_a_forged_stretch_is_found(sessions, pharmacy):
    """The attacker recomputes the tail with SHA-256 and moves ``keyed_from`` to its end."""
    with sessions.begin() as s:
        old = audit.snapshot(s, "app_user", pharmacy.technician.id)
        s.execute(update(User).where(User.username == "tess").values(role="pharmacist"))
        forge(s, "app_user", pharmacy.technician.id, old)
        last = s.scalar(select(AuditHead.sequence))
        s.execute(update(AuditHead).where(AuditHead.id == 1).values(keyed_from=last))
    with sessions() as s:
        problems = [str(p) for p in trail_check.problems(s)]
    assert any("should introduce the pharmacy key but is a 'change role'" in p for p in problems), problems


def test_a_workstation_without_the_pharmacys_key_cannot_write_and_says_where_to_get_it(sessions, pharmacy, clock):
    with sessions.begin() as s:
        ring = audit.key_ring(s)
        s.connection().info[audit.CONNECTION_INFO] = KeyRing({key_id(other := new_key()): other}, key_id(other), "the key file /elsewhere")
        try:
            assert "cannot be checked" in str(trail_check.problems(s)[-1])
            with pytest.raises(RecordError, match=r"which this workstation does not hold .*copy the pharmacy's key file"):
                people.patient(s, pharmacy.technician, "John Roe", None, clock())
        finally:
            s.connection().info[audit.CONNECTION_INFO] = ring


def test_a_rotated_key_signs_the_entries_after_it_and_both_keys_verify(sessions, pharmacy, clock):
    with sessions.begin() as s:
        ring = audit.key_ring(s)
        second = new_key()
        both = KeyRing({**ring.keys, key_id(second): second}, key_id(second), "test ring")
        s.connection().info[audit.CONNECTION_INFO] = both
        try:
            with pytest.raises(PermissionRefused):
                audit.rotate_key(s, pharmacy.pharmacist, second, clock())
            assert audit.rotate_key(s, pharmacy.admin, second, clock()) == key_id(second)
            people.patient(s, pharmacy.technician, "John Roe", None, clock())
            last = s.execute(select(AuditEntry.__table__).order_by(AuditEntry.sequence.desc()).limit(1)).mappings().one()
            assert last["hash"] == audit.entry_mac(second, last["previous_hash"], last)
            assert trail_check.problems(s) == []
            # A workstation given only the new key cannot check the entries signed before it.
            only_new = KeyRing({key_id(second): second}, key_id(second), "the new key only")
            assert "cannot be checked" in str(trail_check.problems(s, only_new)[-1])
        finally:
            s.connection().info[audit.CONNECTION_INFO] = ring


# --------------------------------------------------------------------------- accounts at every action


def test_a_pharmacist_switched_off_after_signing_in_can_no_longer_verify_reject_or_amend(sessions, clock, pharmacy):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    signed_in = pharmacy.pharmacist  # the Actor the window holds since the sign-in
    with sessions.begin() as s:
        people.set_active(s, pharmacy.admin, "paula", False, clock())
    for action in (
        lambda s: batches.verify(s, credentials_of(signed_in), record.batch_number, clock()),
        lambda s: batches.reject(s, credentials_of(signed_in), record.batch_number, "spilled", clock()),
        lambda s: batches.sign_checked(s, credentials_of(signed_in), record.batch_number, clock()),
    ):
        # The right password of a switched-off account: told so (a wrong one is told nothing more).
        with sessions.begin() as s, pytest.raises(people.AccountSwitchedOff, match="the account paula is switched off"):
            action(s)
    with sessions.begin() as s:
        verified = batches.verify(s, credentials_of(pharmacy.second_pharmacist), record.batch_number, clock())
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="switched off"):
        batches.amend(s, signed_in, verified.batch_number, "wrong lot", clock())


def test_a_pharmacist_made_technician_after_signing_in_acts_as_a_technician(sessions, clock, pharmacy):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        people.change_role(s, pharmacy.admin, "peter", Role.TECHNICIAN, clock())
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="only a pharmacist may verify a batch; peter is a technician"):
        batches.verify(s, credentials_of(pharmacy.second_pharmacist), record.batch_number, clock())
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="only a pharmacist may reject"):
        batches.reject(s, credentials_of(pharmacy.second_pharmacist), record.batch_number, "spilled", clock())


def test_an_administrator_demoted_after_signing_in_cannot_manage_accounts(sessions, clock, pharmacy):
    with sessions.begin() as s:
        people.create_user(s, pharmacy.admin, "ada2", "Second Admin", Role.ADMINISTRATOR, PASSWORD, clock())
        second = people.authenticate(s, "ada2", PASSWORD)
        people.change_role(s, pharmacy.admin, "ada2", Role.TECHNICIAN, clock())
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="only an administrator"):
        people.change_role(s, second, "tess", Role.PHARMACIST, clock())


# --------------------------------------------------------------------------- sign-in


def test_six_failed_sign_ins_lock_the_account_audited_until_an_administrator_unlocks_it(sessions, clock, pharmacy):
    for attempt in range(1, 5):
        with pytest.raises(people.AuthenticationFailed, match="^wrong user name or password$"):
            people.sign_in(sessions, "paula", f"guess number {attempt}", clock())
    with pytest.raises(people.AccountLocked, match="paula is locked after 5 failed sign-ins"):
        people.sign_in(sessions, "paula", "guess number 5", clock())
    # The sixth, even with the right password, is refused (and counted).
    with pytest.raises(people.AccountLocked, match="an administrator unlocks it"):
        people.sign_in(sessions, "paula", PASSWORD, clock())
    with sessions() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.table_name == "app_user", AuditEntry.row_id == pharmacy.pharmacist.id).order_by(AuditEntry.sequence)))
        assert actions[-6:] == ["failed sign-in"] * 4 + ["locked after 5 failed sign-ins", "failed sign-in"]
        assert s.scalar(select(User.failed_sign_ins).where(User.username == "paula")) == 6
        assert trail_check.problems(s) == []
    # Signed in before the lock, she may not act while locked either.
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="locked"):
        people.patient(s, pharmacy.pharmacist, "John Roe", None, clock())
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="only an administrator"):
        people.unlock(s, pharmacy.second_pharmacist, "paula", clock())
    with sessions.begin() as s:
        people.unlock(s, pharmacy.admin, "paula", clock())
    assert people.sign_in(sessions, "paula", PASSWORD, clock()).username == "paula"


def test_a_good_sign_in_clears_the_failures(sessions, clock, pharmacy):
    for _ in range(4):
        with pytest.raises(people.AuthenticationFailed):
            people.sign_in(sessions, "tess", "not the password", clock())
    people.sign_in(sessions, "tess", PASSWORD, clock())
    with pytest.raises(people.AuthenticationFailed, match="^wrong user name or password$"):
        people.sign_in(sessions, "tess", "not the password", clock())  # 1 of 5 again, not the 5th
    with sessions() as s:
        assert s.scalar(select(User.failed_sign_ins).where(User.username == "tess")) == 1


def test_signing_in_to_an_empty_database_says_there_is_no_account(sessions, clock):
    with pytest.raises(people.NoAccounts, match="there is no account yet: create the first administrator"):
        people.sign_in(sessions, "admin", "whatever password", clock())


def test_the_batch_number_counter_set_back_by_hand_is_found(sessions, clock, pharmacy):
    record = new_batch(sessions, clock, pharmacy)
    day = record.batch_number.split("-")[0]
    with sessions.begin() as s:
        s.execute(text("UPDATE batch_counter SET last = 0 WHERE day = :day"), {"day": day})
    with sessions() as s:
        problems = [str(p) for p in trail_check.problems(s)]
    assert problems == [f"batch_counter row {int(day)}: the batch-number counter of {day} was changed outside the app: last is 0, the audit trail says 1"]


def test_a_master_formulas_contents_changed_by_hand_are_found(sessions, clock, pharmacy):
    with sessions.begin() as s:
        s.execute(text("UPDATE master_formula SET name = 'Tampered' WHERE id = (SELECT min(id) FROM master_formula)"))
    with sessions() as s:
        problems = [str(p) for p in trail_check.problems(s)]
    assert len(problems) == 1 and "master formula 'Tampered' was changed outside the app: name is 'Tampered'" in problems[0], problems


def test_lots_receive_refused_for_a_switched_off_technician(sessions, clock, pharmacy):
    with sessions.begin() as s:
        people.set_active(s, pharmacy.admin, "tess", False, clock())
    with sessions.begin() as s, pytest.raises(people.AccountSwitchedOff, match="the account tess is switched off"):
        lots.receive_lot(
            s, credentials_of(pharmacy.technician), ingredient="Lidocaine", stock_form="Lidocaine", manufacturer="Medisca", lot_number="X1",
            expires=clock().date().replace(year=2027), quantity="100", potency_percent=None, now=clock(),
        )


# --------------------------------------------------------------------------- who may change the rules


def settings(**rules):
    from compounder.settings import EXAMPLE, settings_from_data

    return settings_from_data({**EXAMPLE, **rules})


def test_only_a_signed_in_administrator_stores_the_rules_and_each_change_is_audited(sessions, clock, pharmacy):
    from compounder.records import pharmacy_rules

    wanted = settings(allow_self_verification=True, weighing_tolerance="5 %")
    with sessions.begin() as s, pytest.raises(RecordError, match="only an administrator changes self-verification, the tolerances and the weighing policy; paula is a pharmacist"):
        pharmacy_rules.set_rules(s, pharmacy.pharmacist, wanted, clock())
    with sessions.begin() as s:
        assert pharmacy_rules.set_rules(s, pharmacy.admin, wanted, clock()) == [
            "allow_self_verification", "weighing_tolerance", "final_weight_tolerance", "scan_required", "balance_required",
            "idle_lock_minutes", "patient_details_roles",  # issue 24's sessions and privacy rules
        ]
        assert pharmacy_rules.set_rules(s, pharmacy.admin, wanted, clock()) == []  # nothing changed, nothing written
    with sessions() as s:
        entries = s.execute(select(AuditEntry.username, AuditEntry.action).where(AuditEntry.table_name == "pharmacy_rule")).all()
        # the shared pharmacy's blind check switched off (tests/records/helpers.py), then the seven rules
        assert [tuple(e) for e in entries] == [("admin", "blind check switched off")] + [("admin", "change rule")] * 7
        assert trail_check.problems(s) == []


def test_a_hand_edited_settings_file_is_noticed_and_not_obeyed(sessions, clock, pharmacy):
    from compounder.records import pharmacy_rules

    with sessions.begin() as s:
        pharmacy_rules.set_rules(s, pharmacy.admin, settings(allow_self_verification=False, weighing_tolerance="5 %"), clock())
    edited = settings(allow_self_verification=True, weighing_tolerance="50 %")  # the file, edited by hand
    with sessions() as s:
        used, notices = pharmacy_rules.effective(s, edited)
    assert used.allow_self_verification is False
    assert used.weighing_tolerance.to("percent").magnitude == 5
    assert len(notices) == 2
    assert notices[0].startswith("the settings file says self-verification allowed, the records say not allowed (set by admin on 2026-11-23)")
    assert notices[1].startswith("the settings file says weighing tolerance 50 %, the records say 5 %")
    # The records enforce it: self-verification asked for by the (edited) file is refused.
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="paula prepared this batch; another pharmacist must verify it"):
        batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock(), allow_self_verification=edited.allow_self_verification)


def test_rules_only_in_the_file_are_said_to_be_unprotected(sessions, pharmacy):
    from compounder.records import pharmacy_rules

    with sessions() as s:
        assert pharmacy_rules.effective(s, settings()) == (settings(), [])
        used, notices = pharmacy_rules.effective(s, settings(allow_self_verification=True))
    assert used.allow_self_verification is True
    assert notices == [
        ("self-verification, the tolerances and the weighing policy come from the settings file, which anyone at this workstation can edit; "
        "an administrator signs in and saves them under File ▸ Pharmacy settings… to keep them in the records")
    ]


def test_a_pharmacist_switched_off_after_signing_in_cannot_add_change_approve_or_delete_formulas(sessions, clock, pharmacy):
    from compounder.records.library import FormulaLibrary, LibraryError

    library = FormulaLibrary(sessions, clock)
    signed_in = pharmacy.pharmacist  # the Actor the window holds since the sign-in
    entry = library.add("Lidocaine cream", {"batch": "60 g", "base": "Lipoderm", "actives": []}, actor=signed_in)
    with sessions.begin() as s:
        people.set_active(s, pharmacy.admin, "paula", False, clock())
    for action in (
        lambda: library.add("Another cream", {"batch": "60 g", "base": "Lipoderm", "actives": []}, actor=signed_in),
        lambda: library.update(entry.id, {"batch": "30 g", "base": "Lipoderm", "actives": []}, actor=signed_in),
        lambda: library.delete(entry.id, actor=signed_in),
    ):
        with pytest.raises(LibraryError, match="paula's account was switched off"):
            action()
    # Her approval is signed with her password: the right one is told the account is switched off.
    with pytest.raises(people.AccountSwitchedOff, match="the account paula is switched off"):
        library.approve(entry.id, credentials_of(signed_in))
    with sessions() as s:
        assert trail_check.problems(s) == []
