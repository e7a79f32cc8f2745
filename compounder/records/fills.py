"""Fills of a prescription: the first batch on a patient's Rx number and its refills, each a new
batch for the same prescription. The records count them, so the refills left on a label are the
records' figure, never one typed anew, and a refill with none left is refused.

A rejected batch never left the pharmacy and an amendment corrects a fill already counted:
neither is a fill.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.calc.errors import InputError
from compounder.records.model import Batch

#: The key of a stored plan that holds the order it was made for (``records.screening.ORDER_USED``).
_ORDER = "order"


@dataclass(frozen=True)
class Fills:
    """The fills on record of one prescription: ``authorized`` refills (as the first fill's
    prescription gave them; None when it did not), the batch numbers of the fills made."""

    rx_number: str
    authorized: int | None
    made: tuple[str, ...]

    @property
    def remaining(self) -> int | None:
        """Refills left after the fills made (the first fill is not a refill); None when unknown."""
        if self.authorized is None:
            return None
        return max(self.authorized - max(len(self.made) - 1, 0), 0)


def _authorized(plan: Mapping[str, Any]) -> int | None:
    order = plan.get(_ORDER) or {}
    refills = (order.get("prescription") or {}).get("refills")
    if isinstance(refills, int):
        return refills
    label = ((plan.get("documents") or {}).get("label")) or {}
    return label.get("refills") if isinstance(label.get("refills"), int) else None


def fills(session: Session, patient_id: int, rx_number: str) -> Fills:
    """The patient's fills on this Rx number, oldest first."""
    rows = session.execute(
        select(Batch.batch_number, Batch.plan)
        .where(Batch.patient_id == patient_id, Batch.rx_number == rx_number.strip(), Batch.status != "rejected", Batch.amends_id.is_(None))
        .order_by(Batch.id)
    ).all()
    return Fills(rx_number.strip(), _authorized(rows[0].plan) if rows else None, tuple(row.batch_number for row in rows))


def refill_order(session: Session, patient_id: int, rx_number: str, order: Mapping[str, Any]) -> dict[str, Any]:
    """The order of the next fill on this Rx number, with the refills its label prints: for a
    first fill, as given; for a refill, the refills left after it, from the records (a figure
    typed that differs is refused, and so is a refill with none left). Raises ``InputError``
    naming ``prescription.refills``."""
    found = fills(session, patient_id, rx_number)
    data = dict(order)
    if not found.made:
        return data
    prescription = dict(data.get("prescription") or {})
    typed = prescription.get("refills")
    if found.authorized is None:
        if typed is None:
            raise InputError(
                "prescription.refills",
                f"{rx_number.strip()} was first filled as batch {found.made[0]} without its refills on record; give the refills left after this fill",
            )
        return data
    left = found.authorized - len(found.made)  # after this fill: each fill after the first uses one refill
    if left < 0:
        raise InputError(
            "prescription.refills",
            f"no refills left on {rx_number.strip()}: {found.authorized} authorized, all used ({', '.join(found.made)}); a new prescription is needed",
        )
    if typed is not None and typed != left:
        raise InputError(
            "prescription.refills",
            f"{typed} typed, but the records hold {left} refills left after this fill of {rx_number.strip()} ({found.authorized} authorized, "
            f"{len(found.made)} filled); leave it empty to use the records' figure",
        )
    prescription["refills"] = left
    data["prescription"] = prescription
    return data
