"""The stock records' tables (migration 0017): a lot's quarantine and release, what happened to a
lot besides its receipt and the batches that used it, and a controlled substance's receipt.

Stock on hand is never a number typed in: it is the receipt, less what each prepared batch drew
(its lines), plus or minus the events recorded here (``compounder.records.stock_ledger``). The
lot's ``remaining_ug`` is that sum kept up to date in the same write, and ``db check`` /
``compounder lots reconcile`` say where the two differ.

Why the fields (21 CFR Part 1304, Subpart C; the DEA forms named):

* ``ControlledReceipt`` — 21 CFR 1304.22(c) with 1304.21(a): for each controlled substance
  received, the number of units/volume, the date received and the name, address and DEA
  registration number of the supplier; the invoice (and for Schedule II the DEA Form 222 or CSOS
  order number, 21 CFR 1305.13/1305.22) is the record of that receipt.
* ``LotEvent`` of kind ``loss``/``theft`` — what DEA Form 106 asks (21 CFR 1301.76(b)): date of
  the loss or theft, its type, whether the police were told (and the report number), the
  quantity, and the circumstances.
* ``LotEvent`` of kind ``destruction`` — what DEA Form 41 asks (21 CFR 1304.21(e), 1317.95; Form 41 part D: two employees witness it): the
  substance, quantity, date, method of destruction and two employees who witnessed it.
"""

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from compounder.records.model import Base, ExactDecimal, IntPk, OptionalTimestamp, Timestamp, UserRef, Versioned

LOT_STATUSES = ("quarantined", "released", "voided")


class LotStatus(Versioned, Base):
    """Where a lot received from migration 0017 on stands: ``quarantined`` until a pharmacist
    reviews its certificate of analysis (assay, identity, expiry) and releases it, ``released``,
    or ``voided`` (entered in error). A lot received before 0017 has no row: it was released on
    receipt under the rules of the time, and counts as released until it is voided."""

    __tablename__ = "lot_status"
    __table_args__ = (CheckConstraint("status IN ('quarantined', 'released', 'voided')", name="status"),)

    id: Mapped[IntPk]
    lot_id: Mapped[int] = mapped_column(ForeignKey("ingredient_lot.id", ondelete="RESTRICT"), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    # The pharmacist's review of the certificate of analysis, as read from it.
    coa_assay_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal(), nullable=True)
    coa_expires: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    identity_confirmed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    reviewed_at: Mapped[OptionalTimestamp]
    reviewed_by: Mapped[UserRef]
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


EVENT_KINDS = ("correction", "adjustment", "loss", "theft", "destruction", "void")


class LotEvent(Base):
    """One signed change to a lot's stock other than a batch's use, append-only: a correction of
    the quantity received, a count adjustment, a loss or theft (DEA Form 106's facts), a
    destruction (DEA Form 41's, with a witness who is not the signer), a void. ``quantity_ug`` is
    what it changed the stock on hand by (negative: less)."""

    __tablename__ = "lot_event"
    __table_args__ = (
        CheckConstraint("kind IN ('correction', 'adjustment', 'loss', 'theft', 'destruction', 'void')", name="kind"),
        CheckConstraint("kind NOT IN ('loss', 'theft', 'destruction') OR quantity_ug < 0", name="takes_away"),
        CheckConstraint("kind <> 'destruction' OR (witness_id IS NOT NULL AND witness_id <> user_id)", name="witnessed"),
    )

    id: Mapped[IntPk]
    lot_id: Mapped[int] = mapped_column(ForeignKey("ingredient_lot.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    quantity_ug: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[Timestamp]
    happened_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # the loss discovered, the destruction done
    loss_type: Mapped[str | None] = mapped_column(String(64), nullable=True)  # Form 106: e.g. "employee pilferage"
    police: Mapped[str | None] = mapped_column(Text, nullable=True)  # Form 106: police notified, department and report number
    method: Mapped[str | None] = mapped_column(Text, nullable=True)  # Form 41: method of destruction
    witness_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)


class ControlledReceipt(Base):
    """A controlled substance's receipt (21 CFR 1304.22(c)): the supplier, its address and DEA
    registration number, the invoice, and for Schedule II the order form (DEA Form 222 or CSOS)
    number; the quantity and date are the lot's own. Written once with the lot."""

    __tablename__ = "controlled_receipt"

    id: Mapped[IntPk]
    lot_id: Mapped[int] = mapped_column(ForeignKey("ingredient_lot.id", ondelete="RESTRICT"), unique=True)
    schedule: Mapped[str] = mapped_column(String(8))  # "C-III", from the reference data at receipt
    supplier: Mapped[str] = mapped_column(String(200))
    supplier_address: Mapped[str] = mapped_column(Text)
    supplier_dea: Mapped[str] = mapped_column(String(9))
    invoice_number: Mapped[str] = mapped_column(String(64))
    order_form: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[Timestamp]
