"""Moving a pharmacy's records from one database to another: from its SQLite file to a shared
PostgreSQL server, or back.

Every records table is copied in foreign-key order with its ids, read from one consistent
snapshot of the source and written in one transaction on the target. Before that transaction
commits, the target's row counts are compared with the source's, table by table, and the audit
chain is verified on the target; if anything differs, nothing is kept. The target must be at
this version's schema (``compounder db migrate``) and hold no records.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, text

from compounder.records import model_formulation as _model_formulation  # noqa: F401 - its tables are copied too (issue 25)
from compounder.records import trail_check
from compounder.records.database import HEAD_REVISION, current_revision, masked
from compounder.records.model import AuditHead, Base

CHUNK = 2000


class CopyRefused(Exception):
    """The copy cannot start (a target with records, a schema not at this version); nothing was written."""


class CopyFailed(Exception):
    """The copy did not check out (counts or the audit chain); the target was left as it was."""


@dataclass(frozen=True)
class CopySummary:
    counts: dict[str, int]  # rows per table, the same on both sides
    audit_entries: int
    last_hash: str

    def lines(self) -> list[str]:
        width = max(len(name) for name in self.counts)
        rows = [f"{name:<{width}} {count:>9,}" for name, count in self.counts.items()]
        return [*rows, f"audit chain verified on the target: {self.audit_entries:,} entries, last hash {self.last_hash[:16]}…"]


def tables() -> list[Table]:
    """The records tables, parents before children."""
    return list(Base.metadata.sorted_tables)


def copy_database(source: Engine, target: Engine) -> CopySummary:
    for engine, role in ((source, "source"), (target, "target")):
        revision = current_revision(engine)
        if revision != HEAD_REVISION:
            state = "has no Compounder schema" if revision is None else f"is at schema revision {revision}"
            raise CopyRefused(
                f"the {role} {masked(engine.url)} {state}, this version expects {HEAD_REVISION}; run `compounder db migrate --database URL` on it first"
            )
    with _snapshot(source) as reading, target.begin() as writing:
        held = _records_held(writing)
        if held:
            raise CopyRefused(f"the target {masked(target.url)} already holds records ({held}); copy only into an empty, migrated database")
        counts: dict[str, int] = {}
        for table in tables():
            counts[table.name] = _copy_table(reading, writing, table)
        if writing.dialect.name == "postgresql":
            _reset_sequences(writing)
        copied = {table.name: writing.scalar(select(func.count()).select_from(table)) for table in tables()}
        differ = [f"{name} {counts[name]} → {copied[name]}" for name in counts if counts[name] != copied[name]]
        if differ:
            raise CopyFailed(f"row counts differ after the copy ({'; '.join(differ)}); the target was left empty")
        problems = trail_check.problems(writing)
        if problems:
            raise CopyFailed(f"the audit chain does not verify on the target ({problems[0]}); the target was left empty")
        head = writing.execute(select(AuditHead.sequence, AuditHead.last_hash).where(AuditHead.id == 1)).one()
    return CopySummary(counts, head.sequence, head.last_hash)


class _snapshot:
    """A read transaction that sees one moment of the source (REPEATABLE READ on PostgreSQL;
    SQLite's transaction is a snapshot already)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> Connection:
        self._connection = self._engine.connect()
        if self._engine.dialect.name == "postgresql":
            self._connection = self._connection.execution_options(isolation_level="REPEATABLE READ")
        self._transaction = self._connection.begin()
        return self._connection

    def __exit__(self, *_exc) -> None:
        self._transaction.rollback()
        self._connection.close()


def _records_held(connection: Connection) -> str:
    """What the target holds beyond a freshly migrated schema ("" when it is empty)."""
    held = []
    for table in tables():
        count = connection.scalar(select(func.count()).select_from(table))
        if table.name == AuditHead.__tablename__:
            sequence = connection.scalar(select(AuditHead.sequence).where(AuditHead.id == 1))
            if sequence:
                held.append(f"{sequence} audit entries")
        elif count:
            held.append(f"{count} {table.name} rows")
    return ", ".join(held)


def _copy_table(reading: Connection, writing: Connection, table: Table) -> int:
    if table.name == AuditHead.__tablename__:
        writing.execute(delete(table))  # the migration's empty head is replaced by the source's
    order = list(table.primary_key.columns)
    result = reading.execution_options(yield_per=CHUNK).execute(select(table).order_by(*order))
    copied = 0
    for rows in result.mappings().partitions():
        writing.execute(insert(table), [dict(row) for row in rows])
        copied += len(rows)
    return copied


def _reset_sequences(connection: Connection) -> None:
    """The next id PostgreSQL hands out follows the copied ids."""
    for table in tables():
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        if sequence:
            connection.execute(
                text(f"SELECT setval(:s, COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"), {"s": sequence},
            )
