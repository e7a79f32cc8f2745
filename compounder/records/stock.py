"""What a pharmacist signs on a lot besides its receipt: the release of its certificate of
analysis out of quarantine, a correction of the quantity received, a count adjustment, a loss or
theft, a destruction (witnessed), a void; and a controlled substance's receipt record.

Each is one audited write signed by the signed-in pharmacist with a reason; each change to the
stock on hand is a ``LotEvent`` and the same change to ``ingredient_lot.remaining_ug`` in the same
transaction, so the lot's figure is always the sum of what the records say happened to it
(``compounder.records.stock_ledger`` adds it up again and reports a difference).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from compounder.records import audit
from compounder.records.lot_receipt import (
    ControlledReceiptDetails,
    LotReceipt,
    ReceiptRefused,
    already_in_stock,
    check_fields,
    in_stock_refusal,
)
from compounder.records.lots import Lot, _locked, _rows_changed, get_lot, to_grams, to_ug
from compounder.records.model import BatchLine, IngredientLot
from compounder.records.model_stock import ControlledReceipt, LotEvent, LotStatus
from compounder.records.policy import Actor, PermissionRefused, RecordError, Role, check_reason, parse_weight
from compounder.records.quarantine import CoaReview, hold_in_quarantine, must_be_pharmacist, release_lot, status_row
from compounder.records.signing import Credentials

__all__ = [
    "CoaReview", "ControlledReceiptDetails", "DeliveryRefused", "DestructionDetails", "LossDetails", "LotReceipt", "ReceiptRefused", "adjust",
    "check_receipt", "correct_received", "dea_number_problem", "destroy", "hold_in_quarantine", "must_be_pharmacist", "receive",
    "receive_delivery", "record_controlled_receipt", "record_loss", "release_lot", "status_row", "void",
]

#: A DEA registration number: two letters and seven digits, the last a check digit (21 CFR 1301.11;
#: the check digit as the DEA publishes it: 1st+3rd+5th digits, plus twice 2nd+4th+6th, last digit).
_DEA = re.compile(r"^[A-Z]{2}\d{7}$")
LOSS_KINDS = ("loss", "theft")


@dataclass(frozen=True)
class LossDetails:
    """DEA Form 106's facts of a loss or theft (21 CFR 1301.76(b))."""

    discovered_on: dt.date
    loss_type: str  # e.g. "lost in transit", "employee pilferage", "night break-in"
    police: str  # "not notified", or the department and report number


@dataclass(frozen=True)
class DestructionDetails:
    """DEA Form 41's facts of a destruction (21 CFR 1304.21(e), 1317.95; Form 41 part D: two employees witness it): when, how, and who
    witnessed it (another person, who signs too)."""

    destroyed_on: dt.date
    method: str
    witness: Actor


def dea_number_problem(number: str) -> str | None:
    """Why ``number`` is not a DEA registration number, or None."""
    text = number.strip().upper()
    if not _DEA.match(text):
        return f"{number!r} is not a DEA number: two letters and seven digits, e.g. AB1234563"
    digits = [int(c) for c in text[2:]]
    check = (digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])) % 10
    if check != digits[6]:
        return f"{number!r} is not a DEA number: its check digit should be {check}; read it again from the supplier's papers"
    return None


def signed_grams(text: str | Decimal) -> Decimal:
    """A change in grams, "+2.5" or "-1.25" (a plain number counts as more)."""
    raw = str(text).strip().replace(" ", "")
    sign = -1 if raw.startswith(("-", "−")) else 1
    grams = parse_weight(raw.lstrip("+-−").removesuffix("g"))
    if grams == 0:
        raise RecordError("the change must be more than 0 g; give it with its sign, e.g. -2.5 for 2.5 g less")
    return sign * grams


def check_controlled_receipt(details: ControlledReceiptDetails) -> None:
    """Refuse a controlled substance's receipt record (21 CFR 1304.22(c)) without the supplier, its
    address, a valid DEA number or the invoice, and for C-II without the order form. The window
    asks it before the signature, so a missing field costs no password. The refusal names its field
    (``lot_receipt.ReceiptRefused``)."""
    for field, name, value in (("supplier", "supplier", details.supplier), ("supplier_address", "supplier's address", details.supplier_address),
                               ("invoice_number", "invoice number", details.invoice_number)):
        if not value or not value.strip():
            raise ReceiptRefused(f"controlled.{field}", f"give the {name}: the receipt of a {details.schedule} substance records it (21 CFR 1304.22(c))")
    problem = dea_number_problem(details.supplier_dea)
    if problem:
        raise ReceiptRefused("controlled.supplier_dea", f"supplier's DEA number: {problem}")
    if details.schedule == "C-II" and not (details.order_form or "").strip():
        raise ReceiptRefused("controlled.order_form",
                             "give the DEA Form 222 or CSOS order number: a Schedule II substance is received on one (21 CFR 1305.13, 1305.22)")


def record_controlled_receipt(session: Session, actor: Actor, lot_id: int, details: ControlledReceiptDetails, now: dt.datetime) -> None:
    """The receipt record of a controlled substance's lot (21 CFR 1304.22(c)), refused as
    ``check_controlled_receipt`` says."""
    check_controlled_receipt(details)
    row = ControlledReceipt(
        lot_id=lot_id, schedule=details.schedule, supplier=details.supplier.strip(), supplier_address=" ".join(details.supplier_address.split()),
        supplier_dea=details.supplier_dea.strip().upper(), invoice_number=details.invoice_number.strip(),
        order_form=(details.order_form or "").strip() or None, user_id=actor.id, at=now,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "receive controlled", "controlled_receipt", row.id, None, now)


def receive(session: Session, credentials: Credentials, *, schedule: str | None, controlled: ControlledReceiptDetails | None, **fields) -> Lot:
    """``lots.receive_lot``, and for a controlled substance (``schedule`` "C-III", from the reference
    data: ``compounder.calc.controlled.schedule_mark``) its receipt record, in the same write and
    under the same signature (``credentials``, checked here); refused without that record (21 CFR 1304.22(c))."""
    from compounder.records.signing import signer

    _check_schedule(fields.get("stock_form"), schedule, controlled)
    return _receive_one(session, signer(session, credentials), schedule, controlled, fields)


def check_receipt(session: Session, receipt: LotReceipt, today: dt.date, *, alongside: Sequence[LotReceipt] = ()) -> None:
    """Check ``receipt`` as ``receive_delivery`` will, writing nothing: every typed field, a
    controlled substance's receipt record, a lot already in stock or already among ``alongside``
    (the delivery's other lots). ``ReceiptRefused`` names the field. What only the signature can
    settle (the password; a release by someone who is not a pharmacist) is checked at signing."""
    check_fields(
        ingredient=receipt.ingredient, stock_form=receipt.stock_form, manufacturer=receipt.manufacturer, lot_number=receipt.lot_number,
        expires=receipt.expires, quantity=receipt.quantity, potency_percent=receipt.potency_percent, supplier=receipt.supplier, today=today,
    )
    _check_schedule(receipt.stock_form, receipt.schedule, receipt.controlled)
    if receipt.controlled is not None:
        check_controlled_receipt(receipt.controlled)
    if any(other.key == receipt.key for other in alongside):
        raise ReceiptRefused("lot_number", f"lot {receipt.lot_number} of {receipt.stock_form} from {receipt.manufacturer} is already in this delivery")
    if already_in_stock(session, receipt.stock_form, receipt.manufacturer, receipt.lot_number):
        raise in_stock_refusal(receipt.lot_number, receipt.stock_form, receipt.manufacturer)


class DeliveryRefused(RecordError):
    """One lot of a delivery refused, so none was received: which (``position``, from 1), and the
    field (``field``, as ``ReceiptRefused`` names it; None for a refusal of the lot as a whole)."""

    def __init__(self, position: int, receipt: LotReceipt, error: RecordError) -> None:
        super().__init__(f"lot {position} of the delivery ({receipt.lot_number.strip()} of {receipt.stock_form.strip()}): {error}; "
                         "no lot of the delivery was received")
        self.position, self.receipt, self.field = position, receipt, getattr(error, "field", None)


def receive_delivery(session: Session, credentials: Credentials, receipts: Sequence[LotReceipt], now: dt.datetime) -> list[Lot]:
    """Every lot of one delivery received in ``session``'s one transaction under one signature:
    ``credentials`` checked once (``signing.signer``), then each lot as ``receive`` receives it
    (its receipt, quarantine or release, a controlled substance's receipt record), each audited
    and recorded as received by that signer at ``now``. All or nothing: the first lot refused
    raises ``DeliveryRefused`` and the caller's transaction rolls every lot back."""
    from compounder.records.signing import signer

    if not receipts:
        raise RecordError("the delivery has no lot to receive: add each lot first")
    actor = signer(session, credentials)
    received: list[Lot] = []
    for position, receipt in enumerate(receipts, 1):
        try:
            if any(other.key == receipt.key for other in receipts[:position - 1]):
                raise ReceiptRefused("lot_number", f"lot {receipt.lot_number} of {receipt.stock_form} is twice in the delivery")
            _check_schedule(receipt.stock_form, receipt.schedule, receipt.controlled)
            received.append(_receive_one(session, actor, receipt.schedule, receipt.controlled, {**receipt.fields(), "now": now}))
        except RecordError as error:
            raise DeliveryRefused(position, receipt, error) from error
    return received


def _check_schedule(stock_form: object, schedule: str | None, controlled: ControlledReceiptDetails | None) -> None:
    if schedule is not None and controlled is None:
        raise ReceiptRefused("controlled", f"{stock_form} is a {schedule} controlled substance: give the supplier, its address and DEA "
                             "number and the invoice number (21 CFR 1304.22(c))")


def _receive_one(session: Session, actor: Actor, schedule: str | None, controlled: ControlledReceiptDetails | None, fields: dict) -> Lot:
    """One lot received for ``actor``, whose signature was checked in this transaction: the
    lot (``lots.receive_as``) and, for a controlled substance, its receipt record signed with it."""
    from compounder.records.lots import receive_as

    lot = receive_as(session, actor, **fields)
    if controlled is not None:
        if schedule is None:
            raise RecordError(f"{lot.stock_form} is not a controlled substance in the reference data: no controlled-substance receipt")
        record_controlled_receipt(session, actor, lot.id, ControlledReceiptDetails(**{**controlled.__dict__, "schedule": schedule}), fields["now"])
    return lot


def correct_received(session: Session, actor: Actor, lot_id: int, received: str | Decimal, reason: str, now: dt.datetime) -> LotEvent:
    """The quantity received was recorded wrong: the receipt and the stock on hand move by the difference."""
    must_be_pharmacist(actor, "correct a lot")
    lot = get_lot(session, lot_id)
    grams = parse_weight(str(received).strip().removesuffix("g"))
    if grams <= 0:
        raise RecordError("the quantity received must be more than 0 g")
    delta = to_ug(grams) - to_ug(lot.received)
    if delta == 0:
        raise RecordError(f"lot {lot.lot_number} already records {lot.received:f} g received; nothing to correct")
    if to_ug(lot.remaining) + delta < 0:
        raise RecordError(f"lot {lot.lot_number}: {lot.received - lot.remaining:f} g were already used or taken out; "
                          f"the quantity received cannot be less than that")
    return _change(session, actor, lot_id, "correction", delta, reason, now, received_too=True)


def adjust(session: Session, actor: Actor, lot_id: int, change: str | Decimal, reason: str, now: dt.datetime) -> LotEvent:
    """A count that differs from the records (a spill, a weighing of the container): the stock on
    hand moves by ``change`` grams (signed). Never above what was received (correct the receipt)."""
    must_be_pharmacist(actor, "adjust a lot's stock")
    return _change(session, actor, lot_id, "adjustment", to_ug(signed_grams(change)), reason, now)


def record_loss(session: Session, actor: Actor, lot_id: int, kind: str, quantity: str | Decimal, reason: str, details: LossDetails,
                now: dt.datetime) -> LotEvent:
    """A loss or theft, with what DEA Form 106 asks (a controlled substance's significant loss or
    any theft is reported to the DEA within one business day of discovery, 21 CFR 1301.76(b))."""
    if kind not in LOSS_KINDS:
        raise RecordError(f"{kind!r}: give loss or theft")
    must_be_pharmacist(actor, f"record a {kind}")
    for field, value in (("type of loss", details.loss_type), ("police notified", details.police)):
        if not value or not value.strip():
            raise RecordError(f"give the {field} (DEA Form 106 asks it); e.g. {'lost in transit' if field == 'type of loss' else 'not notified'}")
    if details.discovered_on > now.date():
        raise RecordError(f"date discovered: {details.discovered_on.isoformat()} is after today")
    grams = parse_weight(str(quantity).strip().removesuffix("g"))
    event = _change(session, actor, lot_id, kind, -to_ug(grams), reason, now,
                    happened_on=details.discovered_on, loss_type=details.loss_type.strip(), police=details.police.strip())
    return event


def destroy(session: Session, actor: Actor, lot_id: int, quantity: str | Decimal | None, reason: str, details: DestructionDetails,
            now: dt.datetime) -> LotEvent:
    """A destruction, witnessed by another person who signs too (DEA Form 41; 21 CFR 1304.21(e),
    1317.95). ``quantity`` None destroys all the lot has on hand; an expired lot may be destroyed."""
    from compounder.records.people import current_actor

    must_be_pharmacist(actor, "destroy stock")
    witness = current_actor(session, details.witness)
    if witness.id == actor.id:
        raise RecordError(f"the witness must be another person than the pharmacist who signs ({actor.username}); "
                          "a destruction is witnessed by two people")
    if witness.role is Role.ADMINISTRATOR:
        raise PermissionRefused(f"{witness.username} is an administrator: the witness is a pharmacist or technician of the pharmacy")
    if not details.method or not details.method.strip():
        raise RecordError("give the method of destruction (DEA Form 41 asks it), e.g. rendered non-retrievable in a denaturing kit")
    if details.destroyed_on > now.date():
        raise RecordError(f"date destroyed: {details.destroyed_on.isoformat()} is after today")
    lot = get_lot(session, lot_id)
    amount = to_ug(lot.remaining) if quantity in (None, "") else to_ug(parse_weight(str(quantity).strip().removesuffix("g")))
    if amount <= 0:
        raise RecordError(f"lot {lot.lot_number} has nothing on hand to destroy")
    event = _change(session, actor, lot_id, "destruction", -amount, reason, now,
                    happened_on=details.destroyed_on, method=details.method.strip(), witness_id=witness.id)
    audit.record(session, witness, "witness", "lot_event", event.id, audit.snapshot(session, "lot_event", event.id), now)
    return event


def void(session: Session, actor: Actor, lot_id: int, reason: str, now: dt.datetime) -> LotEvent:
    """A lot entered in error: its stock goes to nothing and it can no longer be chosen. Refused
    for a lot a batch used (correct or adjust it instead: the batch's record stands)."""
    must_be_pharmacist(actor, "void a lot")
    lot = get_lot(session, lot_id)
    if lot.status == "voided":
        raise RecordError(f"lot {lot.lot_number} of {lot.stock_form} is already voided")
    used = session.scalar(select(BatchLine.id).where(BatchLine.lot_id == lot_id).limit(1))
    if used is not None:
        raise RecordError(f"lot {lot.lot_number} of {lot.stock_form} is on a batch's record; a lot a batch used is not voided "
                          "(correct, adjust or destroy it instead)")
    event = _change(session, actor, lot_id, "void", -to_ug(lot.remaining), reason, now)
    row = status_row(session, lot_id)
    if row is None:  # received before quarantine existed
        row = LotStatus(lot_id=lot_id, status="voided", void_reason=event.reason)
        session.add(row)
        session.flush()
        audit.record(session, actor, "void", "lot_status", row.id, None, now)
    else:
        old = audit.snapshot(session, "lot_status", row.id, lock=True)
        row.status, row.void_reason = "voided", event.reason
        audit.record(session, actor, "void", "lot_status", row.id, old, now)
    return event


def _change(session: Session, actor: Actor, lot_id: int, kind: str, delta: int, reason: str, now: dt.datetime, *,
            received_too: bool = False, **details) -> LotEvent:
    """One event and the same change to the lot's stock (and receipt), in one conditional UPDATE
    that cannot take the stock below nothing nor above what was received."""
    from compounder.records.people import current_actor

    actor = current_actor(session, actor)
    why = check_reason(reason)
    old = _locked(session, lot_id)
    lot = get_lot(session, lot_id)
    conditions = [IngredientLot.id == lot_id, IngredientLot.remaining_ug + delta >= 0]
    values = {"remaining_ug": IngredientLot.remaining_ug + delta}
    if received_too:
        conditions.append(IngredientLot.received_ug + delta > 0)
        values["received_ug"] = IngredientLot.received_ug + delta
    else:
        conditions.append(IngredientLot.remaining_ug + delta <= IngredientLot.received_ug)
    if delta != 0 and _rows_changed(session, update(IngredientLot).where(*conditions).values(**values)) != 1:
        if delta < 0:
            raise RecordError(f"lot {lot.lot_number} of {lot.stock_form} has {lot.remaining:f} g on hand; {to_grams(-delta):f} g cannot be taken out")
        raise RecordError(f"lot {lot.lot_number} of {lot.stock_form}: {to_grams(delta):f} g more would be above the {lot.received:f} g received; "
                          "if the receipt was wrong, correct the quantity received")
    if delta != 0:
        audit.record(session, actor, kind, "ingredient_lot", lot_id, old, now)
    event = LotEvent(lot_id=lot_id, kind=kind, quantity_ug=delta, reason=why, user_id=actor.id, at=now, **details)
    session.add(event)
    session.flush()
    audit.record(session, actor, kind, "lot_event", event.id, None, now)
    return event


def grams_text(ug: int) -> str:
    """Micrograms as grams for a message or a printout: "2.5", "100", never "2.500000" or "1E+2"."""
    return format(to_grams(ug).normalize(), "f")
