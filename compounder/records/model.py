"""The records' tables: one ``DeclarativeBase``, one ``metadata``, typed columns.

Every table change goes with an Alembic migration in ``compounder/records/migrations``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from sqlalchemy import JSON, CheckConstraint, DateTime, Integer, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Constraint names stable across databases, so migrations can refer to them (and SQLite's
# batch mode can recreate tables).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp; SQLite keeps no zone, so it is put back on reading."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


IntPk = Annotated[int, mapped_column(Integer, primary_key=True)]
Timestamp = Annotated[dt.datetime, mapped_column(UtcDateTime())]
OptionalTimestamp = Annotated[dt.datetime | None, mapped_column(UtcDateTime(), nullable=True)]
Name = Annotated[str, mapped_column(String(200))]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


ORIGINS = ("reference", "pharmacy")


class MasterFormula(Base):
    """A master formula in the library: formula-file data (``compounder.calc.parse_formula``
    reads it), where it came from, and when it was written, changed and approved.

    ``origin`` is ``reference`` for the formulas shipped with Compounder (read-only, keyed by
    their file's ``reference_key``) or ``pharmacy`` for the pharmacy's own.
    """

    __tablename__ = "master_formula"
    __table_args__ = (CheckConstraint("origin IN ('reference', 'pharmacy')", name="origin"),)

    id: Mapped[IntPk]
    name: Mapped[Name]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(16))
    reference_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    approved_at: Mapped[OptionalTimestamp]
