"""Who sees patients' names, dates of birth and Rx numbers (issue 24, privacy), and how long an
idle window stays open (``idle_lock_minutes``: the window's lock is ``ui.records.session_lock``).

With nobody signed in, nobody does: the history, the recall list and its CSV, the batch lists and
the patient profiles show ``HIDDEN`` in their place, and a search by patient or Rx is refused (it
would tell whether such a patient is on file). A signed-in user sees them when their role is one
of the pharmacy's ``patient_details_roles`` (default: pharmacists and technicians; an
administrator manages accounts and sees none). The setting is an administrator's, kept in the
records and audited like the other pharmacy rules (``pharmacy_rules``); until it is stored there,
the settings file's, else the default, applies.

The window and the command line ask ``patient_details_shown`` and pass the rows they print
through ``hide_summary`` / ``hide_recall``: the records' searches stay the same for the screens
that need them whole (a batch being made).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.orm import Session

from compounder.records.pharmacy_rules import stored_rules
from compounder.records.policy import Actor, RecordError
from compounder.settings import DEFAULT_IDLE_LOCK_MINUTES, DEFAULT_PATIENT_DETAILS_ROLES, PharmacySettings

if TYPE_CHECKING:
    from compounder.records.history import BatchSummary, RecallRow

#: What stands in place of a patient's name, date of birth or Rx number that is not shown.
HIDDEN = "(hidden)"


def idle_lock_minutes(session: Session, settings: PharmacySettings | None) -> int:
    """The minutes without use after which the window locks: the records' rule, else the
    settings file's, else the default (5)."""
    stored = stored_rules(session).get("idle_lock_minutes")
    if stored is not None and isinstance(stored[0], int) and not isinstance(stored[0], bool) and stored[0] > 0:
        return stored[0]
    return settings.idle_lock_minutes if settings is not None else DEFAULT_IDLE_LOCK_MINUTES


def patient_details_roles(session: Session, settings: PharmacySettings | None) -> tuple[str, ...]:
    """The roles that see patient details: the records' rule, else the settings file's, else the default."""
    stored = stored_rules(session).get("patient_details_roles")
    if stored is not None and isinstance(stored[0], list):
        return tuple(str(role) for role in stored[0])
    return settings.patient_details_roles if settings is not None else DEFAULT_PATIENT_DETAILS_ROLES


def patient_details_shown(session: Session, actor: Actor | None, settings: PharmacySettings | None) -> bool:
    """Whether ``actor`` (None: nobody signed in) sees patients' names, dates of birth and Rx
    numbers. The role is the account's as stored now (one changed or switched off since the
    sign-in sees what it is now); plain SQL, so a read-only transaction can ask it."""
    if actor is None:
        return False
    row = session.execute(text("SELECT role, active, locked_at FROM app_user WHERE id = :id"), {"id": actor.id}).one_or_none()
    if row is None or not row.active or row.locked_at is not None:
        return False
    return row.role in patient_details_roles(session, settings)


def why_hidden(actor: Actor | None, roles: tuple[str, ...]) -> str:
    """The sentence a screen shows where it hides patient details."""
    if actor is None:
        return "Patients' names, dates of birth and Rx numbers are hidden: nobody is signed in (Records ▸ Sign in…)."
    shown = " and ".join(f"{role}s" for role in roles) if roles else "nobody"
    return (
        f"Patients' names, dates of birth and Rx numbers are hidden: {actor.username} is a{'n' if actor.role.value[0] in 'aeiou' else ''} "
        f"{actor.role.value}, and the pharmacy shows them to {shown} (File ▸ Pharmacy settings…)."
    )


def refuse_patient_search(shown: bool, patient: str | None, rx_number: str | None) -> None:
    """A search by patient or Rx number where patient details are hidden: refused, since what it
    finds would say whether that patient or prescription is on file."""
    if not shown and ((patient or "").strip() or (rx_number or "").strip()):
        raise RecordError("sign in as a user who sees patients' details to search by patient or Rx number")


def hide_summary(row: BatchSummary) -> BatchSummary:
    """A history row without the patient's name, date of birth and Rx number."""
    return dataclasses.replace(row, patient=HIDDEN, date_of_birth=None, rx_number=HIDDEN)


def hide_recall(row: RecallRow) -> RecallRow:
    """A recall row without the patient's name, date of birth, address, phone and Rx number (the
    batch, the prescriber and the grams used stay: a recall can still be counted and traced by batch)."""
    return dataclasses.replace(row, patient=HIDDEN, date_of_birth=None, rx_number=HIDDEN, address=HIDDEN, phone=HIDDEN)
