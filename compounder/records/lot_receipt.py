"""A lot as typed at its receipt, and the checks it passes before anything is written.

The same checks run whether the lot is received on its own (``stock.receive``), as one lot of a
delivery signed once (``stock.receive_delivery``), or only checked while the delivery is put
together in the window (``stock.check_receipt``): the window asks nothing the records would
refuse later, and no rule lives in two places. A refusal names its field
(``ReceiptRefused.field``, a ``LotReceipt`` attribute name) so the window can put the keys there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.records.model import IngredientLot
from compounder.records.policy import RecordError, parse_weight


@dataclass(frozen=True)
class ControlledReceiptDetails:
    """21 CFR 1304.22(c): who supplied a controlled substance, and the papers of the receipt."""

    schedule: str  # "C-III"
    supplier: str
    supplier_address: str
    supplier_dea: str
    invoice_number: str
    order_form: str | None = None  # Schedule II: the DEA Form 222 or CSOS order number


class ReceiptRefused(RecordError):
    """A lot's receipt refused; ``field`` is the ``LotReceipt`` attribute it concerns
    ("quantity", "controlled.supplier_dea", …)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class LotReceipt:
    """One lot as typed from its container and certificate of analysis. ``release``: the
    pharmacist receiving it reviewed its certificate and releases it with the receipt's signature
    (each lot its own choice). ``schedule``: its DEA schedule from the reference data ("C-III"),
    None when not controlled; ``controlled``: the receipt record such a lot needs."""

    ingredient: str
    stock_form: str
    manufacturer: str
    lot_number: str
    expires: dt.date
    quantity: str
    potency_percent: str | None
    supplier: str | None = None
    release: bool = False
    schedule: str | None = None
    controlled: ControlledReceiptDetails | None = None

    def fields(self) -> dict[str, object]:
        """The keywords of ``lots.receive_as`` (all but ``now``)."""
        return {
            "ingredient": self.ingredient, "stock_form": self.stock_form, "manufacturer": self.manufacturer, "lot_number": self.lot_number,
            "expires": self.expires, "quantity": self.quantity, "potency_percent": self.potency_percent, "supplier": self.supplier,
            "release": self.release,
        }

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes a lot one lot in stock: its stock form, manufacturer and lot number."""
        return self.stock_form.strip(), self.manufacturer.strip(), self.lot_number.strip()


@dataclass(frozen=True)
class CheckedFields:
    """A receipt's typed figures, read: grams received, the CoA potency, the supplier as stored."""

    grams: Decimal
    potency: Decimal | None
    supplier: str | None


def check_fields(
    *, ingredient: str, stock_form: str, manufacturer: str, lot_number: str, expires: dt.date, quantity: str | Decimal,
    potency_percent: str | Decimal | None, supplier: str | None, today: dt.date,
) -> CheckedFields:
    """The typed fields of a receipt read, or ``ReceiptRefused`` naming the first one refused."""
    for field, name, value in (("ingredient", "ingredient", ingredient), ("stock_form", "stock form", stock_form),
                               ("manufacturer", "manufacturer", manufacturer), ("lot_number", "lot number", lot_number)):
        if not value or not str(value).strip():
            raise ReceiptRefused(field, f"give the {name}")
    if expires < today:
        raise ReceiptRefused("expires", f"expiry: lot {lot_number} expired on {expires.isoformat()}; an expired lot is not received into stock")
    try:
        grams = parse_weight(quantity)
    except RecordError as error:
        raise ReceiptRefused("quantity", f"quantity received: {error}") from None
    if grams <= 0:
        raise ReceiptRefused("quantity", "the quantity received must be more than 0 g")
    return CheckedFields(grams, _potency(potency_percent), _supplier(supplier))


def already_in_stock(session: Session, stock_form: str, manufacturer: str, lot_number: str) -> bool:
    """Whether the records hold this lot (the same stock form, manufacturer and lot number)."""
    found = session.scalar(select(IngredientLot.id).where(
        IngredientLot.stock_form == stock_form.strip(), IngredientLot.manufacturer == manufacturer.strip(),
        IngredientLot.lot_number == lot_number.strip(),
    ).limit(1))
    return found is not None


def in_stock_refusal(lot_number: str, stock_form: str, manufacturer: str) -> ReceiptRefused:
    return ReceiptRefused("lot_number", f"lot {lot_number} of {stock_form} from {manufacturer} is already in stock")


def _potency(potency_percent: str | Decimal | None) -> Decimal | None:
    if potency_percent in (None, ""):
        return None
    try:
        potency = Decimal(str(potency_percent).strip().rstrip("%").strip())
    except ArithmeticError:
        raise ReceiptRefused("potency_percent", f"{potency_percent!r} is not a potency; give the certificate of analysis figure in %") from None
    if not potency.is_finite() or not (0 < potency <= 110):
        raise ReceiptRefused("potency_percent",
                             f"{potency_percent!r} is not a potency; give the certificate of analysis figure in %, above 0 and at most 110")
    return potency


def _supplier(supplier: str | None) -> str | None:
    if supplier is None or not supplier.strip():
        return None
    if len(supplier.strip()) > 200:
        raise ReceiptRefused("supplier", "supplier: give at most 200 characters")
    return " ".join(supplier.split())
