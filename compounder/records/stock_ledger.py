"""A lot's ledger worked out from the records, never from a running total: its receipt, each
prepared batch's use (and an amendment's correction of it), and each signed event. The sum is the
stock on hand; ``reconcile`` compares it with the lot's ``remaining_ug`` (which every write keeps
in step) and names any difference. For a controlled substance this is the perpetual inventory
(21 CFR 1304.21(a): a complete and accurate record of each substance received, sold, delivered or
otherwise disposed of), and ``on_hand_at`` gives the biennial inventory's figures (1304.11(c)).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from compounder.calc.controlled_records import InventoryLine, LedgerEntry, LotLedger, schedule_key
from compounder.records.aliquot_rows import rows_of
from compounder.records.lots import Lot, lots, to_grams, to_ug
from compounder.records.model import Batch, BatchLine, IngredientLot, User
from compounder.records.model_stock import ControlledReceipt, LotEvent

RECEIPT = "receipt"
USE = "use"


@dataclass(frozen=True)
class LedgerLine:
    """One thing that happened to a lot, with what it changed the stock by (micrograms, signed)."""

    at: dt.datetime
    kind: str  # "receipt", "use", or a LotEvent kind
    quantity_ug: int
    what: str  # "batch 261123-001", "supplier …, invoice …", the reason
    by: str  # who signed it (and the witness)


@dataclass(frozen=True)
class Ledger:
    lot: Lot
    schedule: str | None
    lines: tuple[LedgerLine, ...]
    receipt: ControlledReceipt | None

    @property
    def on_hand_ug(self) -> int:
        return sum(line.quantity_ug for line in self.lines)

    def on_hand_at(self, moment: dt.datetime) -> int:
        return sum(line.quantity_ug for line in self.lines if line.at <= moment)


def _drawn(line: BatchLine, steps: list, base_lot: int | None) -> list[tuple[int, int]]:
    from compounder.records.batch_signoff import _drawn as drawn_by_line

    return drawn_by_line(line, steps, base_lot)


def batch_uses(session: Session, lot_ids: Iterable[int]) -> dict[int, list[tuple[Batch, int]]]:
    """Lot → (prepared batch, the change it made to the lot's stock), as ``batch_signoff`` drew it:
    each line's weight (an aliquot's ingredient and diluent), less, for an amendment, what the
    amended batch's line at the same position had drawn (given back at the amendment's signature)."""
    wanted = set(lot_ids)
    if not wanted:
        return {}
    touching = set(session.scalars(select(BatchLine.batch_id).where(BatchLine.lot_id.in_(wanted))))
    if not touching:
        return {}
    amendments = set(session.scalars(select(Batch.id).where(Batch.amends_id.in_(touching))))
    touching |= amendments  # an amendment that moved every line to another lot still gives back to this one
    parents = set(session.scalars(select(Batch.amends_id).where(Batch.id.in_(touching), Batch.amends_id.is_not(None))))
    batches = {b.id: b for b in session.scalars(select(Batch).where(Batch.id.in_(touching | parents)))}
    lines_by_batch: dict[int, list[BatchLine]] = defaultdict(list)
    for line in session.scalars(select(BatchLine).where(BatchLine.batch_id.in_(batches)).order_by(BatchLine.batch_id, BatchLine.position)):
        lines_by_batch[line.batch_id].append(line)
    steps = rows_of(session, [line.id for lines in lines_by_batch.values() for line in lines])

    def drawn_by_position(batch_id: int) -> dict[int, list[tuple[int, int]]]:
        lines = lines_by_batch.get(batch_id, [])
        base = next((line.lot_id for line in lines if line.role == "base"), None)
        return {line.position: _drawn(line, steps.get(line.id, []), base) for line in lines}

    uses: dict[int, list[tuple[Batch, int]]] = defaultdict(list)
    for batch_id in sorted((i for i in touching if batches[i].prepared_at is not None), key=lambda i: (batches[i].prepared_at, i)):
        batch = batches[batch_id]
        change: dict[int, int] = defaultdict(int)
        earlier = drawn_by_position(batch.amends_id) if batch.amends_id and batch.amends_id in batches else {}
        for position, drawn in drawn_by_position(batch_id).items():
            before = earlier.get(position)
            if before is not None and before == drawn:
                continue
            for lot_id, ug in before or []:
                change[lot_id] += ug
            for lot_id, ug in drawn:
                change[lot_id] -= ug
        for lot_id, ug in change.items():
            if lot_id in wanted and ug != 0:
                uses[lot_id].append((batch, ug))
    return uses


def ledgers(session: Session, lot_list: list[Lot], schedule_of: Callable[[str], str | None] = lambda _: None) -> list[Ledger]:
    """Each lot's ledger, in time order."""
    ids = [lot.id for lot in lot_list]
    uses = batch_uses(session, ids)
    # Each signer as 21 CFR 11.50 asks a signature to show: the printed name (and the user name).
    names: dict[int | None, str] = {
        user_id: f"{full_name} ({username})" if full_name else username
        for user_id, username, full_name in session.execute(select(User.id, User.username, User.full_name))
    }
    events: dict[int, list[LotEvent]] = defaultdict(list)
    for event in session.scalars(select(LotEvent).where(LotEvent.lot_id.in_(ids)).order_by(LotEvent.at, LotEvent.id)):
        events[event.lot_id].append(event)
    receipts = {r.lot_id: r for r in session.scalars(select(ControlledReceipt).where(ControlledReceipt.lot_id.in_(ids)))}
    received = {row.id: row for row in session.scalars(select(IngredientLot).where(IngredientLot.id.in_(ids)))}
    found = []
    for lot in lot_list:
        row, receipt = received[lot.id], receipts.get(lot.id)
        corrections = sum(e.quantity_ug for e in events[lot.id] if e.kind == "correction")
        papers = f"{lot.manufacturer}"
        if receipt is not None:
            papers = (f"{receipt.supplier}, {receipt.supplier_address}, DEA {receipt.supplier_dea}, invoice {receipt.invoice_number}"
                      + (f", order form {receipt.order_form}" if receipt.order_form else ""))
        lines = [LedgerLine(row.received_at, RECEIPT, row.received_ug - corrections, papers, names.get(row.received_by, "?"))]
        for batch, ug in uses.get(lot.id, []):
            what = f"batch {batch.batch_number}" + (" (amendment: the amended batch's use given back)" if batch.amends_id else "")
            assert batch.prepared_at is not None  # only prepared batches drew
            lines.append(LedgerLine(batch.prepared_at, USE, ug, what, names.get(batch.prepared_by, "?")))
        for event in events[lot.id]:
            what = event.reason
            if event.kind in ("loss", "theft"):
                what += f" (discovered {event.happened_on}; {event.loss_type}; police: {event.police})"
            if event.kind == "destruction":
                what += f" (destroyed {event.happened_on}; {event.method})"
            by = names.get(event.user_id, "?") + (f", witness {names.get(event.witness_id, '?')}" if event.witness_id else "")
            lines.append(LedgerLine(event.at, event.kind, event.quantity_ug, what, by))
        lines.sort(key=lambda line: line.at)
        found.append(Ledger(lot, receipt.schedule if receipt else schedule_of(lot.stock_form), tuple(lines), receipt))
    return found


def controlled_lots(session: Session, schedule_of: Callable[[str], str | None]) -> list[Lot]:
    """Lots of a scheduled substance (by the reference data, ``schedule_of``), or received with a
    controlled-substance receipt."""
    marked = set(session.scalars(select(ControlledReceipt.lot_id)))
    return [lot for lot in lots(session) if lot.id in marked or schedule_of(lot.stock_form) is not None]


def reconcile(session: Session, lot_list: list[Lot]) -> list[str]:
    """Where a lot's stock on hand differs from the sum of its records, one sentence each."""
    problems = []
    from compounder.records.stock import grams_text

    for ledger in ledgers(session, lot_list):
        lot = ledger.lot
        if ledger.on_hand_ug != to_ug(lot.remaining):
            problems.append(
                f"lot {lot.lot_number} of {lot.stock_form}: {grams_text(to_ug(lot.remaining))} g on hand, but its records "
                f"(receipt, batches, adjustments, destruction) add up to {grams_text(ledger.on_hand_ug)} g"
            )
    return problems


def reconcile_controlled_receipts(session: Session) -> list[str]:
    """``db check``'s part: every lot received with a controlled-substance receipt reconciles."""
    marked = set(session.scalars(select(ControlledReceipt.lot_id)))
    return reconcile(session, [lot for lot in lots(session) if lot.id in marked]) if marked else []


def controlled_stock_problems(connection: Connection) -> list[str]:
    """``db check``: the perpetual inventory of every lot received as a controlled substance
    reconciles with the lot's stock (read on the check's own connection and snapshot)."""
    with Session(bind=connection) as session:
        return [f"controlled-substance inventory: {problem}" for problem in reconcile_controlled_receipts(session)]


def printed_ledger(ledger: Ledger) -> LotLedger:
    """The ledger as the documents print it: grams, with the balance after each line."""
    balance = 0
    entries = []
    for line in ledger.lines:
        balance += line.quantity_ug
        entries.append(LedgerEntry(line.at, line.kind, to_grams(line.quantity_ug), to_grams(balance), line.what, line.by))
    lot = ledger.lot
    receipt = ledger.lines[0].what if ledger.receipt is not None else (
        f"{lot.manufacturer}; no controlled-substance receipt on record (received before migration 0017 or as uncontrolled)")
    return LotLedger(ledger.schedule or "", lot.stock_form, lot.lot_number, lot.manufacturer, lot.expires, receipt, tuple(entries))


def inventory_lines(found: list[Ledger], moment: dt.datetime) -> list[InventoryLine]:
    """The biennial inventory's lines at ``moment``: every controlled lot received by then with
    something on hand, Schedule II first, then by substance and lot."""
    lines = [
        InventoryLine(ledger.schedule or "", ledger.lot.stock_form, ledger.lot.lot_number, ledger.lot.manufacturer, ledger.lot.expires,
                      to_grams(ledger.on_hand_at(moment)))
        for ledger in found if ledger.lines and ledger.lines[0].at <= moment and ledger.on_hand_at(moment) > 0
    ]
    return sorted(lines, key=lambda line: (schedule_key(line.schedule), line.stock_form.lower(), line.lot_number))
