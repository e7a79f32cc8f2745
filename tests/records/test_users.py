"""User management: only an administrator changes accounts; nobody deactivates themselves; the
last active administrator stays; every change is in the audit trail; passwords are checked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from compounder.records import people, trail_check
from compounder.records.model import AuditEntry
from compounder.records.policy import PermissionRefused, RecordError, Role, check_new_password
from tests.records.helpers import PASSWORD, make_pharmacy


@pytest.fixture
def pharmacy(sessions, clock, catalog):
    return make_pharmacy(sessions, clock, catalog)


def test_only_an_administrator_manages_accounts(sessions, clock, pharmacy):
    for call in (
        lambda s: people.set_active(s, pharmacy.pharmacist, "tess", False, clock()),
        lambda s: people.change_role(s, pharmacy.technician, "tess", "pharmacist", clock()),
        lambda s: people.reset_password(s, pharmacy.pharmacist, "tess", "another password", clock()),
        lambda s: people.create_user(s, pharmacy.pharmacist, "newbie", "New Person", "technician", PASSWORD, clock()),
    ):
        with sessions.begin() as s, pytest.raises(PermissionRefused, match="only an administrator"):
            call(s)


def test_an_administrator_cannot_deactivate_themselves_nor_the_last_administrator(sessions, clock, pharmacy):
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="cannot deactivate your own account"):
        people.set_active(s, pharmacy.admin, "admin", False, clock())
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="admin is the last active administrator"):
        people.change_role(s, pharmacy.admin, "admin", Role.PHARMACIST, clock())
    with sessions.begin() as s:
        second = people.create_user(s, pharmacy.admin, "root2", "Second Admin", Role.ADMINISTRATOR, PASSWORD, clock())
    # with two active administrators, one may step down…
    with sessions.begin() as s:
        people.change_role(s, second, "admin", Role.PHARMACIST, clock())
    # …but now root2 is the last, and another administrator cannot remove them either
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="root2 is the last active administrator"):
        people.change_role(s, second, "root2", Role.TECHNICIAN, clock())
    with sessions() as s:
        roles = {u.username: (u.role, u.active) for u in people.users(s)}
    assert roles["admin"] == (Role.PHARMACIST, True) and roles["root2"] == (Role.ADMINISTRATOR, True)


def test_deactivate_reactivate_role_and_password_are_audited_and_take_effect(sessions, clock, pharmacy):
    with sessions.begin() as s:
        people.set_active(s, pharmacy.admin, "tess", False, clock())
    with sessions() as s, pytest.raises(people.AuthenticationFailed):
        people.authenticate(s, "tess", PASSWORD)
    with sessions.begin() as s, pytest.raises(RecordError, match="already deactivated"):
        people.set_active(s, pharmacy.admin, "tess", False, clock())
    with sessions.begin() as s:
        people.set_active(s, pharmacy.admin, "tess", True, clock())
        people.change_role(s, pharmacy.admin, "tess", "pharmacist", clock())
        people.reset_password(s, pharmacy.admin, "tess", "a new long password", clock())
    with sessions() as s:
        assert people.authenticate(s, "tess", "a new long password").role is Role.PHARMACIST
        with pytest.raises(people.AuthenticationFailed):
            people.authenticate(s, "tess", PASSWORD)
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.table_name == "app_user", AuditEntry.row_id == pharmacy.technician.id).order_by(AuditEntry.sequence)))
        assert actions == ["create", "deactivate", "activate", "change role", "reset password"]
        assert trail_check.problems(s) == []
    with sessions.begin() as s, pytest.raises(RecordError, match="at least 8 characters"):
        people.reset_password(s, pharmacy.admin, "tess", "short", clock())


def test_a_new_password_is_typed_twice_and_long_enough():
    check_new_password("long enough pw", "long enough pw")
    with pytest.raises(RecordError, match="the two passwords differ"):
        check_new_password("long enough pw", "long enough pv")
    with pytest.raises(RecordError, match="at least 8 characters"):
        check_new_password("short", "short")


def test_a_full_name_that_prints_as_nothing_or_overflows_the_records_is_refused(sessions, clock, pharmacy):
    # The users dialog reaches create_user directly: the same limits as the command line.
    for name, expected in (("\u200b\u200e ", "give the user's full name"), ("W" * 101, "101 characters; give at most 100")):
        with sessions.begin() as s, pytest.raises(RecordError, match=expected):
            people.create_user(s, pharmacy.admin, "newbie", name, Role.TECHNICIAN, PASSWORD, clock())
    with sessions.begin() as s:
        people.create_user(s, pharmacy.admin, "newbie", "W" * 100, Role.TECHNICIAN, PASSWORD, clock())
