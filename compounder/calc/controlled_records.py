"""The controlled-substance records as printed: a lot's perpetual inventory (its ledger) and the
biennial inventory, as plain values the records fill in and the documents print.

Where the fields come from (21 CFR Part 1304, as in force; the docs' "Controlled substances"
page lists them): the ledger is the record of each substance received and disposed of
(1304.21(a), 1304.22(c)); the inventory gives, for each substance, its name and form, the
quantity in each container and the number of containers, taken on a date at the opening or the
close of business (1304.11(a), (c), (e)(3)), Schedule II kept apart from III–V (1304.04(h)).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

#: Schedules in the order the records keep them: II apart from the others (21 CFR 1304.04(h)).
SCHEDULE_ORDER = ("C-I", "C-II", "C-III", "C-IV", "C-V")
OPENING, CLOSE = "opening of business", "close of business"


@dataclass(frozen=True)
class LedgerEntry:
    at: dt.datetime
    kind: str  # "receipt", "use", "correction", "adjustment", "loss", "theft", "destruction", "void"
    change_g: Decimal  # signed
    balance_g: Decimal  # on hand after it
    what: str
    by: str


@dataclass(frozen=True)
class LotLedger:
    schedule: str  # "C-III"
    stock_form: str
    lot_number: str
    manufacturer: str
    expires: dt.date
    receipt: str  # the supplier, its address and DEA number, the invoice; or "not recorded (received before …)"
    entries: tuple[LedgerEntry, ...]

    @property
    def on_hand_g(self) -> Decimal:
        return self.entries[-1].balance_g if self.entries else Decimal(0)


@dataclass(frozen=True)
class InventoryLine:
    """One container (lot) on hand: bulk substances are weighed, so the quantity is in grams."""

    schedule: str
    stock_form: str
    lot_number: str
    manufacturer: str
    expires: dt.date
    on_hand_g: Decimal  # by the records at the moment the inventory is taken


def schedule_key(schedule: str) -> int:
    return SCHEDULE_ORDER.index(schedule) if schedule in SCHEDULE_ORDER else len(SCHEDULE_ORDER)
