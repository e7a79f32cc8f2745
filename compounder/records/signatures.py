"""Who may have signed what, judged from the audit trail's own history rather than the rows.

A signature is an audit entry with a user: the batch verified, the formula approved, the role
changed. It counts only if, at that entry, the trail's last state of the signer's account (not
the account as it is today, which SQL can put back) was active, not locked, under the same user
name, and in a role allowed that meaning. The password hash the signer had is the one the trail
says: the records refuse to act for an account whose row differs from its last trail state
(``people.current_actor``), so an entry cannot have been made with a hash set by SQL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from compounder.records.policy import Role

_PHARMACIST = frozenset({Role.PHARMACIST.value})
_COMPOUNDS = frozenset({Role.TECHNICIAN.value, Role.PHARMACIST.value})
_ADMINISTRATOR = frozenset({Role.ADMINISTRATOR.value})

#: (table, action) → the roles that may sign it (``rules.check_transition``, ``may_amend``,
#: ``may_decide_finding``, ``may_approve_formulas``, ``may_manage_users``). Any other entry with
#: a user needs an active, unlocked account only.
MEANINGS: dict[tuple[str, str], frozenset[str]] = {
    ("batch", "verified"): _PHARMACIST,
    ("batch", "rejected"): _PHARMACIST,
    ("batch", "amend"): _PHARMACIST,
    ("batch", "create"): _COMPOUNDS,
    ("batch", "prepared"): _COMPOUNDS,
    ("batch", "checked"): _COMPOUNDS,
    ("batch", "dispensed"): _COMPOUNDS,
    ("batch_acknowledgement", "acknowledge"): _PHARMACIST,
    ("batch_acknowledgement", "override"): _PHARMACIST,
    ("master_formula", "approve"): _PHARMACIST,
    ("batch_deviation", "decide deviation"): _PHARMACIST,
    ("batch_qc_result", "enter QC result"): _COMPOUNDS,
    ("batch_deviation", "record deviation"): _COMPOUNDS,
    ("batch_remake", "link remake"): _COMPOUNDS,
    ("master_formula_version", "approve"): _PHARMACIST,
    ("lot_status", "release"): _PHARMACIST,
    ("lot_status", "receive and release"): _PHARMACIST,
    ("lot_status", "void"): _PHARMACIST,
    ("lot_event", "correction"): _PHARMACIST,
    ("lot_event", "adjustment"): _PHARMACIST,
    ("lot_event", "loss"): _PHARMACIST,
    ("lot_event", "theft"): _PHARMACIST,
    ("lot_event", "destruction"): _PHARMACIST,
    ("lot_event", "void"): _PHARMACIST,
    ("lot_event", "witness"): _COMPOUNDS,
    ("app_user", "create"): _ADMINISTRATOR,
    ("app_user", "change role"): _ADMINISTRATOR,
    ("app_user", "activate"): _ADMINISTRATOR,
    ("app_user", "deactivate"): _ADMINISTRATOR,
    ("app_user", "reset password"): _ADMINISTRATOR,
    ("app_user", "unlock"): _ADMINISTRATOR,
    ("pharmacy_rule", "change rule"): _ADMINISTRATOR,
    ("audit_head", "rotate audit key"): _ADMINISTRATOR,
}


class Accounts:
    """The accounts as the trail has them so far, replayed entry by entry (a few fields per
    user: memory grows with the number of accounts, not of entries)."""

    def __init__(self) -> None:
        self.states: dict[int, tuple[str, str, bool, bool]] = {}  # id → (username, role, active, locked)

    def learn(self, entry: Mapping[Any, Any]) -> None:
        """Take the account's state after an ``app_user`` entry."""
        if entry["table_name"] != "app_user":
            return
        if entry["new"] is None:
            self.states.pop(entry["row_id"], None)
            return
        state = json.loads(entry["new"])
        self.states[entry["row_id"]] = (
            str(state.get("username")), str(state.get("role")), bool(state.get("active")), state.get("locked_at") is not None,
        )

    def problem(self, entry: Mapping[Any, Any]) -> str | None:
        """Why the entry's signer could not sign it at that moment, or None."""
        user_id = entry["user_id"]
        if user_id is None:
            return None
        what = f"entry {entry['sequence']} ({entry['action']!r} on {entry['table_name']} row {entry['row_id']}) is signed by {entry['username']}"
        state = self.states.get(user_id)
        if state is None:
            return f"{what}, user id {user_id}, whom the audit trail does not know at that moment: the signature is not valid"
        username, role, active, locked = state
        if username != entry["username"]:
            return f"{what}, but user id {user_id} was {username} at that moment: the signature is not valid"
        if not active:
            return f"{what}, whose account was switched off at that moment (audit trail): the signature is not valid"
        if locked:
            return f"{what}, whose account was locked at that moment (audit trail): the signature is not valid"
        allowed = MEANINGS.get((entry["table_name"], entry["action"]))
        if allowed is not None and role not in allowed:
            return f"{what}, who was a {role} at that moment (audit trail), which may not sign {entry['action']!r}: the signature is not valid"
        return None
