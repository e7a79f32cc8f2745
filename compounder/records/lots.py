"""Ingredient lots: received into inventory (into quarantine until a pharmacist releases the
certificate of analysis: ``compounder.records.stock``), drawn down by prepared batches, refused when
quarantined, voided, expired or exhausted, listed with near-expiry warnings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, Select, Update, exists, func, or_, select, update
from sqlalchemy.orm import Session

from compounder.calc.balance_grams import to_grams, to_ug  # micrograms in the columns: the one conversion, re-exported
from compounder.records import audit
from compounder.records.model import IngredientLot
from compounder.records.model_stock import LotStatus
from compounder.records.paging import ordered, page_of
from compounder.records.policy import NEAR_EXPIRY_DAYS, Actor, RecordError, lot_problem, near_expiry

if TYPE_CHECKING:
    from compounder.records.quarantine import CoaReview
    from compounder.records.signing import Credentials


@dataclass(frozen=True)
class Lot:
    id: int
    ingredient: str
    stock_form: str
    manufacturer: str
    lot_number: str
    expires: dt.date
    potency_percent: Decimal | None
    received: Decimal  # grams
    remaining: Decimal  # grams
    supplier: str | None = None  # who sold it, when recorded (migration 0016)
    status: str = "released"  # "quarantined", "released" or "voided" (``model_stock.LotStatus``)

    def problem(self, on: dt.date, needed: Decimal = Decimal(0), beyond_use: dt.date | None = None) -> str | None:
        if self.status == "quarantined":
            return "it is in quarantine: a pharmacist reviews its certificate of analysis and releases it first (Ingredient lots ▸ Release)"
        if self.status == "voided":
            return "it was voided (entered in error)"
        return lot_problem(self.expires, self.remaining, on, needed, beyond_use)

    def near_expiry(self, on: dt.date, days: int = NEAR_EXPIRY_DAYS) -> bool:
        return near_expiry(self.expires, on, days)

    @property
    def label(self) -> str:
        return f"{self.lot_number} ({self.manufacturer}, expires {self.expires.isoformat()}, {self.remaining:f} g left)"  # 500, never 5E+2


def receive_lot(
    session: Session, credentials: Credentials, *, ingredient: str, stock_form: str, manufacturer: str, lot_number: str,
    expires: dt.date, quantity: str | Decimal, potency_percent: str | Decimal | None, now: dt.datetime, supplier: str | None = None,
    release: CoaReview | bool = False,
) -> Lot:
    """Record a lot received, in quarantine, signed by whoever received it (``credentials``: their
    password checked here, ``signing.signer``); refused when already past its expiry or the
    quantity is not a weight. ``supplier``: who sold it (a wholesaler), when not the manufacturer;
    None or empty: not recorded. ``release``: a pharmacist receiving it has reviewed its
    certificate of analysis and releases it in the same step, with the one signature
    (``stock.release_lot``); ``True`` says the certificate's identity test names the ingredient
    and its assay and expiry are the ones entered here."""
    from compounder.records.signing import signer

    return receive_as(
        session, signer(session, credentials), ingredient=ingredient, stock_form=stock_form, manufacturer=manufacturer, lot_number=lot_number,
        expires=expires, quantity=quantity, potency_percent=potency_percent, now=now, supplier=supplier, release=release,
    )


def receive_as(
    session: Session, actor: Actor, *, ingredient: str, stock_form: str, manufacturer: str, lot_number: str,
    expires: dt.date, quantity: str | Decimal, potency_percent: str | Decimal | None, now: dt.datetime, supplier: str | None = None,
    release: CoaReview | bool = False,
) -> Lot:
    """``receive_lot`` for a signer whose password was checked in this transaction
    (``signing.signer``): a controlled substance's receipt signs its record with the same signature."""
    from compounder.records.lot_receipt import already_in_stock, check_fields, in_stock_refusal
    from compounder.records.quarantine import CoaReview, hold_in_quarantine, must_be_pharmacist, release_lot

    if release is not False:
        must_be_pharmacist(actor, "release a lot from quarantine (the review of its certificate of analysis)")
    checked = check_fields(
        ingredient=ingredient, stock_form=stock_form, manufacturer=manufacturer, lot_number=lot_number, expires=expires, quantity=quantity,
        potency_percent=potency_percent, supplier=supplier, today=now.date(),
    )
    grams, potency = checked.grams, checked.potency
    if already_in_stock(session, stock_form, manufacturer, lot_number):
        raise in_stock_refusal(lot_number, stock_form, manufacturer)
    row = IngredientLot(
        ingredient=ingredient.strip(), stock_form=stock_form.strip(), manufacturer=manufacturer.strip(), lot_number=lot_number.strip(),
        expires=expires, potency_percent=potency, received_ug=to_ug(grams), remaining_ug=to_ug(grams), received_at=now, received_by=actor.id,
        supplier=checked.supplier,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "receive", "ingredient_lot", row.id, None, now)
    hold_in_quarantine(session, actor, row.id, now)
    if release is not False:
        review = CoaReview(potency, expires, identity_confirmed=True) if release is True else release
        release_lot(session, actor, row.id, review, now, action="receive and release")
    return get_lot(session, row.id)


def _with_status() -> Select:
    """Lots with their status; a lot with no status row (received before migration 0017) is released."""
    return select(IngredientLot, func.coalesce(LotStatus.status, "released")).outerjoin(LotStatus, LotStatus.lot_id == IngredientLot.id)


def get_lot(session: Session, lot_id: int) -> Lot:
    found = session.execute(_with_status().where(IngredientLot.id == lot_id)).one_or_none()
    if found is None:
        raise RecordError(f"no ingredient lot number {lot_id}")
    return lot_value(found[0], found[1])


def lots(session: Session, *, stock_form: str | None = None, lot_number: str | None = None) -> list[Lot]:
    """Lots in stock, soonest expiry first."""
    query = _with_status().order_by(IngredientLot.expires, IngredientLot.id)
    if stock_form is not None:
        query = query.where(func.lower(IngredientLot.stock_form) == stock_form.lower())
    if lot_number is not None:
        query = query.where(IngredientLot.lot_number == lot_number)
    return [lot_value(row, status) for row, status in session.execute(query)]


def not_released(lot_id: Any) -> Any:
    """SQL: the lot has a status other than released (quarantined or voided)."""
    return exists().where(LotStatus.lot_id == lot_id, LotStatus.status != "released")


LOT_ORDERS = {
    "lot_number": IngredientLot.lot_number, "stock_form": IngredientLot.stock_form, "ingredient": IngredientLot.ingredient,
    "manufacturer": IngredientLot.manufacturer, "expires": IngredientLot.expires, "remaining": IngredientLot.remaining_ug,
    "received": IngredientLot.received_ug, "potency_percent": IngredientLot.potency_percent,
}
"""What a page of lots may be sorted by (``Lot``'s fields), in the query."""


def _lots_matching(query: Select, matching: str) -> Select:
    """Lots whose number, stock form, ingredient or manufacturer starts with ``matching`` (any case)."""
    text = matching.strip().lower()
    if not text:
        return query
    columns = (IngredientLot.lot_number, IngredientLot.stock_form, IngredientLot.ingredient, IngredientLot.manufacturer)
    return query.where(or_(*(func.lower(column).startswith(text, autoescape=True) for column in columns)))


def lot_page(
    session: Session, *, matching: str = "", limit: int | None = None, offset: int = 0, order_by: str = "expires", descending: bool = False,
) -> list[Lot]:
    """Lots in stock (those ``matching`` only: see ``lot_count``), soonest expiry first unless
    ``order_by`` (a ``LOT_ORDERS`` name) says otherwise: at most ``limit`` from the ``offset``-th on."""
    query = ordered(_lots_matching(_with_status(), matching), LOT_ORDERS, order_by, descending, IngredientLot.expires, IngredientLot.id)
    return [lot_value(row, status) for row, status in session.execute(page_of(query, limit, offset))]


def lot_count(session: Session, *, matching: str = "") -> int:
    """How many lots there are whose number, stock form, ingredient or manufacturer starts with
    ``matching`` (any case; every lot when empty)."""
    return session.execute(_lots_matching(select(func.count()).select_from(IngredientLot), matching)).scalar_one()


def usable_lots(session: Session, stock_form: str, on: dt.date, beyond_use: dt.date | None = None) -> list[Lot]:
    """Lots of this stock form that may be used on ``on``: released (not in quarantine, not
    voided), not expired, not exhausted, and (given the batch's beyond-use date) not expiring before it."""
    query = (
        select(IngredientLot)
        .where(
            func.lower(IngredientLot.stock_form) == stock_form.lower(), IngredientLot.expires >= max(on, beyond_use or on),
            IngredientLot.remaining_ug > 0, ~not_released(IngredientLot.id),
        )
        .order_by(IngredientLot.expires, IngredientLot.id)
    )
    return [lot_value(row) for row in session.scalars(query)]


def _locked(session: Session, lot_id: int) -> dict:
    """The lot's row, locked until the transaction ends, as the audit trail records it."""
    old = audit.snapshot(session, "ingredient_lot", lot_id, lock=True)
    if old is None:
        raise RecordError(f"no ingredient lot number {lot_id}")
    return old


def draw(session: Session, actor: Actor, lot_id: int, grams: Decimal, on: dt.date, now: dt.datetime, why: str) -> None:
    """Take ``grams`` out of the lot. One conditional UPDATE: it cannot overdraw, nor draw on an
    expired lot, however many workstations draw at once. The row is locked before it is read, so
    the audit entry's "old" quantity is the one this draw took from."""
    old = _locked(session, lot_id)
    amount = to_ug(grams)
    changed = _rows_changed(
        session,
        update(IngredientLot)
        .where(IngredientLot.id == lot_id, IngredientLot.remaining_ug >= amount, IngredientLot.expires >= on, ~not_released(IngredientLot.id))
        .values(remaining_ug=IngredientLot.remaining_ug - amount)
    )
    if changed != 1:
        lot = get_lot(session, lot_id)
        raise RecordError(f"lot {lot.lot_number} of {lot.stock_form} cannot be used: {lot.problem(on, grams) or 'it changed; try again'}")
    audit.record(session, actor, why, "ingredient_lot", lot_id, old, now)


def give_back(session: Session, actor: Actor, lot_id: int, grams: Decimal, now: dt.datetime, why: str) -> None:
    """Put ``grams`` back on the lot's stock (a corrected record drew it from another lot, or less
    of it). Never more than was received."""
    old = _locked(session, lot_id)
    amount = to_ug(grams)
    changed = _rows_changed(
        session,
        update(IngredientLot)
        .where(IngredientLot.id == lot_id, IngredientLot.remaining_ug + amount <= IngredientLot.received_ug)
        .values(remaining_ug=IngredientLot.remaining_ug + amount)
    )
    if changed != 1:
        lot = get_lot(session, lot_id)
        raise RecordError(f"lot {lot.lot_number} of {lot.stock_form}: {grams} g cannot go back (more than was received)")
    audit.record(session, actor, why, "ingredient_lot", lot_id, old, now)


def lot_value(row: IngredientLot, status: str = "released") -> Lot:
    return Lot(
        id=row.id, ingredient=row.ingredient, stock_form=row.stock_form, manufacturer=row.manufacturer, lot_number=row.lot_number,
        expires=row.expires, potency_percent=row.potency_percent, received=to_grams(row.received_ug), remaining=to_grams(row.remaining_ug),
        supplier=row.supplier,
        status=status,
    )


def _rows_changed(session: Session, statement: Update) -> int:
    """How many rows an UPDATE changed: ``Session.execute`` runs a DML statement into a
    ``CursorResult`` (which has ``rowcount``), though its signature says ``Result``."""
    return cast("CursorResult[Any]", session.execute(statement)).rowcount
