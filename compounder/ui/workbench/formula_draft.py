"""The formula as typed and as the engine assesses it, without Qt: ``Draft`` (the text of every
field), ``draft_from_data`` (a formula file's data as text), and ``evaluate_draft`` (the draft as
formula-file data, asked of ``compounder.calc.assess``: the plan, each cell's message, the
findings and the prescription). ``formula_document`` keeps a draft and its undo stack.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from compounder.calc import Assessment, BatchPlan, Catalog, InputError, Severity, assess, role_of, split_field
from compounder.calc.prescription import Order, assess_order
from compounder.calc.units import Quantity

HEADER_KEYS = (
    "name", "batch", "density", "excess", "base", "balance", "compounded_on", "base_lot", "base_expires",
    "directions.amount", "directions.times_per_day", "directions.area",
)
ROW_KEYS = ("ingredient", "strength", "stock", "potency", "lot", "expires")
# The prescription and packaging: what the batch made from the workbench is made for. No batch
# number: the records number a batch when they make it (a file's own ``batch_number`` is kept, unused).
ORDER_FIELDS = (
    "prescription.patient", "prescription.date_of_birth", "prescription.rx_number", "prescription.prescriber",
    "prescription.written_on", "prescription.directions", "prescription.quantity", "prescription.refills",
    "container",
)
# Keys of a master formula that belong to one batch for one patient; not kept in the library.
BATCH_ONLY_KEYS = ("batch_number", "prescription", "acknowledged", "patient")

HEADER_LABELS = {
    "name": "name", "batch": "batch quantity", "density": "density", "excess": "excess", "base": "base",
    "balance": "balance", "compounded_on": "compounding date", "base_lot": "base lot",
    "base_expires": "base expiry", "directions.amount": "amount per application",
    "directions.times_per_day": "times a day", "directions.area": "area", "formula": "formula",
    "prescription.patient": "patient", "prescription.date_of_birth": "date of birth", "prescription.rx_number": "Rx number",
    "prescription.prescriber": "prescriber", "prescription.written_on": "date written",
    "prescription.directions": "directions on the label", "prescription.quantity": "quantity to dispense",
    "prescription.refills": "refills", "batch_number": "batch number", "container": "container",
}
ROW_LABELS = {
    "ingredient": "ingredient", "strength": "strength", "stock": "stock form weighed", "potency": "potency",
    "lot": "lot", "expires": "expiry", "manufacturer": "manufacturer",
}

BASE_ROW: Literal["base"] = "base"
Target = int | Literal["base"] | None  # a draft row, the base row, or the formula as a whole


@dataclass(frozen=True)
class Draft:
    """What the pharmacist typed: header fields and ingredient rows, as text.

    Keys not shown in the window (a line's manufacturer, say) are kept, so opening and saving a
    file does not lose them. An empty text means "not given". Values that are not text (the
    acknowledged warnings, a master formula's steps and checks) are kept as data in ``extras``.
    """

    header: Mapping[str, str] = field(default_factory=dict)
    rows: tuple[Mapping[str, str], ...] = ()
    extras: Mapping[str, Any] = field(default_factory=dict)

    def with_header(self, key: str, text: str) -> Draft:
        return dataclasses.replace(self, header={**self.header, key: text})

    def with_extra(self, key: str, value: Any) -> Draft:
        extras = {k: v for k, v in self.extras.items() if k != key}
        if value is not None:
            extras[key] = value
        return dataclasses.replace(self, extras=extras)

    def with_cell(self, row: int, key: str, text: str) -> Draft:
        rows = list(self.rows)
        rows[row] = {**rows[row], key: text}
        return dataclasses.replace(self, rows=tuple(rows))

    def with_row(self, row: int, values: Mapping[str, str]) -> Draft:
        return dataclasses.replace(self, rows=(*self.rows[:row], dict(values), *self.rows[row:]))

    def without_row(self, row: int) -> Draft:
        return dataclasses.replace(self, rows=(*self.rows[:row], *self.rows[row + 1:]))


@dataclass(frozen=True)
class Notice:
    """One entry of the findings panel: an engine finding or a field the engine cannot use."""

    severity: Severity
    code: str
    message: str
    target: Target = None
    key: str | None = None  # the field it concerns: a header key, or a column key on the target row
    source: str | None = None  # the citation the message ends with, for a finding from a reference value

    @property
    def brief(self) -> str:
        """The message without its trailing citation (shown in the tooltip instead), so the
        findings panel shows what was found at a glance; the worksheet prints it whole."""
        cited = f" ({self.source})"
        return self.message.removesuffix(cited) if self.source and self.message.endswith(cited) else self.message


@dataclass(frozen=True)
class Evaluation:
    """A draft as the engine sees it: its formula-file data, the answer, and where each plan line
    and each error sits in the window."""

    data: dict[str, Any]
    assessment: Assessment
    line_targets: tuple[Target, ...]  # per plan line: its draft row, or BASE_ROW
    cell_errors: Mapping[tuple[Target, str], str]  # (row or None for the header, key) -> message
    notices: tuple[Notice, ...]
    order: Order | None = None  # the prescription, batch number, container and acknowledgements
    order_errors: Mapping[str, str] = field(default_factory=dict)  # field path -> message
    # The name states a strength the content contradicts (issue 28, observation 8): corrected, never printed so.
    name_error: str | None = None

    @property
    def plan(self) -> BatchPlan | None:
        return self.assessment.plan

    @property
    def has_errors(self) -> bool:
        return bool(self.assessment.errors) or self.name_error is not None or (self.plan is not None and self.plan.has_errors)

    @property
    def must_be_corrected(self) -> bool:
        """An error that only correcting the formula clears: an unusable field, or an error finding
        of the formula itself. (An error of the patient screening may instead be overridden by a
        pharmacist when the batch is printed.)"""
        return bool(self.assessment.errors) or self.name_error is not None or (
            self.plan is not None and any(f.severity is Severity.ERROR and not f.patient for f in self.plan.findings)
        )


def draft_from_data(data: Any) -> Draft:
    """A formula file's data as editable text. Refuses data that is not a formula at all."""
    if not isinstance(data, Mapping):
        raise InputError("formula", "the file must hold one JSON object with batch, base and actives")
    header: dict[str, str] = {}
    extras: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("actives", "excipients"):
            continue
        if key in ("directions", "prescription") and isinstance(value, Mapping):
            for sub, sub_value in value.items():
                if sub_value is not None:
                    header[f"{key}.{sub}"] = _text(sub_value)
        elif isinstance(value, (list, Mapping)):
            extras[key] = value  # kept as data; the engine says what is wrong with it
        elif value is not None:
            header[key] = _text(value)
    rows: list[dict[str, str]] = []
    for group in ("actives", "excipients"):
        items = data.get(group) or []
        if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
            raise InputError(group, 'must be a list of objects such as {"ingredient": "lidocaine", "strength": "5 %"}')
        rows += [{key: _text(value) for key, value in item.items() if value is not None} for item in items]
    return Draft(header=header, rows=tuple(rows), extras=extras)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def evaluate_draft(
    draft: Draft, catalog: Catalog, today: dt.date, max_excess: Quantity | None = None, stored_patient: Mapping[str, Any] | None = None,
) -> Evaluation:
    """Turn the draft into formula-file data, assess it, and place every error and finding.
    ``stored_patient``: the records' profile of the patient the prescription names (a formula
    file's ``patient`` section), screened in place of the file's own; not saved with the formula."""
    data: dict[str, Any] = {}
    directions: dict[str, Any] = {}
    prescription: dict[str, Any] = {}
    for key, text in draft.header.items():
        if not text.strip():
            continue
        if key.startswith("directions."):
            sub = key.removeprefix("directions.")
            directions[sub] = _number_or_text(text) if sub == "times_per_day" else text.strip()
        elif key.startswith("prescription."):
            sub = key.removeprefix("prescription.")
            prescription[sub] = _whole_number_or_text(text) if sub == "refills" else text.strip()
        else:
            data[key] = text.strip()
    if directions:
        data["directions"] = directions
    if prescription:
        data["prescription"] = prescription
    data.update(draft.extras)

    group_rows: dict[str, list[int]] = {"actives": [], "excipients": []}
    for row, values in enumerate(draft.rows):
        if not any(v.strip() for v in values.values()):
            continue  # an empty row is not part of the formula
        group = "excipients" if role_of(values.get("ingredient", ""), catalog) == "excipient" else "actives"
        group_rows[group].append(row)
    for group, rows in group_rows.items():
        if rows:
            data[group] = [{k: v.strip() for k, v in draft.rows[row].items() if v.strip()} for row in rows]

    assessment = assess(data if stored_patient is None else {**data, "patient": dict(stored_patient)}, catalog, today, max_excess)
    line_targets: tuple[Target, ...] = (*group_rows["actives"], *group_rows["excipients"], BASE_ROW)

    cell_errors: dict[tuple[Target, str], str] = {}
    notices: list[Notice] = []
    for error in assessment.errors:
        path = split_field(error.field)
        if path.group is not None and path.index is not None:  # a line's field ("actives[1].strength") has both
            error_row = group_rows[path.group][path.index] if path.index < len(group_rows[path.group]) else None
            key = (path.key or "ingredient").split(".")[0]
            cell_errors[(error_row, key)] = error.message
            name = draft.rows[error_row].get("ingredient", "").strip() if error_row is not None else ""
            label = f"row {error_row + 1}{f' ({name})' if name else ''}, {ROW_LABELS.get(key, key)}" if error_row is not None else error.field
            notices.append(Notice(Severity.ERROR, "INPUT", f"{label}: {error.message}", error_row, key))
        else:
            key = path.key or "formula"
            cell_errors[(None, key)] = error.message
            if key in ("base_lot", "base_expires"):
                cell_errors[(BASE_ROW, key)] = error.message
            target: Target = BASE_ROW if key in ("base", "base_lot", "base_expires") else None
            notices.append(Notice(Severity.ERROR, "INPUT", f"{HEADER_LABELS.get(key, key)}: {error.message}", target, key))
    name_error = None
    if isinstance(data.get("name"), str):
        from compounder.calc.formula_name import name_problem  # with the first name typed: the window starts without it

        name_error = name_problem(data["name"], data)
    if name_error is not None and (None, "name") not in cell_errors:
        cell_errors[(None, "name")] = name_error
        notices.append(Notice(Severity.ERROR, "NAME_CONTENT", f"{HEADER_LABELS['name']}: {name_error}", None, "name"))
    plan = assessment.plan
    if plan is not None:
        for finding in plan.findings:
            target = line_targets[finding.line] if finding.line is not None else None
            cited = finding.source.cite() if finding.source is not None else None
            notices.append(Notice(finding.severity, finding.code, finding.message, target, source=cited))
    notices.sort(key=lambda n: n.severity.rank)
    formula = assessment.formula
    order = assess_order(data, formula.compounded_on or today if formula is not None else None)
    order_errors = {error.field: error.message for error in order.errors}
    return Evaluation(
        data, assessment, line_targets if plan is not None else (), cell_errors, tuple(notices), order.order, order_errors, name_error
    )


def _whole_number_or_text(text: str) -> int | str:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else text


def _number_or_text(text: str) -> int | float | str:
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
