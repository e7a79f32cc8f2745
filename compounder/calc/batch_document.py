"""A batch's worksheet and label frozen with its record, and rebuilt from it for (re)printing.

When a batch is made, the words and numbers its worksheet and label print are worked out once
(``freeze_documents``) and stored in the batch's plan JSON under ``"documents"``. Printing a
stored batch later (``stored_worksheet``, ``stored_label``) reads them back: nothing is
recomputed, so a change to the reference data or to the master formula after the batch never
changes what its reprint says. What the batch record adds since (lots, actual weights,
signatures, the acknowledgements and whether this is a reprint) comes in as plain values.

Pure: no Qt, no SQLAlchemy, no ReportLab.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from compounder.calc.catalog import Catalog
from compounder.calc.errors import InputError
from compounder.calc.labeling import LabelActive, LabelContent, label_content
from compounder.calc.model import BatchPlan, Caution, Finding, Severity
from compounder.calc.prescription import Acknowledgement, Order, Prescription
from compounder.calc.procedure import Check
from compounder.calc.record import CompoundingRecord, PatientFacts, WeighRow, compounding_record
from compounder.calc.release import AcknowledgedFinding
from compounder.calc.units import Quantity

DOCUMENTS_KEY = "documents"
FORMAT = 1
# Stands in for the batch number while the documents are frozen (the number is allocated when
# the batch is saved); the stored batch's own number replaces it on every print.
_PENDING = "PENDING"
# Stand-ins for fields the worksheet's body does not print (the batch record supplies them).
_PLACEHOLDER_RX = Prescription(patient="-", rx_number="PENDING", prescriber="-")

_WORKSHEET_FIELDS = (
    "formula_name", "dosage_form", "base", "beyond_use_days", "beyond_use_reason", "storage", "quantity", "prepared",
    "container", "total", "balance", "balance_detail",
)
_ROW_FIELDS = tuple(field.name for field in dataclasses.fields(WeighRow))


class NotStored(InputError):
    """The batch's record does not hold what the document prints (made before documents were
    frozen with batches, or made without the label's prescription fields)."""


def freeze_documents(
    plan: BatchPlan, order: Order, catalog: Catalog, compounded_on: dt.date, tolerance: Quantity | None
) -> dict[str, Any]:
    """The worksheet's body and, when ``order`` has the label's fields, the label's text, as
    JSON-ready data to store with the batch. Raises ``InputError`` for a label that cannot be
    made right (a quantity larger than the batch, a click dispenser without a density…).

    The findings are not frozen here: they are the plan's own, and who acknowledged them is the
    batch record's."""
    warnings = {f.code for f in plan.findings if f.severity is Severity.WARNING}
    overridable_errors = {f.code for f in plan.findings if f.severity is Severity.ERROR and f.patient}
    prescription = order.prescription
    stand_in = dataclasses.replace(
        prescription,
        patient=prescription.patient or _PLACEHOLDER_RX.patient,
        rx_number=prescription.rx_number or _PLACEHOLDER_RX.rx_number,
        prescriber=prescription.prescriber or _PLACEHOLDER_RX.prescriber,
    )
    # Every warning marked seen for the freezing only: whether a batch may be printed is the
    # record's question (its acknowledgements), asked when it is printed.
    freezing = dataclasses.replace(
        order, batch_number=_PENDING, prescription=stand_in,
        acknowledged=(
            *(Acknowledgement(code, "-", "-", verified=True) for code in sorted(warnings)),
            *(Acknowledgement(code, "-", "-", override=True, verified=True) for code in sorted(overridable_errors)),
        ),
    )
    record = compounding_record(plan, freezing, catalog, compounded_on, tolerance)
    worksheet = {field: getattr(record, field) for field in _WORKSHEET_FIELDS}
    worksheet["rows"] = [{field: getattr(row, field) for field in _ROW_FIELDS} for row in record.rows]
    worksheet["steps"] = list(record.steps)
    worksheet["checks"] = [{"name": c.name, "specification": c.specification} for c in record.checks]
    worksheet["controlled"] = list(record.controlled)
    worksheet["dose_check"] = record.dose_check
    # The final weight's accepted range as the sheet prints it, as a number the QC result is judged by
    # (issue 25); None: no tolerance set, the pharmacist judges by the SOP.
    worksheet["final_weight_tolerance_percent"] = None if tolerance is None else f"{Decimal(str(tolerance.to('percent').magnitude)).normalize():f}"
    label = None
    if all(value is not None for value in (prescription.directions, prescription.quantity, prescription.refills)):
        content = label_content(plan, freezing, catalog, compounded_on)
        label = {
            "actives": [{"name": a.name, "strength": a.strength} for a in content.actives],
            "dosage_form": content.dosage_form,
            "quantity": content.quantity,
            "refills": content.refills,
            "directions": content.directions,
            "per_click": content.per_click,
            "storage": content.storage,
            "statement": content.statement,
            "warnings": [w.text for w in content.warnings],
            "controlled": list(content.controlled),
        }
    return {"format": FORMAT, "worksheet": worksheet, "label": label}


# --------------------------------------------------------------------------- printing a stored batch


@dataclass(frozen=True)
class BatchIdentity:
    """Who and what the stored batch is for, from its record."""

    batch_number: str
    formula_version: str  # "Name, version 3"
    patient: str
    date_of_birth: dt.date | None
    rx_number: str
    prescriber: str
    compounded_on: dt.date
    beyond_use: dt.date


@dataclass(frozen=True)
class WeighedStep:
    """One of an aliquot line's weighings as recorded: ``step`` "ingredient", "diluent" or
    "portion"; ``initials`` of who weighed it."""

    step: str
    target: Decimal  # grams
    actual: Decimal | None
    deviation_percent: Decimal | None
    out_of_tolerance: bool
    how_weighed: str  # "balance XS205-1", "typed", "" when not recorded
    initials: str | None
    at: dt.datetime | None


def initials(full_name: str | None) -> str | None:
    """"Tess Technician" → "TT"; a title after a comma ("Paula Pharmacist, RPh") is left off."""
    if not full_name:
        return None
    words = full_name.split(",")[0].split()
    return "".join(word[0].upper() for word in words if word[0].isalpha()) or None


@dataclass(frozen=True)
class WeighedLine:
    """What the record holds for a line after weighing."""

    position: int
    lot: str | None
    manufacturer: str | None
    expires: dt.date | None
    actual: Decimal | None  # grams
    deviation_percent: Decimal | None
    out_of_tolerance: bool
    weight_source: str | None = None  # "balance" or "typed" (the weighing station)
    balance_id: str | None = None
    identity: str | None = None  # the container "scanned" or confirmed "by hand"
    target: Decimal | None = None  # grams the actual was checked against (an aliquot line's: the drug's own, not the portion)
    # An aliquot line's weighings as recorded; () for a direct line, and for an aliquot line of a
    # batch stored before the weighings were recorded (its reprint says they were not).
    steps: tuple[WeighedStep, ...] = ()
    # The pharmacist's signed reasons the weighing policy asked for ("Paula Pharmacist: balance out
    # for calibration"): a typed weight where the balance is required, a container confirmed by hand.
    weight_reason: str | None = None
    identity_reason: str | None = None
    supplier: str | None = None  # who sold the lot, beside its manufacturer (issue 25)

    def step(self, name: str) -> WeighedStep | None:
        return next((step for step in self.steps if step.step == name), None)

    @property
    def how_weighed(self) -> str:
        """'balance XS205-1 · scanned', 'typed (signed: …) · confirmed by hand (signed: …)', '' when not recorded."""
        source = {"balance": f"balance {self.balance_id}", "typed": "typed"}.get(self.weight_source or "", "")
        identity = {"scanned": "scanned", "by hand": "confirmed by hand"}.get(self.identity or "", "")
        if source == "typed" and self.weight_reason:
            source += f" (signed: {self.weight_reason})"
        if identity == "confirmed by hand" and self.identity_reason:
            identity += f" (signed: {self.identity_reason})"
        return " · ".join(part for part in (source, identity) if part)


@dataclass(frozen=True)
class Signature:
    role: str  # "Prepared by", "Checked by", "Verified by (pharmacist)"
    name: str | None
    at: dt.datetime | None


@dataclass(frozen=True)
class PrintMark:
    """A print after the first is a reprint, and says when and by whom."""

    reprint: bool
    at: dt.datetime
    by: str

    def text(self) -> str:
        return f"REPRINT {self.at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC by {self.by}" if self.reprint else ""


@dataclass(frozen=True)
class SignedChanges:
    """A refill's formula changes as a pharmacist signed them (issue 24): the heading ("Refill: the
    formula changed since batch …"), one sentence a change, and the signature (name, date and
    time, meaning)."""

    heading: str
    changes: tuple[str, ...]
    signature: str


@dataclass(frozen=True)
class QcLine:
    """A QC check the master formula asks, as the stored worksheet prints it: ``check`` in words
    ("final weight"), its specification, the result entered ("" while none is) and who entered it when."""

    check: str
    specification: str
    result: str = ""
    passed: bool | None = None
    entered: str = ""


@dataclass(frozen=True)
class StoredWorksheet:
    record: CompoundingRecord
    tolerance_percent: Decimal
    lines: tuple[WeighedLine, ...]
    signatures: tuple[Signature, ...]
    status: str
    mark: PrintMark
    amends: str | None = None
    amendment_reason: str | None = None
    # What the batch makes beyond the quantity dispensed and what becomes of it ("" when nothing).
    surplus: str = ""
    refill_changes: SignedChanges | None = None  # a refill to a changed formula: the signed comparison
    blind_checks: tuple[str, ...] = ()  # each blind double check at verification, one line each
    # Issue 25: when it was prepared (the preparer's signature, the records' clock), the QC results
    # against the master formula's procedures, the deviations with their decisions, the remake link.
    preparation_time: str = ""
    qc: tuple[QcLine, ...] = ()
    deviations: tuple[str, ...] = ()
    remake: str = ""


def _documents(plan: Mapping[str, Any], batch_number: str) -> Mapping[str, Any]:
    documents = plan.get(DOCUMENTS_KEY)
    if not isinstance(documents, Mapping) or documents.get("format") != FORMAT:
        raise NotStored(
            "documents",
            f"batch {batch_number} was recorded without its worksheet and label; print it from the formula file "
            "(compounder worksheet / label), which works them out afresh",
        )
    return documents


class Unacknowledged(InputError):
    """A warning of the stored batch nobody acknowledged, or an error nobody overrode: nothing is
    printed until a pharmacist has (the batch's acknowledgements)."""


def stored_findings(
    plan: Mapping[str, Any], acknowledged: Sequence[Acknowledgement], batch_number: str = "",
) -> tuple[AcknowledgedFinding, ...]:
    """The plan's findings as printed, each with the acknowledgement (or override) the record
    holds; raises ``Unacknowledged`` naming every warning or error that has none."""
    by_code = {ack.code: ack for ack in acknowledged}
    found, open_codes = [], []
    for item in plan.get("findings", []):
        severity = Severity(item["severity"])
        ack = by_code.get(item["code"])
        if ack is None and severity in (Severity.WARNING, Severity.ERROR):
            open_codes.append(f"{severity.value} {item['code']}")
            continue
        found.append(AcknowledgedFinding(Finding(severity, item["code"], item["message"], item.get("line"), patient=bool(item.get("patient"))), ack))
    if open_codes:
        raise Unacknowledged(
            "acknowledged",
            f"batch {batch_number} has findings no pharmacist has acknowledged ({', '.join(open_codes)}); "
            "nothing is printed until each is acknowledged with the reason",
        )
    return tuple(found)


def stored_worksheet(
    plan: Mapping[str, Any], batch: BatchIdentity, *, tolerance_percent: Decimal, lines: Sequence[WeighedLine],
    signatures: Sequence[Signature], status: str, mark: PrintMark, acknowledged: Sequence[Acknowledgement] = (),
    amends: str | None = None, amendment_reason: str | None = None, surplus: str = "",
    refill_changes: SignedChanges | None = None, blind_checks: Sequence[str] = (), preparation_time: str = "",
    qc: Sequence[QcLine] = (), deviations: Sequence[str] = (), remake: str = "",
) -> StoredWorksheet:
    """The worksheet of a stored batch, from its frozen plan and its record; raises ``NotStored``."""
    frozen = _documents(plan, batch.batch_number)["worksheet"]
    by_position = {line.position: line for line in lines}
    record = CompoundingRecord(
        **{field: frozen[field] for field in _WORKSHEET_FIELDS},
        formula_version=batch.formula_version,
        batch_number=batch.batch_number,
        rx_number=batch.rx_number,
        patient=batch.patient,
        date_of_birth=batch.date_of_birth.isoformat() if batch.date_of_birth else "—",
        prescriber=batch.prescriber,
        compounded_on=batch.compounded_on,
        beyond_use=batch.beyond_use,
        rows=tuple(_with_lot(_weigh_row(row), by_position.get(row["number"])) for row in frozen["rows"]),
        steps=tuple(frozen["steps"]),
        checks=tuple(Check(c["name"], c["specification"]) for c in frozen["checks"]),
        findings=stored_findings(plan, acknowledged, batch.batch_number),
        patient_facts=PatientFacts(**plan["screened_facts"]) if isinstance(plan.get("screened_facts"), Mapping) else None,
        controlled=tuple(frozen.get("controlled", ())),  # absent in batches frozen before schedules were on file
        dose_check=frozen.get("dose_check", ""),  # absent in batches frozen before the dose check was printed
    )
    return StoredWorksheet(
        record, tolerance_percent, tuple(lines), tuple(signatures), status, mark, amends, amendment_reason, surplus,
        refill_changes=refill_changes, blind_checks=tuple(blind_checks), preparation_time=preparation_time, qc=tuple(qc),
        deviations=tuple(deviations), remake=remake,
    )


def final_weight_tolerance(plan: Mapping[str, Any]) -> Decimal | None:
    """The final-weight tolerance (%) frozen with the batch's worksheet; None when none was set
    (or the batch was frozen before it was kept as a number)."""
    documents = plan.get(DOCUMENTS_KEY)
    worksheet = documents.get("worksheet") if isinstance(documents, Mapping) else None
    value = worksheet.get("final_weight_tolerance_percent") if isinstance(worksheet, Mapping) else None
    return None if value is None else Decimal(str(value))


def _weigh_row(frozen: Mapping[str, Any]) -> WeighRow:
    """A frozen row read back: JSON lists become the row's tuples; a batch frozen before aliquot
    weighings were listed has none."""
    weighings = tuple((what, grams) for what, grams in frozen.get("aliquot_weighings", ()))
    return WeighRow(**{**frozen, "aliquot_weighings": weighings})


def _with_lot(row: WeighRow, line: WeighedLine | None) -> WeighRow:
    """The lot the record says was used, in place of what the formula file named (if anything)."""
    if line is None or line.lot is None:
        return row
    maker = line.manufacturer or ""
    if line.supplier:
        maker += f" (supplier {line.supplier})"
    return dataclasses.replace(row, lot=line.lot, manufacturer=maker, expires=line.expires.isoformat() if line.expires else "")


def stored_label(
    plan: Mapping[str, Any], batch: BatchIdentity, mark: PrintMark, acknowledged: Sequence[Acknowledgement] = (),
) -> LabelContent:
    """The label of a stored batch as frozen; raises ``NotStored`` when it was made without the
    label's fields (directions, quantity to dispense, refills)."""
    frozen = _documents(plan, batch.batch_number).get("label")
    stored_findings(plan, acknowledged, batch.batch_number)
    if frozen is None:
        raise NotStored(
            "prescription.directions, prescription.quantity, prescription.refills",
            f"batch {batch.batch_number} was made without the label's directions, quantity to dispense and refills; "
            "make its label from the prescription",
        )
    statement = frozen["statement"] + (f". {mark.text()}" if mark.reprint else "")
    return LabelContent(
        patient=batch.patient,
        rx_number=batch.rx_number,
        prescriber=batch.prescriber,
        date_filled=batch.compounded_on,
        actives=tuple(LabelActive(a["name"], a["strength"]) for a in frozen["actives"]),
        dosage_form=frozen["dosage_form"],
        quantity=frozen["quantity"],
        refills=frozen["refills"],
        directions=frozen["directions"],
        per_click=frozen["per_click"],
        beyond_use=batch.beyond_use,
        storage=frozen["storage"],
        lot=batch.batch_number,
        statement=statement,
        warnings=tuple(Caution(text) for text in frozen["warnings"]),
        controlled=tuple(frozen.get("controlled", ())),
    )


def plan_with_documents(
    plan: BatchPlan, order: Order, catalog: Catalog, compounded_on: dt.date, tolerance: Quantity | None
) -> dict[str, Any]:
    """What a batch record stores: the plan as JSON with its frozen worksheet and label."""
    from compounder.calc.plan_data import plan_to_json

    data = plan_to_json(plan)
    data[DOCUMENTS_KEY] = freeze_documents(plan, order, catalog, compounded_on, tolerance)
    return data
