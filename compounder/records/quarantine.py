"""A lot's quarantine: every lot received waits there until a pharmacist reviews its certificate of
analysis (assay, identity, expiry) and releases it (issue 25). A pharmacist receiving a lot may
review and release it in the same write, with the one signature (``lots.receive_lot(..., release=True)``); a technician's receipt waits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.records import audit
from compounder.records.model import IngredientLot
from compounder.records.model_stock import LotStatus
from compounder.records.policy import Actor, PermissionRefused, RecordError, Role


@dataclass(frozen=True)
class CoaReview:
    """What the pharmacist read on the certificate of analysis: the assay (None: the CoA gives
    none), the expiry, and that the identity test there names this ingredient."""

    assay_percent: Decimal | None
    expires: dt.date
    identity_confirmed: bool


def must_be_pharmacist(actor: Actor, what: str) -> None:
    if actor.role is not Role.PHARMACIST:
        raise PermissionRefused(f"only a pharmacist may {what}; {actor.username} is a {actor.role.value}")


def status_row(session: Session, lot_id: int) -> LotStatus | None:
    return session.scalar(select(LotStatus).where(LotStatus.lot_id == lot_id))


def hold_in_quarantine(session: Session, actor: Actor, lot_id: int, now: dt.datetime) -> None:
    """A lot just received waits in quarantine for a pharmacist's review of its CoA."""
    row = LotStatus(lot_id=lot_id, status="quarantined")
    session.add(row)
    session.flush()
    audit.record(session, actor, "quarantine", "lot_status", row.id, None, now)


def release_lot(session: Session, actor: Actor, lot_id: int, review: CoaReview, now: dt.datetime, *, action: str = "release") -> None:
    """A pharmacist's release of a quarantined lot: the certificate of analysis read again, its
    assay and expiry as the lot records them and its identity confirmed. A figure that differs is
    refused (correct the lot first: a release is of the lot as recorded)."""
    must_be_pharmacist(actor, "release a lot from quarantine (the review of its certificate of analysis)")
    lot = session.get(IngredientLot, lot_id)
    if lot is None:
        raise RecordError(f"no ingredient lot number {lot_id}")
    row = status_row(session, lot_id)
    if row is None or row.status == "released":
        raise RecordError(f"lot {lot.lot_number} of {lot.stock_form} is already released")
    if row.status == "voided":
        raise RecordError(f"lot {lot.lot_number} of {lot.stock_form} was voided; it is not released")
    if not review.identity_confirmed:
        raise RecordError(f"lot {lot.lot_number}: the certificate of analysis's identity test must name {lot.ingredient}; "
                          "a lot whose identity is not confirmed stays in quarantine")
    if review.expires != lot.expires:
        raise RecordError(f"lot {lot.lot_number}: the certificate of analysis gives expiry {review.expires.isoformat()}, the lot records "
                          f"{lot.expires.isoformat()}; correct the lot (or read the certificate again) before releasing it")
    if review.assay_percent != lot.potency_percent:
        read = "no assay" if review.assay_percent is None else f"assay {review.assay_percent:f} %"
        recorded = "no assay" if lot.potency_percent is None else f"{lot.potency_percent:f} %"
        raise RecordError(f"lot {lot.lot_number}: the certificate of analysis gives {read}, the lot records {recorded}; "
                          "correct the lot (or read the certificate again) before releasing it")
    old = audit.snapshot(session, "lot_status", row.id, lock=True)
    row.status, row.coa_assay_percent, row.coa_expires = "released", review.assay_percent, review.expires
    row.identity_confirmed, row.reviewed_at, row.reviewed_by = True, now, actor.id
    audit.record(session, actor, action, "lot_status", row.id, old, now)
