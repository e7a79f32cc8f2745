"""The tables of the independent double check and the signed refill comparison (issue 24), on
the records' one ``Base`` (migration 0015):

- ``blind_check``: each time a verifying pharmacist typed their own figures for a batch, what
  they typed beside what the plan said, and whether every figure matched — kept whatever the
  outcome, so a mismatch is on record even though the batch was not verified.
- ``refill_change``: the comparison of a refill with the patient's last batch on the Rx (the
  formula's changes, one sentence each), signed by a pharmacist, one per batch.

Both are append-only and audited (``records.audit.AUDITED``).
"""

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from compounder.records.model import Base, IntPk, Timestamp


class BlindCheckEntry(Base):
    """One blind check: ``figures`` is canonical JSON, a list of {line, name, figure, typed,
    entered, planned, shown, matches} (``calc.blind_check.BlindCheck.as_data``); ``plan_hash``
    the SHA-256 of the stored plan checked, so a check of an earlier plan does not verify a new one."""

    __tablename__ = "blind_check"

    id: Mapped[IntPk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[Timestamp]
    matched: Mapped[bool] = mapped_column(Boolean)
    figures: Mapped[str] = mapped_column(Text)
    plan_hash: Mapped[str] = mapped_column(String(64))


class RefillChange(Base):
    """A pharmacist's signature on what changed in the formula since the patient's last batch
    on the Rx: ``changes`` is a JSON list of sentences ("lidocaine strength: 5 % → 4 %")."""

    __tablename__ = "refill_change"

    id: Mapped[IntPk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"), unique=True)
    previous_batch: Mapped[str] = mapped_column(String(32))
    previous_version: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text)
    signed_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    signed_at: Mapped[Timestamp]


__all__ = ["BlindCheckEntry", "RefillChange"]
