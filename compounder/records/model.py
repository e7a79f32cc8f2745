"""The records' tables: one ``DeclarativeBase``, one ``metadata``, typed columns.

Every table change goes with an Alembic migration in ``compounder/records/migrations``.

(Over 400 lines: this is the schema, and the schema is read as one — the tables
reference one another by foreign key, share one ``metadata`` (which Alembic and the audit trail's
replay walk whole), and each migration is checked against all of it. Its lines are column
declarations; the code that works on the tables lives in the records' other modules.)

The annotations are evaluated as Python reads them (no ``from __future__ import annotations``):
SQLAlchemy would otherwise evaluate each of the ~140 column annotations from its text, about 5 ms
of every start-up. A table that names a class defined below it writes the name in quotes.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from compounder.records.column_types import UtcDateTime

# Constraint names stable across databases, so migrations can refer to them (and SQLite's
# batch mode can recreate tables).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


IntPk = Annotated[int, mapped_column(Integer, primary_key=True)]
Timestamp = Annotated[dt.datetime, mapped_column(UtcDateTime())]
OptionalTimestamp = Annotated[dt.datetime | None, mapped_column(UtcDateTime(), nullable=True)]
Name = Annotated[str, mapped_column(String(200))]


class ExactDecimal(TypeDecorator[Decimal]):
    """A decimal kept as its text, exact on every database (SQLite has no decimal type).
    For percentages that are stored and shown, never computed on in SQL."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError(f"{value!r} is not a finite Decimal")
        return format(value, "f")

    def process_result_value(self, value: str | None, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


# Weights and stock quantities: integer micrograms, exact everywhere and safe to add in SQL.
Micrograms = Annotated[int, mapped_column(BigInteger)]
Percent = Annotated[Decimal, mapped_column(ExactDecimal())]
OptionalPercent = Annotated[Decimal | None, mapped_column(ExactDecimal(), nullable=True)]
UserRef = Annotated[int | None, mapped_column(ForeignKey("app_user.id"), nullable=True)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Versioned:
    """A record a person edits: ``row_version`` counts its changes (1 when made, one more at each
    change: ``edit_versions``), so a save on top of a version that changed underneath is refused.
    NULL for a row not changed since migration 0008 (version 0)."""

    row_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


def include_object_on(dialect_name: str):
    """For Alembic's autogenerate: leave out what is made only on another database (an index
    with ``info={"only_on": …}``, created under ``ddl_if``)."""

    def include_object(obj: Any, _name: str | None, _type: str, _reflected: bool, _compare_to: Any) -> bool:
        only_on = getattr(obj, "info", {}).get("only_on")
        return only_on is None or only_on == dialect_name

    return include_object


def byte_order_index(name: str, column: str) -> Index:
    """PostgreSQL only (migration 0004 makes it): an index on ``column`` in byte order
    (``text_pattern_ops``), which answers a prefix match (``LIKE 'abc%'``) whatever the collation.

    The operator class is given to the index just before it is created rather than as
    ``postgresql_ops=`` here: that keyword makes SQLAlchemy import its PostgreSQL dialect (and
    every PostgreSQL driver module) with this module, ~25 ms of every start-up on SQLite."""
    index = Index(name, column, info={"only_on": "postgresql", "postgresql_ops": {column: "text_pattern_ops"}}).ddl_if(dialect="postgresql")
    event.listen(index, "before_create", _give_operator_class)
    return index


def _give_operator_class(index: Index, _connection: Connection, **_kw: Any) -> None:
    index.dialect_kwargs["postgresql_ops"] = index.info["postgresql_ops"]


ORIGINS = ("reference", "pharmacy")


class MasterFormula(Versioned, Base):
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


class MasterFormulaVersion(Base):
    """One version of a master formula, never changed once written (only its approval is
    added). A change to the formula makes a new version; batches point at the version they
    were made from; the newest approved version is the one offered for new batches."""

    __tablename__ = "master_formula_version"
    __table_args__ = (UniqueConstraint("master_formula_id", "version", name="uq_master_formula_version_number"),)

    id: Mapped[IntPk]
    master_formula_id: Mapped[int] = mapped_column(ForeignKey("master_formula.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int]
    name: Mapped[Name]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[Timestamp]
    created_by: Mapped[UserRef]
    approved_at: Mapped[OptionalTimestamp]
    approved_by: Mapped[UserRef]


ROLES = ("technician", "pharmacist", "administrator")


class User(Versioned, Base):
    """A person who signs records. Only the scrypt hash of the password is kept."""

    __tablename__ = "app_user"  # "user" is a reserved word in PostgreSQL
    __table_args__ = (CheckConstraint("role IN ('technician', 'pharmacist', 'administrator')", name="role"),)

    id: Mapped[IntPk]
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[Name]
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[Timestamp]
    # Failed sign-ins since the last good one (None: none). At ``LOCK_AFTER`` the account waits
    # for an administrator (``locked_at``); both are audited.
    failed_sign_ins: Mapped[int | None] = mapped_column(Integer, nullable=True)
    locked_at: Mapped[OptionalTimestamp]


class Patient(Versioned, Base):
    """A patient who receives batches, with the profile the patient screening reads.

    The coded lists hold screening-term keys. ``None`` means the pharmacy has not recorded that
    part of the profile (the screening says it could not check); an empty list means "none
    known", which is a recorded fact."""

    __tablename__ = "patient"
    # PostgreSQL: a byte-order index for the prefix match (LIKE 'abc%'); SQLite's own index does.
    __table_args__ = (
        byte_order_index("ix_patient_search_key_prefix", "search_key"),
    )

    id: Mapped[IntPk]
    name: Mapped[Name]
    # The name folded to lower case with single spaces: searched by prefix as a range on an index.
    search_key: Mapped[str] = mapped_column(String(200), index=True)
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[Timestamp]
    weight_kg: Mapped[OptionalPercent]  # exact decimal kilograms, e.g. 62.5
    allergies: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    conditions: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    medications: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    medication_notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    profile_updated_at: Mapped[OptionalTimestamp]
    profile_updated_by: Mapped[UserRef]


class IngredientLot(Versioned, Base):
    """A lot of an ingredient's stock form received into inventory. ``remaining`` is drawn
    down by prepared batches with a conditional UPDATE, so two workstations cannot overdraw it."""

    __tablename__ = "ingredient_lot"
    __table_args__ = (
        UniqueConstraint("stock_form", "manufacturer", "lot_number", name="uq_ingredient_lot_identity"),
        CheckConstraint("received_ug > 0", name="received_positive"),
        CheckConstraint("remaining_ug >= 0 AND remaining_ug <= received_ug", name="remaining_in_range"),
    )

    id: Mapped[IntPk]
    ingredient: Mapped[Name] = mapped_column(index=True)
    stock_form: Mapped[Name]
    manufacturer: Mapped[Name]
    # Who sold the lot to the pharmacy, when not bought from the manufacturer (migration 0016); None: not recorded.
    supplier: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lot_number: Mapped[str] = mapped_column(String(64), index=True)
    expires: Mapped[dt.date] = mapped_column(Date, index=True)
    potency_percent: Mapped[OptionalPercent]  # from the certificate of analysis
    # Micrograms as integers: drawn down in SQL, where decimal columns are floats on SQLite.
    received_ug: Mapped[Micrograms]
    remaining_ug: Mapped[Micrograms]
    received_at: Mapped[Timestamp]
    received_by: Mapped[UserRef]


STATUSES = ("draft", "prepared", "verified", "dispensed", "rejected")


class Batch(Versioned, Base):
    """A compounding record. ``plan`` is the engine's result exactly as printed (frozen JSON,
    never recomputed). Once verified it is never edited; a correction is a new batch whose
    ``amends_id`` points at it."""

    __tablename__ = "batch"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'prepared', 'verified', 'dispensed', 'rejected')", name="status"),
        Index("ix_batch_compounded_on", "compounded_on"),
        byte_order_index("ix_batch_batch_number_prefix", "batch_number"),
    )

    id: Mapped[IntPk]
    batch_number: Mapped[str] = mapped_column(String(20), unique=True)
    formula_version_id: Mapped[int] = mapped_column(ForeignKey("master_formula_version.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    rx_number: Mapped[str] = mapped_column(String(40), index=True)
    prescriber: Mapped[Name]
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    compounded_on: Mapped[dt.date] = mapped_column(Date)
    beyond_use: Mapped[dt.date] = mapped_column(Date)
    tolerance_percent: Mapped[Percent]
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[Timestamp]
    created_by: Mapped[UserRef]
    prepared_at: Mapped[OptionalTimestamp]
    prepared_by: Mapped[UserRef]
    checked_at: Mapped[OptionalTimestamp]  # the second person's check of the weighing, before verification
    checked_by: Mapped[UserRef]
    verified_at: Mapped[OptionalTimestamp]
    verified_by: Mapped[UserRef]
    dispensed_at: Mapped[OptionalTimestamp]
    dispensed_by: Mapped[UserRef]
    rejected_at: Mapped[OptionalTimestamp]
    rejected_by: Mapped[UserRef]
    reject_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"), nullable=True, index=True)
    amendment_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What becomes of what the batch makes beyond the quantity dispensed (``calc.surplus``), as the
    # pharmacist recorded it; None while not recorded (or when nothing is made beyond it).
    surplus_disposition: Mapped[str | None] = mapped_column(Text, nullable=True)


class BatchLine(Versioned, Base):
    """One weighed line of a batch: the target as printed, the lot used, the weight entered."""

    __tablename__ = "batch_line"
    __table_args__ = (
        UniqueConstraint("batch_id", "position", name="uq_batch_line_position"),
        CheckConstraint("actual_ug IS NULL OR actual_ug >= 0", name="actual_not_negative"),
    )

    id: Mapped[IntPk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"))
    position: Mapped[int]
    name: Mapped[Name]  # the stock form weighed, or the base
    role: Mapped[str] = mapped_column(String(16))
    target_ug: Mapped[Micrograms]  # as printed, rounded to the balance
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("ingredient_lot.id"), nullable=True, index=True)
    actual_ug: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    deviation_percent: Mapped[OptionalPercent]
    out_of_tolerance: Mapped[bool] = mapped_column(Boolean, default=False)
    # The weighing station (migration 0006): where the weight came from, and how the container was confirmed.
    weight_source: Mapped[str | None] = mapped_column(String(16), nullable=True)  # "balance" or "typed"
    balance_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    identity: Mapped[str | None] = mapped_column(String(16), nullable=True)  # "scanned" or "by hand"
    # Where the pharmacy requires the balance (migration 0014): the pharmacist's signed reason for a typed weight.
    weight_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    weight_reason_by: Mapped[UserRef]


ACKNOWLEDGEMENT_ACTIONS = ("acknowledged", "overridden")


class BatchAcknowledgement(Base):
    """A pharmacist's signed decision on one finding of a batch: a warning acknowledged, or an
    error overridden, with the reason. Kept with the batch and printed on its worksheet."""

    __tablename__ = "batch_acknowledgement"
    __table_args__ = (
        CheckConstraint("severity IN ('warning', 'error')", name="severity"),
        CheckConstraint("action IN ('acknowledged', 'overridden')", name="action"),
        CheckConstraint("(severity = 'warning' AND action = 'acknowledged') OR (severity = 'error' AND action = 'overridden')", name="action_fits_severity"),
        UniqueConstraint("batch_id", "code", name="uq_batch_acknowledgement_code"),
    )

    id: Mapped[IntPk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # the finding's code
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)  # the finding as it was shown
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[Timestamp]
    # The numbers the decision accepted (``compounder.calc.finding_numbers.fingerprint``; None for a
    # decision stored before they were), and when a change to them voided it.
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    voided_at: Mapped[OptionalTimestamp]


class BatchCounter(Base):
    """The last batch sequence used on a day; incremented in the saving transaction."""

    __tablename__ = "batch_counter"

    day: Mapped[str] = mapped_column(String(6), primary_key=True)  # YYMMDD
    last: Mapped[int]


class PharmacyRule(Versioned, Base):
    """A pharmacy setting that changes who may do what (self-verification, the tolerances):
    kept here, audited, changed only by a signed-in administrator. ``value`` is canonical JSON."""

    __tablename__ = "pharmacy_rule"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(64), unique=True)
    value: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[Timestamp]
    changed_by: Mapped[UserRef]


class AuditEntry(Base):
    """One change, append-only. ``hash`` = HMAC-SHA256 under the pharmacy's audit key (plain
    SHA-256 for entries written before migration 0005) over the previous entry's hash and this
    entry's fields, so an edit or deletion anywhere breaks the chain from there on."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_target", "table_name", "row_id", "sequence"),)

    id: Mapped[IntPk]
    sequence: Mapped[int] = mapped_column(unique=True)
    at: Mapped[Timestamp]
    user_id: Mapped[UserRef]
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[int]
    old: Mapped[str | None] = mapped_column(Text, nullable=True)  # canonical JSON of the changed columns
    new: Mapped[str | None] = mapped_column(Text, nullable=True)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row holding the chain's length and last hash. Appending updates it first,
    which locks it (SQLite: the write lock; PostgreSQL: the row), so entries never fork."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))
    # The entry that introduced the pharmacy key (entries before it are plain SHA-256), and the
    # key (by id) that signs new entries; None until the trail is keyed.
    keyed_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Drawn at random when the database is made (migration 0009): the head recorded outside the
    # database is found by it (and the resolved file or server), not by the URL's spelling.
    database_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


WEIGHING_KINDS = ("scan", "hand", "weight")


class WeighingEvent(Base):
    """One step at the weighing station, append-only: a scan (confirmed or refused, with what was
    scanned), a pharmacist's confirmation by hand (with why), or a weight recorded (the reading
    as the balance sent it, stable or typed, the balance's ID). Who and when, for the audit."""

    __tablename__ = "weighing_event"
    __table_args__ = (
        CheckConstraint("kind IN ('scan', 'hand', 'weight')", name="kind"),
        CheckConstraint("source IS NULL OR source IN ('balance', 'typed')", name="source"),
    )

    id: Mapped[IntPk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    accepted: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(32))  # "confirmed", "other_ingredient", "recorded", …
    message: Mapped[str] = mapped_column(Text)  # as the station showed it
    scanned: Mapped[str | None] = mapped_column(Text, nullable=True)  # the code as the scanner typed it
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("ingredient_lot.id"), nullable=True)
    actual_ug: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reading: Mapped[str | None] = mapped_column(Text, nullable=True)  # the balance's reply line
    balance_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[Timestamp]


ALIQUOT_STEPS = ("ingredient", "diluent", "portion")


class AliquotWeighing(Versioned, Base):
    """One of an aliquot line's three weighings (migration 0007): the ingredient for the aliquot,
    the diluent added to it, the portion of the mixture taken into the batch. Each has its own
    target (as printed, rounded to the balance) and its own actual, source, who and when. Made
    with the batch for each aliquot line; a batch made before this has none."""

    __tablename__ = "aliquot_weighing"
    __table_args__ = (
        UniqueConstraint("batch_line_id", "step", name="uq_aliquot_weighing_step"),
        CheckConstraint("step IN ('ingredient', 'diluent', 'portion')", name="step"),
        CheckConstraint("actual_ug IS NULL OR actual_ug >= 0", name="actual_not_negative"),
        CheckConstraint("source IS NULL OR source IN ('balance', 'typed')", name="source"),
    )

    id: Mapped[IntPk]
    batch_line_id: Mapped[int] = mapped_column(ForeignKey("batch_line.id", ondelete="RESTRICT"))
    step: Mapped[str] = mapped_column(String(16))
    target_ug: Mapped[Micrograms]
    actual_ug: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    deviation_percent: Mapped[OptionalPercent]
    out_of_tolerance: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(16), nullable=True)  # "balance" or "typed"
    balance_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_id: Mapped[UserRef]
    at: Mapped[OptionalTimestamp]
    # As on ``BatchLine`` (migration 0014): a typed weighing's signed reason, where the balance is required.
    weight_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    weight_reason_by: Mapped[UserRef]


from compounder.records import edit_versions as _edit_versions  # noqa: E402,F401 - counts each versioned row's changes at flush
