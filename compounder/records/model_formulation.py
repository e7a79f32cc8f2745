"""The compounding record's quality-control results, deviations and remake links (issue 25,
migration 0016), on the records' one declarative ``Base``.

Each row is written and changed through ``compounder.records.compounding_qc`` with an audit
entry, like the batch it belongs to; none is changed once the batch is verified.
"""

from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from compounder.records.model import Base, ExactDecimal, IntPk, OptionalTimestamp, Timestamp, UserRef, Versioned

QC_CHECKS = ("final_weight", "appearance", "ph")
DEVIATION_DECISIONS = ("accepted", "rejected")


class BatchQcResult(Versioned, Base):
    """One quality-control result of a batch, entered against its master formula's procedures:
    the final weight (with the theoretical weight and the yield worked out from it), the
    appearance as seen, or the pH as measured; whether it meets the specification; who and when."""

    __tablename__ = "batch_qc_result"
    __table_args__ = (
        UniqueConstraint("batch_id", "kind", name="uq_batch_qc_result_kind"),
        CheckConstraint("kind IN ('final_weight', 'appearance', 'ph')", name="kind"),
        CheckConstraint("actual_ug IS NULL OR actual_ug > 0", name="actual_positive"),
    )

    id: Mapped[IntPk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # final_weight, appearance or ph
    passed: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[str] = mapped_column(Text)  # as printed: the appearance seen, or the weight/pH with its verdict
    actual_ug: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # final weight
    theoretical_ug: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    yield_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal(), nullable=True)
    ph: Mapped[Decimal | None] = mapped_column(ExactDecimal(), nullable=True)
    entered_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    entered_at: Mapped[Timestamp]


class BatchDeviation(Versioned, Base):
    """A departure from the master formula or the usual procedure while the batch was made, with
    the reason; a pharmacist decides whether the batch is accepted with it or rejected."""

    __tablename__ = "batch_deviation"
    __table_args__ = (
        UniqueConstraint("batch_id", "number", name="uq_batch_deviation_number"),
        CheckConstraint("decision IS NULL OR decision IN ('accepted', 'rejected')", name="decision"),
    )

    id: Mapped[IntPk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … within the batch
    description: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[Timestamp]
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[UserRef]
    decided_at: Mapped[OptionalTimestamp]


class BatchRemake(Base):
    """A batch made again in place of another (one that failed, was lost or rejected): the new
    batch, the one it replaces, why, who linked them and when. Each batch is replaced at most once."""

    __tablename__ = "batch_remake"

    id: Mapped[IntPk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"), unique=True)
    replaces_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    linked_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    linked_at: Mapped[Timestamp]


__all__ = ["DEVIATION_DECISIONS", "QC_CHECKS", "BatchDeviation", "BatchQcResult", "BatchRemake"]
