"""The pure rules for the checker, verification by the preparer, amendments and account changes."""

from __future__ import annotations

import pytest

from compounder.records.policy import (
    Actor,
    PermissionRefused,
    RecordError,
    Role,
    Status,
    check_account_change,
    check_checker,
    check_transition,
    may_amend,
)

TESS = Actor(1, "tess", Role.TECHNICIAN)
PAULA = Actor(2, "paula", Role.PHARMACIST)
PETER = Actor(3, "peter", Role.PHARMACIST)
ADA = Actor(4, "ada", Role.ADMINISTRATOR)


def test_a_technician_never_verifies_and_the_preparer_only_when_the_pharmacy_allows():
    with pytest.raises(PermissionRefused, match="only a pharmacist may verify"):
        check_transition(Status.PREPARED, Status.VERIFIED, TESS, preparer_id=2, allow_self_verification=True)
    with pytest.raises(PermissionRefused, match="another pharmacist must verify"):
        check_transition(Status.PREPARED, Status.VERIFIED, PAULA, preparer_id=2, allow_self_verification=False)
    check_transition(Status.PREPARED, Status.VERIFIED, PAULA, preparer_id=2, allow_self_verification=True)
    check_transition(Status.PREPARED, Status.VERIFIED, PETER, preparer_id=2, allow_self_verification=False)


@pytest.mark.parametrize(
    ("status", "actor", "preparer", "checked", "error"),
    [
        (Status.DRAFT, PAULA, 1, False, "not before it is prepared"),
        (Status.VERIFIED, PAULA, 1, False, "not once it is verified"),
        (Status.PREPARED, TESS, 1, False, "tess prepared this batch"),
        (Status.PREPARED, ADA, 1, False, "administrator"),
        (Status.PREPARED, PAULA, 1, True, "already checked"),
        (Status.PREPARED, PAULA, 1, False, None),
        (Status.PREPARED, TESS, 2, False, None),
    ],
)
def test_the_checker(status, actor, preparer, checked, error):
    if error is None:
        check_checker(status, actor, preparer_id=preparer, checked=checked)
    else:
        with pytest.raises(RecordError, match=error):
            check_checker(status, actor, preparer_id=preparer, checked=checked)


def test_amendments_are_a_pharmacists_with_a_reason_on_a_verified_batch():
    may_amend(PAULA, Status.VERIFIED, "typo")
    may_amend(PAULA, Status.DISPENSED, "typo")
    with pytest.raises(PermissionRefused):
        may_amend(TESS, Status.VERIFIED, "typo")
    with pytest.raises(RecordError, match="reason"):
        may_amend(PAULA, Status.VERIFIED, " ")
    with pytest.raises(RecordError, match="draft"):
        may_amend(PAULA, Status.DRAFT, "typo")


def test_account_changes():
    def change(actor=ADA, target=9, admin=False, stays=False, deactivates=False, admins=1):
        check_account_change(
            actor, target_id=target, target_username="x", is_active_administrator=admin, stays_active_administrator=stays,
            deactivates=deactivates, active_administrators=admins,
        )

    change(deactivates=True)
    with pytest.raises(PermissionRefused, match="only an administrator"):
        change(actor=PAULA)
    with pytest.raises(PermissionRefused, match="your own account"):
        change(target=ADA.id, admin=True, deactivates=True, admins=2)
    with pytest.raises(PermissionRefused, match="last active administrator"):
        change(admin=True, stays=False, admins=1)
    change(admin=True, stays=False, admins=2)
    change(admin=True, stays=True, admins=1)
