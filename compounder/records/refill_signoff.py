"""A refill's formula changes, signed by a pharmacist (issue 24): a refill made to a formula that
changed since the patient's last batch on the Rx (lidocaine 5 % → 4 %) carries the comparison
(``records.refill.refill_changes``) with the pharmacist's signature, stored (``refill_change``,
audited) and shown on the verify view and the worksheet. A tick by whoever is at the keyboard
is not a signature: the password is checked here (``sign``), the role and the account again
when it is stored (``store``), and a batch with unsigned changes is not verified
(``refuse_unsigned``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.records import audit
from compounder.records.model import Batch, User
from compounder.records.model_blind import RefillChange
from compounder.records.policy import Actor, PermissionRefused, RecordError, Role
from compounder.records.refill import RefillDiff, refill_changes
from compounder.records.signing import Credentials

MEANING = "checked the refill's formula changes against the prescription"


@dataclass(frozen=True)
class RefillSignature:
    """A pharmacist whose user name and password were checked (``sign``)."""

    signer: Actor


@dataclass(frozen=True)
class SignedChange:
    """A stored, signed comparison, as the verify view, the worksheet and ``batches show`` say it."""

    batch_number: str
    previous_batch: str
    previous_version: str
    changes: tuple[str, ...]
    username: str
    full_name: str
    signed_at: dt.datetime

    @property
    def heading(self) -> str:
        return f"Refill: the formula changed since batch {self.previous_batch} ({self.previous_version})"

    @property
    def signature(self) -> str:
        """"signed by Paula Pharmacist, RPh (paula), 2026-11-23 09:00 UTC: checked the refill's …"."""
        when = self.signed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        return f"signed by {self.full_name} ({self.username}), {when}: {MEANING}"

    @property
    def text(self) -> str:
        return f"{self.heading}: {'; '.join(self.changes)} — {self.signature}"

    def as_data(self) -> dict[str, Any]:
        return {
            "previous_batch": self.previous_batch, "previous_version": self.previous_version, "changes": list(self.changes),
            "signed_by": self.username, "signer_name": self.full_name, "signed_at": self.signed_at, "meaning": MEANING,
        }


def sign(sessions: Callable[[], Session], username: str, password: str, now: dt.datetime) -> RefillSignature:
    """A pharmacist's signature, the password checked here (``people.sign_in``: a wrong one is
    refused and counted). A technician or an administrator is refused."""
    from compounder.records import people

    actor = people.sign_in(sessions, username, password, now)
    if actor.role is not Role.PHARMACIST:
        raise PermissionRefused(f"{actor.username} is a {actor.role.value}: only a pharmacist signs a refill's formula changes")
    return RefillSignature(actor)


def signature_of(session: Session, credentials: Credentials) -> RefillSignature:
    """The pharmacist's signature, checked in ``session`` (``signing.signer``): for the signing
    dialog, which counts a wrong password itself. A technician or an administrator is refused."""
    from compounder.records.signing import signer

    actor = signer(session, credentials)
    if actor.role is not Role.PHARMACIST:
        raise PermissionRefused(f"{actor.username} is a {actor.role.value}: only a pharmacist signs a refill's formula changes")
    return RefillSignature(actor)


def store(session: Session, signature: RefillSignature, batch_number: str, shown: Sequence[str], now: dt.datetime) -> SignedChange:
    """Store the signed comparison for the batch: the changes are worked out again here and must
    be the ones shown to the signer (``shown``), else nothing is stored."""
    from compounder.records.batch_rows import batch_row
    from compounder.records.people import current_actor

    signer = current_actor(session, signature.signer)  # as the account is now: active, unlocked, still a pharmacist
    if signer.role is not Role.PHARMACIST:
        raise PermissionRefused(f"{signer.username} is a {signer.role.value}: only a pharmacist signs a refill's formula changes")
    row = batch_row(session, batch_number)
    diff = _diff(session, row)
    if diff is None or not diff.changes:
        raise RecordError(f"batch {batch_number} is not a refill to a changed formula: there is nothing to sign")
    if tuple(shown) != diff.changes:
        raise RecordError(f"batch {batch_number}: the formula's changes are not the ones shown; nothing was signed — look at them again")
    if session.scalars(select(RefillChange.id).where(RefillChange.batch_id == row.id)).first() is not None:
        raise RecordError(f"batch {batch_number}: its refill changes are signed already")
    entry = RefillChange(
        batch_id=row.id, previous_batch=diff.previous_batch, previous_version=diff.previous_version,
        changes=json.dumps(list(diff.changes), ensure_ascii=False), signed_by=signer.id, signed_at=now,
    )
    session.add(entry)
    session.flush()
    audit.record(session, signer, "sign refill changes", "refill_change", entry.id, None, now)
    found = signed_change(session, batch_number)
    assert found is not None
    return found


def signed_change(session: Session, batch_number: str) -> SignedChange | None:
    """The batch's signed refill comparison, or None."""
    found = session.execute(
        select(RefillChange, User.username, User.full_name, Batch.batch_number).join(User, User.id == RefillChange.signed_by)
        .join(Batch, Batch.id == RefillChange.batch_id).where(Batch.batch_number == batch_number)
    ).first()
    if found is None:
        return None
    entry, username, full_name, number = found
    return SignedChange(number, entry.previous_batch, entry.previous_version, tuple(json.loads(entry.changes)), username, full_name or username,
                        entry.signed_at)


def refuse_unsigned(session: Session, row: Batch) -> None:
    """The gate before a verification: a refill to a changed formula needs its signed comparison."""
    if session.scalars(select(RefillChange.id).where(RefillChange.batch_id == row.id)).first() is not None:
        return
    diff = _diff(session, row)
    if diff is not None and diff.changes:
        raise RecordError(
            f"batch {row.batch_number} is a refill and the formula changed since batch {diff.previous_batch} ({'; '.join(diff.changes)}); "
            "a pharmacist signs the changes before it is verified"
        )


def _diff(session: Session, row: Batch) -> RefillDiff | None:
    """The comparison with the patient's last batch on the Rx made before this one."""
    return refill_changes(session, row.patient_id, row.rx_number, row.formula_version_id, made_before=row.id)
