"""The pharmacy settings that change who may do what: whether a pharmacist may verify their own
batch, the weighing and final-weight tolerances, and the weighing policy (whether every
container is scanned and every weight read from the balance).

The settings file (``compounder.settings``) is a plain file anyone at the workstation can edit.
These rules are therefore kept in the records too (table ``pharmacy_rule``, audited),
changed only by a signed-in administrator. Once stored, the records' value is the one used; a
settings file that says otherwise was edited by hand, and ``effective`` says so. Until an
administrator first stores them, the file's values are used, with a note saying they are not yet
protected.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, Text, column, select, text
from sqlalchemy.orm import Session

from compounder.records.column_types import UtcDateTime
from compounder.records.edit_versions import EditConflict, changed_by, refuse_if_changed, version_of
from compounder.records.policy import Actor, RecordError, may_manage_users
from compounder.settings import (
    DEFAULT_IDLE_LOCK_MINUTES,
    DEFAULT_PATIENT_DETAILS_ROLES,
    PharmacySettings,
    SettingsError,
    settings_from_data,
    settings_to_data,
)

RULES = (
    "allow_self_verification", "weighing_tolerance", "final_weight_tolerance", "scan_required", "balance_required",
    "idle_lock_minutes", "patient_details_roles",
)
TITLES = {
    "allow_self_verification": "self-verification", "weighing_tolerance": "weighing tolerance", "final_weight_tolerance": "final-weight tolerance",
    "scan_required": "scanning each container", "balance_required": "weighing on the balance",
    "idle_lock_minutes": "locking the window after", "patient_details_roles": "patients' names shown to",
}


def rule_values(settings: PharmacySettings) -> dict[str, Any]:
    """The rules as the settings file writes them (``"5 %"``, ``None``, ``true``)."""
    data = settings_to_data(settings)
    return {name: data.get(name) for name in RULES}


def stored_rules(session: Session) -> dict[str, tuple[Any, str, dt.datetime]]:
    """Name → (value, who changed it, when) for the rules an administrator stored. Plain SQL with
    the model's column types: read at every start-up (when the pharmacy has settings), before the
    window shows, where loading the records' model would cost ~30 ms and its mappers ~13 ms."""
    query = text(
        "SELECT pharmacy_rule.name, pharmacy_rule.value, app_user.username, pharmacy_rule.changed_at "
        "FROM pharmacy_rule LEFT OUTER JOIN app_user ON app_user.id = pharmacy_rule.changed_by"
    ).columns(column("name", String), column("value", Text), column("username", String), column("changed_at", UtcDateTime()))
    rows = session.execute(query).all()
    # Only these rules: the blind check's row is read by ``records.blind_check``, the competency
    # rule's by ``records.quality_logs`` (``stored_rule``).
    return {name: (json.loads(value), username or "?", changed_at) for name, value, username, changed_at in rows if name in RULES}


def stored_rule(session: Session, name: str) -> tuple[Any, str, dt.datetime] | None:
    """One stored rule that is not the settings' own (the competency rule): (value, who, when), or None."""
    query = text(
        "SELECT pharmacy_rule.value, app_user.username, pharmacy_rule.changed_at "
        "FROM pharmacy_rule LEFT OUTER JOIN app_user ON app_user.id = pharmacy_rule.changed_by WHERE pharmacy_rule.name = :name"
    ).columns(column("value", Text), column("username", String), column("changed_at", UtcDateTime()))
    found = session.execute(query, {"name": name}).first()
    return None if found is None else (json.loads(found[0]), found[1] or "?", found[2])


def rule_versions(session: Session) -> dict[str, int]:
    """Name → row version of each stored rule: what the settings shown were read at, passed back
    to ``set_rules`` so that a rule another administrator stored meanwhile is not overwritten.
    Plain SQL, as ``stored_rules`` (read at start-up)."""
    rows = session.execute(text("SELECT name, row_version FROM pharmacy_rule")).all()
    return {name: version or 0 for name, version in rows if name in RULES}


def set_rules(
    session: Session, actor: Actor, settings: PharmacySettings, now: dt.datetime, *, expected_versions: Mapping[str, int] | None = None,
) -> list[str]:
    """Store the settings' rules, each change audited; only a signed-in administrator, as the
    account is now. Returns the names changed. ``expected_versions`` (``rule_versions`` as the
    settings were shown): a rule this save would change that was stored or changed since is
    refused (``EditConflict``, nothing saved), never overwritten with the value shown before."""
    from compounder.records import audit
    from compounder.records.model import PharmacyRule
    from compounder.records.people import current_actor

    actor = current_actor(session, actor)
    try:
        may_manage_users(actor)
    except RecordError:
        raise RecordError(
            f"only an administrator changes self-verification, the tolerances and the weighing policy; {actor.username} is a {actor.role.value}"
        ) from None
    changed = []
    existing = {row.name: row for row in session.scalars(select(PharmacyRule).with_for_update().execution_options(populate_existing=True))}
    stated = {name: json.dumps(value) for name, value in rule_values(settings).items()}
    wanted = {name: value for name, value in stated.items() if existing.get(name) is None or existing[name].value != value}
    if expected_versions is not None:  # all refused before any is written
        for name in wanted:
            _refuse_if_changed(session, existing.get(name), expected_versions.get(name), name)
    for name, value in wanted.items():
        row = existing.get(name)
        old = audit.snapshot(session, "pharmacy_rule", row.id) if row is not None else None
        if row is None:
            row = PharmacyRule(name=name, value=value, changed_at=now, changed_by=actor.id)
            session.add(row)
        else:
            row.value, row.changed_at, row.changed_by = value, now, actor.id
        session.flush()
        audit.record(session, actor, "change rule", "pharmacy_rule", row.id, old, now)
        changed.append(name)
    return changed


def _refuse_if_changed(session: Session, row: Any, seen: int | None, name: str) -> None:
    what = f"the pharmacy rule {TITLES[name]}"
    if row is None:
        return  # not stored yet, nor by anyone since
    if seen is None:
        raise EditConflict(
            f"{what} was stored {changed_by(session, 'pharmacy_rule', row.id)} since you opened the settings; nothing was saved — "
            "reload them, or apply your change again on the newest", version_of(row),
        )
    refuse_if_changed(session, row, seen, what)


def effective(session: Session, settings: PharmacySettings) -> tuple[PharmacySettings, list[str]]:
    """The settings with the records' rules in place of the file's, and a sentence for each
    rule the file states differently (edited by hand), or saying the rules are not yet stored."""
    stored = stored_rules(session)
    if not stored:
        if rule_values(settings) == rule_values(dataclasses.replace(
            settings, allow_self_verification=False, weighing_tolerance=None, final_weight_tolerance=None, scan_required=False,
            balance_required=False, idle_lock_minutes=DEFAULT_IDLE_LOCK_MINUTES, patient_details_roles=DEFAULT_PATIENT_DETAILS_ROLES,
        )):
            return settings, []
        return settings, [
            ("self-verification, the tolerances and the weighing policy come from the settings file, which anyone at this workstation can edit; "
            "an administrator signs in and saves them under File ▸ Pharmacy settings… to keep them in the records")
        ]
    data = settings_to_data(settings)
    notices = []
    for name in RULES:
        if name not in stored:
            continue
        value, who, when = stored[name]
        if data.get(name) != value:
            notices.append(
                f"the settings file says {TITLES[name]} {shown_value(data.get(name), name)}, the records say {shown_value(value, name)} "
                f"(set by {who} on {when.astimezone().strftime('%Y-%m-%d')}): the file was edited outside Compounder; the records' value is used"
            )
        data[name] = value
    try:
        return settings_from_data(data), notices
    except SettingsError as error:  # a stored value this version cannot read: keep the safe defaults
        safe = dataclasses.replace(settings, allow_self_verification=False)
        return safe, [*notices, f"the stored rule {error.field} cannot be used ({error.message}); self-verification is off"]


def allows_self_verification(session: Session) -> bool | None:
    """The stored rule, or None when an administrator has not stored it."""
    stored = stored_rules(session).get("allow_self_verification")
    return None if stored is None else bool(stored[0])


def shown_value(value: Any, name: str = "allow_self_verification") -> str:
    """A rule's value in words: "allowed", "required", "5 %", "not set"."""
    if value is None:
        return "not set"
    if name == "patient_details_roles" and isinstance(value, list):
        return " and ".join(f"{role}s" for role in value) if value else "nobody"
    if name == "idle_lock_minutes" and isinstance(value, int):
        return f"{value} min idle"
    if isinstance(value, bool):
        return ("required" if value else "not required") if name in ("scan_required", "balance_required") else ("allowed" if value else "not allowed")
    return str(value)
