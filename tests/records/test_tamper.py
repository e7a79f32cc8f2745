"""Issue 22's attacks by someone with SQL access, on SQLite and on PostgreSQL (``sessions`` runs
each test on both). Before: a row changed with SQL was written again by the app (a sign-in, a
draw from a lot, a signature) and ``db check`` then passed; a signature made during a temporary
SQL change passed once the change was put back. Now the app refuses to write over such a row,
refuses to act for such an account, and ``db check`` replays the trail and judges each signature
against the trail's own history of the account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from compounder.records import audit, batches, lots, people, trail_check
from compounder.records.model import AuditEntry, User
from compounder.records.policy import hash_password
from tests.records.helpers import PASSWORD, make_pharmacy, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of

CHANGED = audit.ChangedOutsideApp


@pytest.fixture
def pharmacy(sessions, clock, catalog):
    return make_pharmacy(sessions, clock, catalog)


def problems(sessions) -> list[str]:
    with sessions() as s:
        return [str(problem) for problem in trail_check.problems(s)]


def sql(sessions, statement: str, **values) -> None:
    with sessions.begin() as s:
        s.execute(text(statement), values)


def user_id(sessions, username: str) -> int:
    with sessions() as s:
        return s.scalar(select(User.id).where(User.username == username))


def last_entry(sessions, table_name: str, row_id: int) -> AuditEntry:
    with sessions() as s:
        return s.scalars(
            select(AuditEntry).where(AuditEntry.table_name == table_name, AuditEntry.row_id == row_id).order_by(AuditEntry.sequence.desc()).limit(1)
        ).one()


@pytest.fixture
def old_code(monkeypatch):
    """The app as it was before this issue: it wrote over any row (to make the trail a past
    version would have left, with a gap in it)."""
    monkeypatch.setattr(audit, "check_unchanged", lambda *args, **kwargs: None)


# --------------------------------------------------------------------------- laundering: 7 attacks


def test_a_technician_made_pharmacist_by_sql_cannot_sign_in_and_db_check_keeps_finding_it(sessions, clock, pharmacy):
    sql(sessions, "UPDATE app_user SET role = 'pharmacist' WHERE username = 'tess'")
    message = "user tess was changed outside the app: role is 'pharmacist', the audit trail says 'technician'; nothing was saved"
    with pytest.raises(CHANGED, match=message):
        people.sign_in(sessions, "tess", "a mistyped password", clock())
    with pytest.raises(CHANGED, match=message):
        people.sign_in(sessions, "tess", PASSWORD, clock())
    assert problems(sessions) == [
        f"app_user row {pharmacy.technician.id}: user tess was changed outside the app: role is 'pharmacist', the audit trail says 'technician'"
    ]


def test_500_g_removed_from_a_lot_by_sql_is_not_drawn_over(sessions, clock, pharmacy):
    lot = pharmacy.lots[next(iter(pharmacy.lots))]
    # 500 g = 500 000 000 µg; the lots were received with 500 g (make_pharmacy), so 0 µg are left.
    sql(sessions, "UPDATE ingredient_lot SET remaining_ug = remaining_ug - 500000000 WHERE id = :id", id=lot.id)
    with pytest.raises(CHANGED, match=f"lot {lot.lot_number} of .* was changed outside the app: remaining_ug is 0, the audit trail says 500000000"), sessions.begin() as s:
        lots.give_back(s, pharmacy.technician, lot.id, Decimal("1"), clock(), "give back")
    assert problems(sessions) == [
        f"ingredient_lot row {lot.id}: lot {lot.lot_number} of {lot.stock_form} was changed outside the app: remaining_ug is 0, the audit trail says 500000000"
    ]


@pytest.mark.parametrize(("column", "value", "recorded"), [("tolerance_percent", "50", "'5'"), ("rx_number", "'RX-9999'", "'RX-1001'")])
def test_a_batchs_tolerance_or_prescription_changed_by_sql_is_not_signed_over(sessions, clock, pharmacy, column, value, recorded):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    sql(sessions, f"UPDATE batch SET {column} = {value} WHERE id = :id", id=record.id)
    with pytest.raises(CHANGED, match=f"batch {record.batch_number} was changed outside the app: {column} is"), sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    [found] = problems(sessions)
    assert found.startswith(f"batch row {record.id}: batch {record.batch_number} was changed outside the app: {column} is") and found.endswith(f"the audit trail says {recorded}")


def test_a_failed_sign_in_count_reset_by_sql_allows_no_more_guesses(sessions, clock, pharmacy):
    for _ in range(4):
        with pytest.raises(people.AuthenticationFailed):
            people.sign_in(sessions, "tess", "a guess", clock())
    sql(sessions, "UPDATE app_user SET failed_sign_ins = NULL WHERE username = 'tess'")
    for password in ("another guess", "and another", PASSWORD):  # neither counted nor checked: refused
        with pytest.raises(CHANGED, match="failed_sign_ins is None, the audit trail says 4"):
            people.sign_in(sessions, "tess", password, clock())
    assert problems(sessions) == [
        f"app_user row {pharmacy.technician.id}: user tess was changed outside the app: failed_sign_ins is None, the audit trail says 4"
    ]


def test_a_locked_account_unlocked_by_sql_stays_refused(sessions, clock, pharmacy):
    for _ in range(5):
        with pytest.raises(people.AuthenticationFailed):
            people.sign_in(sessions, "paula", "a guess", clock())
    sql(sessions, "UPDATE app_user SET locked_at = NULL, failed_sign_ins = NULL WHERE username = 'paula'")
    with pytest.raises(CHANGED, match="user paula was changed outside the app: failed_sign_ins is None, the audit trail says 5; locked_at is None"):
        people.sign_in(sessions, "paula", PASSWORD, clock())


def test_a_patients_date_of_birth_changed_by_sql_is_not_saved_over(sessions, clock, pharmacy, catalog):
    from compounder.records.patients import ProfileEntry, save_profile

    sql(sessions, "UPDATE patient SET date_of_birth = :born WHERE id = :id", born=dt.date(2020, 3, 2), id=pharmacy.patient.id)
    with pytest.raises(CHANGED, match="date_of_birth is '2020-03-02', the audit trail says '1948-03-02'"), sessions.begin() as s:
        save_profile(s, pharmacy.technician, pharmacy.patient.id, ProfileEntry(weight_kg=Decimal("62.5")), catalog, clock())


def test_a_trail_laundered_by_an_older_version_does_not_replay(sessions, clock, pharmacy, old_code):
    """The same attack on a trail an older Compounder wrote: the app wrote the tampered batch again,
    so the row matches the last entry — but that entry's "before" is not the previous "after"."""
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    before = last_entry(sessions, "batch", record.id)
    sql(sessions, "UPDATE batch SET tolerance_percent = 50 WHERE id = :id", id=record.id)
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    after = last_entry(sessions, "batch", record.id)
    assert problems(sessions) == [
        (f"batch row {record.id}: batch {record.batch_number}: the audit trail does not replay: between entry {before.sequence} "
        f"({before.action!r}) and entry {after.sequence} ('prepared' by tess) the row was changed outside the app: tolerance_percent '5' → '50'")
    ]


# --------------------------------------------------------------------------- signatures by people not allowed to sign


def test_a_technician_made_pharmacist_for_a_moment_cannot_verify_and_an_old_trail_says_so(sessions, clock, pharmacy, monkeypatch):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    sql(sessions, "UPDATE app_user SET role = 'pharmacist' WHERE username = 'tess'")
    as_pharmacist = people.Actor(pharmacy.technician.id, "tess", people.Role.PHARMACIST)
    with pytest.raises(CHANGED, match="user tess was changed outside the app: role is 'pharmacist'"), sessions.begin() as s:
        batches.verify(s, credentials_of(as_pharmacist), record.batch_number, clock())
    # As an older version let it happen, the role put back afterwards:
    monkeypatch.setattr(audit, "check_unchanged", lambda *args, **kwargs: None)
    with sessions.begin() as s:
        batches.verify(s, credentials_of(as_pharmacist), record.batch_number, clock())
    sql(sessions, "UPDATE app_user SET role = 'technician' WHERE username = 'tess'")
    signed = last_entry(sessions, "batch", record.id)
    assert problems(sessions) == [
        (f"audit_entry row {signed.id}: entry {signed.sequence} ('verified' on batch row {record.id}) is signed by tess, who was a technician "
        "at that moment (audit trail), which may not sign 'verified': the signature is not valid")
    ]


def test_a_switched_off_pharmacist_switched_on_for_a_moment_cannot_verify_and_an_old_trail_says_so(sessions, clock, pharmacy, monkeypatch):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        people.set_active(s, pharmacy.admin, "peter", False, clock())
    sql(sessions, "UPDATE app_user SET active = :on WHERE username = 'peter'", on=True)
    with pytest.raises(CHANGED, match="user peter was changed outside the app: active is True, the audit trail says False"), sessions.begin() as s:
        batches.verify(s, credentials_of(pharmacy.second_pharmacist), record.batch_number, clock())
    monkeypatch.setattr(audit, "check_unchanged", lambda *args, **kwargs: None)
    with sessions.begin() as s:
        batches.verify(s, credentials_of(pharmacy.second_pharmacist), record.batch_number, clock())
    sql(sessions, "UPDATE app_user SET active = :on WHERE username = 'peter'", on=False)
    signed = last_entry(sessions, "batch", record.id)
    assert problems(sessions) == [
        (f"audit_entry row {signed.id}: entry {signed.sequence} ('verified' on batch row {record.id}) is signed by peter, whose account was "
        "switched off at that moment (audit trail): the signature is not valid")
    ]


def test_a_password_hash_swapped_by_sql_signs_nothing(sessions, clock, pharmacy):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    with sessions() as s:
        genuine = s.scalar(select(User.password_hash).where(User.username == "paula"))
    sql(sessions, "UPDATE app_user SET password_hash = :h WHERE username = 'paula'", h=hash_password("the attacker's password"))
    with pytest.raises(CHANGED, match="user paula was changed outside the app: password_hash is"):
        people.sign_in(sessions, "paula", "the attacker's password", clock())
    # Signed in before the swap (the window holds the Actor), she cannot sign while it lasts either.
    with pytest.raises(CHANGED, match="user paula was changed outside the app: password_hash is"), sessions.begin() as s:
        batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    sql(sessions, "UPDATE app_user SET password_hash = :h WHERE username = 'paula'", h=genuine)
    with sessions.begin() as s:
        assert batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock()).status.value == "verified"
    assert problems(sessions) == []


def test_signatures_made_within_the_rules_are_valid_against_history(sessions, clock, pharmacy):
    """A pharmacist who verified and was later made a technician still verified validly."""
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
        people.change_role(s, pharmacy.admin, "paula", people.Role.TECHNICIAN, clock())
        people.set_active(s, pharmacy.admin, "paula", False, clock())
    assert problems(sessions) == []


def test_a_row_deleted_by_sql_is_not_created_again_over_its_trail(sessions, clock, pharmacy):
    sql(sessions, "DELETE FROM patient WHERE id = :id", id=pharmacy.patient.id)
    with sessions.begin() as s:
        with pytest.raises(CHANGED, match=f"patient {pharmacy.patient.id} was deleted outside the app"):
            audit.check_unchanged(s, "patient", pharmacy.patient.id, None)
