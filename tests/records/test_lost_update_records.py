"""No lost update for the other records a person edits (issue 21, observation 2), on SQLite and
PostgreSQL: an account, the pharmacy's stored rules and an aliquot weighing are changed on top of
the version shown, or refused saying what changed and by whom; nothing is overwritten."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.records import aliquot_steps, batches, people, pharmacy_rules, trail_check
from compounder.records.edit_versions import EditConflict
from compounder.records.policy import Role
from compounder.settings import EXAMPLE, PharmacySettings, settings_from_data
from tests.records.helpers import new_batch


def _shown_user(sessions, username: str) -> people.UserInfo:
    with sessions() as s:
        return next(user for user in people.users(s) if user.username == username)


def test_an_account_changed_on_another_workstation_is_not_changed_again_on_the_old_view(sessions, clock, pharmacy):
    shown = _shown_user(sessions, "tess")  # two administrators' windows list tess as a technician
    assert shown.version >= 1
    clock.advance(minutes=4)
    with sessions.begin() as s:  # the first makes her a pharmacist
        people.change_role(s, pharmacy.admin, "tess", Role.PHARMACIST, clock(), expected_version=shown.version)
    for change in (  # the second, still showing her as she was, is refused each change
        lambda s: people.set_active(s, pharmacy.admin, "tess", False, clock(), expected_version=shown.version),
        lambda s: people.change_role(s, pharmacy.admin, "tess", Role.ADMINISTRATOR, clock(), expected_version=shown.version),
        lambda s: people.reset_password(s, pharmacy.admin, "tess", "a new long passphrase", clock(), expected_version=shown.version),
    ):
        with pytest.raises(EditConflict) as caught, sessions.begin() as s:
            change(s)
        assert str(caught.value).startswith(
            "the account tess was changed by admin at 2026-11-23 09:04 UTC (change role: role 'technician' → 'pharmacist') since you opened it "
            f"(it is at version {shown.version + 1}, you saw version {shown.version}); nothing was saved"
        )
        assert caught.value.current == shown.version + 1
    now = _shown_user(sessions, "tess")
    assert (now.role, now.active, now.version) == (Role.PHARMACIST, True, shown.version + 1)  # the first change stands, alone
    with sessions.begin() as s:  # on the newest it goes through
        people.set_active(s, pharmacy.admin, "tess", False, clock(), expected_version=now.version)
    with sessions() as s:
        assert trail_check.problems(s) == []


def test_an_unlock_on_an_old_view_is_refused(sessions, clock, pharmacy):
    for _ in range(people.LOCK_AFTER):
        with pytest.raises(people.AuthenticationFailed):
            people.sign_in(sessions, "tess", "not her password", clock())
    shown = _shown_user(sessions, "tess")
    assert shown.locked
    with sessions.begin() as s:
        people.unlock(s, pharmacy.admin, "tess", clock(), expected_version=shown.version)
    for _ in range(people.LOCK_AFTER):  # locked again meanwhile: the old view's unlock would hide the new failures
        with pytest.raises(people.AuthenticationFailed):
            people.sign_in(sessions, "tess", "not her password", clock())
    with pytest.raises(EditConflict, match="the account tess was changed by .*since you opened it"), sessions.begin() as s:
        people.unlock(s, pharmacy.admin, "tess", clock(), expected_version=shown.version)


def _settings(**rules) -> PharmacySettings:
    return settings_from_data({**EXAMPLE, "final_weight_tolerance": "2 %", **rules})


def _stored(sessions) -> dict:
    with sessions() as s:
        return {name: value for name, (value, _who, _when) in pharmacy_rules.stored_rules(s).items()}


def test_rules_stored_meanwhile_are_not_overwritten_by_settings_shown_before(sessions, clock, pharmacy):
    with sessions() as s:
        never = pharmacy_rules.rule_versions(s)  # two administrators open the pharmacy settings: no rule stored yet
    assert never == {}
    clock.advance(minutes=2)
    with sessions.begin() as s:  # the first stores a 5 % weighing tolerance
        pharmacy_rules.set_rules(s, pharmacy.admin, _settings(weighing_tolerance="5 %"), clock(), expected_versions=never)
    with pytest.raises(EditConflict, match=r"^the pharmacy rule self-verification was stored by admin at 2026-11-23 09:02 UTC \(change rule: .*\) since you opened the settings; nothing was saved"), sessions.begin() as s:
        pharmacy_rules.set_rules(s, pharmacy.admin, _settings(allow_self_verification=True), clock(), expected_versions=never)
    assert _stored(sessions) == {
        "allow_self_verification": False, "weighing_tolerance": "5 %", "final_weight_tolerance": "2 %",
        "scan_required": False, "balance_required": False, "idle_lock_minutes": 5, "patient_details_roles": ["technician", "pharmacist"],
    }

    with sessions() as s:
        shown = pharmacy_rules.rule_versions(s)  # both open the settings again
    clock.advance(minutes=3)
    with sessions.begin() as s:  # the first tightens the weighing tolerance to 3 %
        pharmacy_rules.set_rules(s, pharmacy.admin, _settings(weighing_tolerance="3 %"), clock(), expected_versions=shown)
    with pytest.raises(EditConflict) as caught, sessions.begin() as s:  # the second, showing 5 %, allows self-verification
        pharmacy_rules.set_rules(s, pharmacy.admin, _settings(weighing_tolerance="5 %", allow_self_verification=True), clock(), expected_versions=shown)
    message = str(caught.value)
    assert message.startswith("the pharmacy rule weighing tolerance was changed by admin at 2026-11-23 09:05 UTC (change rule: ")
    assert """value '"5 %"' → '"3 %"'""" in message and "nothing was saved" in message
    # neither of the second's changes was saved: the 3 % stands, self-verification stays off
    assert _stored(sessions) == {
        "allow_self_verification": False, "weighing_tolerance": "3 %", "final_weight_tolerance": "2 %",
        "scan_required": False, "balance_required": False, "idle_lock_minutes": 5, "patient_details_roles": ["technician", "pharmacist"],
    }
    with sessions() as s:
        newest = pharmacy_rules.rule_versions(s)
    with sessions.begin() as s:  # on the newest it goes through
        assert pharmacy_rules.set_rules(s, pharmacy.admin, _settings(weighing_tolerance="3 %", allow_self_verification=True), clock(),
                                        expected_versions=newest) == ["allow_self_verification"]
    with sessions() as s:
        assert trail_check.problems(s) == []


def test_an_aliquot_weighing_entered_meanwhile_is_not_overwritten(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    number = record.batch_number
    with sessions.begin() as s:
        batches.assign_lot(s, pharmacy.technician, number, 1, pharmacy.lots[record.lines[0].name].id, clock())
    with sessions() as s:
        shown = batches.batch_record(s, number).lines[0].step("ingredient")  # both workstations show the ingredient unweighed
    assert shown.actual is None and shown.version >= 1
    clock.advance(minutes=1)
    with sessions.begin() as s:  # A weighs 10.85 g (target 10.80 g)
        after = aliquot_steps.enter_step(s, pharmacy.technician, number, 1, "ingredient", "10.85", clock(), expected_version=shown.version)
    assert after.lines[0].step("ingredient").version == shown.version + 1
    with pytest.raises(EditConflict) as caught, sessions.begin() as s:  # B, on the unweighed view, types 10.79 g
        aliquot_steps.enter_step(s, pharmacy.pharmacist, number, 1, "ingredient", "10.79", clock(), expected_version=shown.version)
    assert str(caught.value).startswith(
        f"the aliquot's ingredient weighing of line 1 ({record.lines[0].name}) of batch {number} was changed by tess at 2026-11-23 09:01 UTC (weigh aliquot: "
    )
    assert "actual_ug None → 10850000" in str(caught.value)  # 10.85 g = 10,850,000 µg
    with sessions() as s:
        assert batches.batch_record(s, number).lines[0].step("ingredient").actual == Decimal("10.85")  # A's weight stands
        assert trail_check.problems(s) == []
