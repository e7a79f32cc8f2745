"""History and recall: find batches by patient, Rx number, formula, batch number, ingredient lot or
date range; for a lot, every batch and patient that received it, as CSV.

Each search is one indexed query (see ``benchmarks/bench_records.py`` for the figures with
100,000 batches). The search's queries are built on the tables (``Batch.__table__``), not the
mapped classes: they read plain rows, and the first statement built on a mapped class configures
every mapper of the records' model (70 ms, paid by the history's first search in a process).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import astuple, dataclass
from decimal import Decimal
from typing import Any, TextIO

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from compounder.calc.balance_grams import to_grams
from compounder.records.lots import Lot, lot_value
from compounder.records.model import Batch, BatchLine, IngredientLot, MasterFormulaVersion, Patient
from compounder.records.model_quality import PatientContact, PrescriptionDetail
from compounder.records.paging import ordered, page_of
from compounder.records.people import search_key
from compounder.records.policy import RecordError

DEFAULT_LIMIT = 500
_IN_CHUNK = 1_000

_BATCH = Batch.__table__.c
_PATIENT = Patient.__table__.c
_VERSION = MasterFormulaVersion.__table__.c


@dataclass(frozen=True)
class BatchSummary:
    batch_number: str
    compounded_on: dt.date
    status: str
    patient: str
    date_of_birth: dt.date | None
    rx_number: str
    formula: str
    formula_version: int
    beyond_use: dt.date


def _summaries() -> Select:
    return (
        select(
            _BATCH.batch_number, _BATCH.compounded_on, _BATCH.status, _PATIENT.name, _PATIENT.date_of_birth, _BATCH.rx_number,
            _VERSION.name, _VERSION.version, _BATCH.beyond_use,
        )
        .join(Patient.__table__, _PATIENT.id == _BATCH.patient_id)
        .join(MasterFormulaVersion.__table__, _VERSION.id == _BATCH.formula_version_id)
    )


def _prefix(session: Session, column, text: str):
    """``column`` starts with ``text``, in a form the database's index answers. SQLite compares
    text byte by byte, so a range is exactly the prefix match. PostgreSQL compares by its
    collation, where a range is not (en_US ignores punctuation at first, so "ab-x" sorts after
    "ab." and the range for "ab-" would miss it), so there it is ``LIKE 'text%'`` with ``%``, ``_`` and the escape character escaped,
    answered by the ``text_pattern_ops`` index of migration 0004."""
    if session.get_bind().dialect.name == "sqlite":
        upper = text[:-1] + chr(ord(text[-1]) + 1)
        return (column >= text) & (column < upper)
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return column.like(escaped + "%", escape="/")  # the pattern a constant, so the planner uses the index


def _matching(
    session: Session, *, patient: str | None = None, rx_number: str | None = None, formula: str | None = None,
    batch_number: str | None = None, lot_number: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
    counting: bool = False,
) -> Select:
    """The summaries of the batches matching every criterion given, unordered and uncut; or
    (``counting``) how many there are, from the batch table alone: joining every batch's patient
    and formula to count them took 100 ms with 100,000 batches, the count alone 1 ms."""
    query = select(func.count()).select_from(Batch.__table__) if counting else _summaries()
    if patient and patient.strip():
        named = _prefix(session, _PATIENT.search_key, search_key(patient))
        query = query.where(_BATCH.patient_id.in_(select(_PATIENT.id).where(named)) if counting else named)
    if rx_number and rx_number.strip():
        query = query.where(_BATCH.rx_number == rx_number.strip())
    if formula and formula.strip():
        versions = select(_VERSION.id).where(func.lower(_VERSION.name).startswith(formula.strip().lower(), autoescape=True))
        query = query.where(_BATCH.formula_version_id.in_(versions))
    if batch_number and batch_number.strip():
        query = query.where(_prefix(session, _BATCH.batch_number, batch_number.strip()))
    if lot_number and lot_number.strip():
        lines = BatchLine.__table__.c
        lot_ids = select(IngredientLot.__table__.c.id).where(IngredientLot.__table__.c.lot_number == lot_number.strip())
        query = query.where(_BATCH.id.in_(select(lines.batch_id).where(lines.lot_id.in_(lot_ids))))
    if since is not None:
        query = query.where(_BATCH.compounded_on >= since)
    if until is not None:
        query = query.where(_BATCH.compounded_on <= until)
    if since is not None and until is not None and since > until:
        raise RecordError(f"the date range is empty: {since.isoformat()} is after {until.isoformat()}")
    return query


def search(
    session: Session, *, patient: str | None = None, rx_number: str | None = None, formula: str | None = None,
    batch_number: str | None = None, lot_number: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[BatchSummary]:
    """Batches matching every criterion given, newest first, at most ``limit`` of them (say so
    with ``find``, which also counts them). ``patient`` matches the start of the name (any case);
    ``batch_number`` its start (``261123`` is a day); the others exactly, ``formula`` by the start
    of the master formula's name."""
    return find(
        session, patient=patient, rx_number=rx_number, formula=formula, batch_number=batch_number, lot_number=lot_number,
        since=since, until=until, limit=limit,
    ).rows


@dataclass(frozen=True)
class HistoryPage:
    """One page of a history search: the rows shown, where they start and how many batches match
    in all, so that a list cut at its limit says so (it was silently 500 of 1,000)."""

    rows: list[BatchSummary]
    total: int
    offset: int
    more_than: bool = False
    """More than ``total`` batches match: the count stopped there (``find``'s ``count_up_to``)."""
    links: dict[str, str] | None = None
    """The rows' amendment links (``amendment_links``), when ``find`` was asked for them."""

    @property
    def cut(self) -> bool:
        """Whether some matching batches are not in ``rows``."""
        return self.more_than or len(self.rows) < self.total

    def describe(self) -> str:
        """"first 500 of 1,000 batches", "batches 501 to 1,000 of 1,000", "all 3 batches",
        "first 100 of more than 10,000 batches"."""
        if not self.cut:
            return f"all {self.total:,} batch{'' if self.total == 1 else 'es'}"
        of = f"more than {self.total:,}" if self.more_than else f"{self.total:,}"
        if not self.rows:
            return f"none of {of} batches from number {self.offset + 1:,} on"
        if self.offset == 0:
            return f"first {len(self.rows):,} of {of} batches"
        return f"batches {self.offset + 1:,} to {self.offset + len(self.rows):,} of {of}"


HISTORY_ORDERS = {
    "batch_number": _BATCH.batch_number, "compounded_on": _BATCH.compounded_on, "status": _BATCH.status, "patient": _PATIENT.name,
    "date_of_birth": _PATIENT.date_of_birth, "rx_number": _BATCH.rx_number, "formula": _VERSION.name,
    "beyond_use": _BATCH.beyond_use,
}
"""What a history page may be sorted by (``BatchSummary``'s fields), in the query."""


def find(
    session: Session, *, patient: str | None = None, rx_number: str | None = None, formula: str | None = None,
    batch_number: str | None = None, lot_number: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
    limit: int | None = DEFAULT_LIMIT, offset: int = 0, order_by: str = "compounded_on", descending: bool = True, counted: bool = True,
    count_up_to: int | None = None, links: bool = False,
) -> HistoryPage:
    """A page of the batches matching every criterion (see ``search``), newest first unless
    ``order_by`` (a ``HISTORY_ORDERS`` name) says otherwise: at most ``limit`` (every one when
    ``None``, for an export) from the ``offset``-th on, with the number that match in all
    (``counted=False``: a screen reading its next page, which knows it, is not told again; the
    page's ``total`` is then only what it holds from ``offset`` on).

    ``count_up_to``: the count stops past this many (the page says ``more_than``): a screen
    showing 100 rows need not read 100,000 to say how many match (20-70 ms on PostgreSQL, against
    3 ms for 10,000). ``links``: the page carries its rows' ``amendment_links``, read only for the
    rows that amend a batch or are amended, which the page's own query tells (the two queries for
    every row took 8-110 ms on PostgreSQL with 100,000 batches, for a page that had none)."""
    criteria: dict[str, Any] = {
        "patient": patient, "rx_number": rx_number, "formula": formula, "batch_number": batch_number, "lot_number": lot_number,
        "since": since, "until": until,
    }
    matching = _matching(session, **criteria)
    if links:
        matching = matching.add_columns(_BATCH.amends_id, _CORRECTED)
    query = page_of(ordered(matching, HISTORY_ORDERS, order_by, descending, _BATCH.compounded_on, _BATCH.batch_number), limit, offset)
    found = session.execute(query).all()
    rows = [BatchSummary(*row[:_SUMMARY_COLUMNS]) for row in found]
    more_than = False
    if not counted or (offset == 0 and (limit is None or len(rows) < limit)):
        total = offset + len(rows)  # all of them are here (or the caller knows): no second query
    elif count_up_to is None:
        total = session.execute(_matching(session, **criteria, counting=True)).scalar_one()
    else:
        ids = _matching(session, **criteria, counting=True).with_only_columns(_BATCH.id).limit(count_up_to + 1).subquery()
        total = session.execute(select(func.count()).select_from(ids)).scalar_one()
        more_than, total = total > count_up_to, min(total, count_up_to)
    linked = None
    if links:
        # A row's own amends_id says it amends a batch; the first correction's id, that it is amended.
        ends = [row[0] for row in found if row[_SUMMARY_COLUMNS] is not None or row[_SUMMARY_COLUMNS + 1] is not None]
        linked = amendment_links(session, ends) if ends else {}
    return HistoryPage(rows, total, offset, more_than, linked)


_SUMMARY_COLUMNS = len(BatchSummary.__dataclass_fields__)
_CORRECTION = Batch.__table__.alias("correction")
_CORRECTED = select(_CORRECTION.c.id).where(_CORRECTION.c.amends_id == _BATCH.id).limit(1).scalar_subquery().label("corrected")
"""A correction of the row's batch (its id), if there is one. A subquery with LIMIT 1, which
PostgreSQL reads by the amends_id index for each row of the page; ``EXISTS`` was turned into a
hash of every batch's amends_id (22 ms with 100,000 batches)."""


@dataclass(frozen=True)
class RecallRow:
    batch_number: str
    compounded_on: dt.date
    status: str
    patient: str
    date_of_birth: dt.date | None
    rx_number: str
    prescriber: str
    formula: str
    formula_version: int
    grams_used: Decimal | None  # None while the batch is a draft with no weight entered
    beyond_use: dt.date
    # How to reach the patient and the prescriber (issue 25): "" where not recorded.
    address: str = ""
    phone: str = ""
    prescriber_npi: str = ""


def lots_numbered(session: Session, lot_number: str) -> list[Lot]:
    """Every lot with this number (two manufacturers may use the same one)."""
    return [lot_value(row) for row in session.scalars(select(IngredientLot).where(IngredientLot.lot_number == lot_number.strip()).order_by(IngredientLot.id))]


def _used(lot_id: int):
    """Each batch that used the lot, with the micrograms it used (its lines' sum)."""
    return (
        select(BatchLine.batch_id, func.sum(BatchLine.actual_ug).label("used_ug"))
        .where(BatchLine.lot_id == lot_id)
        .group_by(BatchLine.batch_id)
        .subquery()
    )


def recall(session: Session, lot_id: int) -> list[RecallRow]:
    """Every batch that used the lot, with its patient, oldest first."""
    return recall_page(session, lot_id)


RECALL_ORDERS = {
    "batch_number": Batch.batch_number, "compounded_on": Batch.compounded_on, "status": Batch.status, "patient": Patient.name,
    "date_of_birth": Patient.date_of_birth, "rx_number": Batch.rx_number, "prescriber": Batch.prescriber,
    "formula": MasterFormulaVersion.name, "grams_used": None, "beyond_use": Batch.beyond_use,
}
"""What a recall page may be sorted by (``RecallRow``'s fields), in the query."""


def recall_page(
    session: Session, lot_id: int, *, limit: int | None = None, offset: int = 0, order_by: str = "compounded_on", descending: bool = False,
) -> list[RecallRow]:
    """The batches that used the lot, with their patients, oldest first unless ``order_by`` (a
    ``RECALL_ORDERS`` name) says otherwise: at most ``limit`` (every one when ``None``) from the
    ``offset``-th on."""
    if session.get(IngredientLot, lot_id) is None:
        raise RecordError(f"no ingredient lot number {lot_id}")
    used = _used(lot_id)
    query = (
        select(
            Batch.batch_number, Batch.compounded_on, Batch.status, Patient.name, Patient.date_of_birth, Batch.rx_number, Batch.prescriber,
            MasterFormulaVersion.name, MasterFormulaVersion.version, used.c.used_ug, Batch.beyond_use,
            PatientContact.address, PatientContact.phone, PrescriptionDetail.prescriber_npi,
        )
        .join(used, used.c.batch_id == Batch.id)
        .join(Patient, Patient.id == Batch.patient_id)
        .outerjoin(PatientContact, PatientContact.patient_id == Patient.id)
        .outerjoin(PrescriptionDetail, PrescriptionDetail.batch_id == Batch.id)
        .join(MasterFormulaVersion, MasterFormulaVersion.id == Batch.formula_version_id)
    )
    orders = {**RECALL_ORDERS, "grams_used": used.c.used_ug}
    query = page_of(ordered(query, orders, order_by, descending, Batch.compounded_on, Batch.batch_number), limit, offset)
    return [
        RecallRow(number, on, status, patient, born, rx_number, prescriber, formula, version, None if used_ug is None else to_grams(used_ug), beyond_use,
                  address or "", phone or "", npi or "")
        for number, on, status, patient, born, rx_number, prescriber, formula, version, used_ug, beyond_use, address, phone, npi in session.execute(query)
    ]


def recall_count(session: Session, lot_id: int) -> tuple[int, int]:
    """How many batches used the lot, and for how many patients (patient records)."""
    if session.get(IngredientLot, lot_id) is None:
        raise RecordError(f"no ingredient lot number {lot_id}")
    used = _used(lot_id)
    batches, patients = session.execute(
        select(func.count(), func.count(func.distinct(Batch.patient_id))).select_from(Batch).join(used, used.c.batch_id == Batch.id)
    ).one()
    return batches, patients


CSV_HEADER = (
    "lot", "stock form", "manufacturer", "batch number", "compounded on", "status", "patient", "date of birth", "Rx number",
    "prescriber", "formula", "formula version", "grams used", "beyond-use date", "patient address", "patient phone", "prescriber NPI",
)


def write_recall_csv(lot: Lot, rows: list[RecallRow], out: TextIO) -> None:
    """The recall list as CSV (UTF-8, a header row, ISO dates), one row per batch."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        values = ["" if v is None else v.isoformat() if isinstance(v, dt.date) else str(v) for v in astuple(row)]
        writer.writerow([_cell(v) for v in (lot.lot_number, lot.stock_form, lot.manufacturer, *values)])



def _cell(value: str) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


_AMENDED = Batch.__table__.alias("amended")  # made once: an alias made per call is compiled again each time


def amendment_links(session: Session, batch_numbers: list[str]) -> dict[str, str]:
    """For each of these batches that amends another or is amended, the link in words:
    "amends 261123-001", "amended by 261124-002" (both when a correction was itself corrected)."""
    if not batch_numbers:
        return {}
    amended = _AMENDED
    links: dict[str, list[str]] = {}
    wanted = set(batch_numbers)
    seen: set[tuple[str, str]] = set()
    for start in range(0, len(batch_numbers), _IN_CHUNK):  # a whole history ("show all") is more than SQLite binds at once
        chunk = batch_numbers[start:start + _IN_CHUNK]
        # Two queries, each answered by an index; one with "a OR b" read every amendment
        # (270 ms with 100,000 batches, for every page of the history).
        pairs = [
            (batch_id, correction, original)
            for where in (_BATCH.batch_number.in_(chunk), amended.c.batch_number.in_(chunk))
            for batch_id, correction, original in session.execute(
                select(_BATCH.id, _BATCH.batch_number, amended.c.batch_number).join(amended, amended.c.id == _BATCH.amends_id).where(where)
            )
        ]
        for _id, correction, original in sorted(pairs):
            if (correction, original) in seen:  # both ends in the list, found from two chunks
                continue
            seen.add((correction, original))
            if correction in wanted:
                links.setdefault(correction, []).append(f"amends {original}")
            if original in wanted:
                links.setdefault(original, []).append(f"amended by {correction}")
    return {number: "; ".join(texts) for number, texts in links.items()}
