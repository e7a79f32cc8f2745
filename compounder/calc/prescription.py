"""What a printed document needs beyond the formula: the batch number, the prescription, the
container, the findings the pharmacist acknowledged, and the master formula's own steps and checks.

These keys sit in the formula file next to the formula (``parse_formula`` accepts and ignores
them; ``parse_order`` reads them), so one file describes one batch for one patient. Every value is
checked here, and a document that needs a field that is missing is refused with one message
naming all of them (``require``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from compounder.calc.errors import InputError
from compounder.calc.field_limits import prints_nothing
from compounder.calc.fields import date_field, limited_text, list_field, text_field, text_item
from compounder.calc.units import MASS, VOLUME, Quantity, parse_quantity, ureg

#: Top-level keys of the formula file that belong to the documents, not to the formula.
ORDER_KEYS = frozenset({"batch_number", "formula_version", "prescription", "container", "acknowledged", "steps", "checks"})

_PRESCRIPTION_KEYS = (
    "patient", "date_of_birth", "rx_number", "prescriber", "directions", "quantity", "refills", "written_on",
)

# Printed as Code 128 and typed into pharmacy systems: plain ASCII, no spaces.
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/._]{0,39}$")

# Click dispensers whose volume per click is known: the ``click`` unit of the registry
# (Topi-CLICK: 0.25 mL a click, compounding-facts §7).
_CLICK_DISPENSERS = {"topi-click": "Topi-CLICK", "topiclick": "Topi-CLICK", "topi click": "Topi-CLICK"}

Document = Literal["worksheet", "label", "calculation"]

REQUIRED: dict[str, tuple[str, ...]] = {
    # A formula file's calculation sheet (no batch number, no patient label): nothing from the
    # prescription is needed (``compounder.calc.calculation_sheet``).
    "calculation": (),
    "worksheet": ("batch_number", "prescription.patient", "prescription.rx_number", "prescription.prescriber"),
    "label": (
        "batch_number", "prescription.patient", "prescription.rx_number", "prescription.prescriber",
        "prescription.directions", "prescription.quantity", "prescription.refills",
    ),
}


@dataclass(frozen=True)
class Prescription:
    patient: str | None = None
    date_of_birth: dt.date | None = None
    rx_number: str | None = None
    prescriber: str | None = None
    directions: str | None = None  # the prescriber's directions, as written for the label
    quantity: Quantity | None = None  # quantity to dispense
    refills: int | None = None
    written_on: dt.date | None = None


@dataclass(frozen=True)
class Container:
    """What the preparation is packed in; a click dispenser gives a dose per click."""

    name: str
    click_volume: Quantity | None = None  # volume delivered per click, for a click dispenser

    @property
    def is_click_dispenser(self) -> bool:
        return self.click_volume is not None


@dataclass(frozen=True)
class Acknowledgement:
    """A pharmacist's acknowledgement of a warning finding, or (``override``) a pharmacist's
    override of an error finding, by its code; ``role`` and ``at`` say who signed and when,
    when that is known (the window and the records fill them in)."""

    code: str
    by: str
    reason: str
    override: bool = False
    role: str | None = None
    at: dt.datetime | None = None
    # True only for a decision signed by an account in the records (read back from them). A
    # formula file can claim any name and role: its decisions are printed as unverified, and its
    # overrides are not accepted (``compounder.calc.release``). Never written to a file.
    verified: bool = False
    # The fingerprint of the numbers the finding rested on when it was decided
    # (``compounder.calc.finding_numbers``); a change to them voids the decision. None: not bound.
    numbers: str | None = None

    @property
    def action(self) -> str:
        return "OVERRIDDEN" if self.override else "acknowledged"

    def data(self) -> dict[str, Any]:
        """As an item of the formula file's ``acknowledged`` list (``parse_order`` reads it back)."""
        item: dict[str, Any] = {"code": self.code, "by": self.by, "reason": self.reason}
        if self.override:
            item["override"] = True
        if self.role is not None:
            item["role"] = self.role
        if self.at is not None:
            item["at"] = self.at.isoformat(timespec="seconds")
        if self.numbers is not None:
            item["numbers"] = self.numbers
        return item


#: A reason is what the next pharmacist reads to understand why the batch went ahead.
MIN_REASON_CHARACTERS = 10
MIN_REASON_WORDS = 2


def reason_problem(reason: str | None) -> str | None:
    """Why ``reason`` is not a usable reason for acknowledging or overriding a finding, or None."""
    text = " ".join((reason or "").split())
    if not text:
        return "give the reason; it is printed on the worksheet and kept in the record"
    words = [word for word in text.split() if sum(ch.isalpha() for ch in word) >= 2]
    if len(text) < MIN_REASON_CHARACTERS or len(words) < MIN_REASON_WORDS:
        return (
            f"{text!r} is too short to be a reason; say in at least {MIN_REASON_WORDS} words what was checked, "
            "e.g. \"prescriber confirmed the dose by phone\""
        )
    if len(set(text.casefold().replace(" ", ""))) < 4:
        return f"{text!r} is not a reason; say what was checked"
    return None


@dataclass(frozen=True)
class Order:
    """Everything the documents need beyond the formula."""

    batch_number: str | None = None
    formula_version: str | None = None
    prescription: Prescription = Prescription()
    container: Container | None = None
    acknowledged: tuple[Acknowledgement, ...] = ()
    steps: tuple[str, ...] = ()  # the master formula's own steps, replacing the defaults
    checks: tuple[str, ...] = ()  # quality-control checks the master formula names


def parse_order(data: Any) -> Order:
    """Read the document keys of a formula file; raises ``InputError`` naming the field."""
    if not isinstance(data, Mapping):
        raise InputError("formula", "the file must hold one JSON object")
    return Order(
        batch_number=_identifier(data, "batch_number", "batch_number") if data.get("batch_number") is not None else None,
        formula_version=text_field(data, "formula_version", "formula_version") if data.get("formula_version") is not None else None,
        prescription=_prescription(data.get("prescription")),
        container=_container(data.get("container")),
        acknowledged=tuple(_acknowledgement(item, f"acknowledged[{i}]") for i, item in enumerate(list_field(data, "acknowledged"))),
        steps=tuple(text_item(item, f"steps[{i}]") for i, item in enumerate(list_field(data, "steps"))),
        checks=tuple(text_item(item, f"checks[{i}]") for i, item in enumerate(list_field(data, "checks"))),
    )


def missing_for(order: Order, document: Document) -> list[str]:
    """The fields ``document`` needs that ``order`` lacks, as formula-file paths."""
    missing = []
    for path in REQUIRED[document]:
        head, _, tail = path.partition(".")
        value = getattr(order.prescription, tail) if tail else getattr(order, head)
        if value is None:
            missing.append(path)
    return missing


def require(order: Order, document: Document) -> None:
    """Refuse, in one message naming every missing field, an order a document cannot be made from."""
    missing = missing_for(order, document)
    if missing:
        needed = ", ".join(REQUIRED[document])
        raise InputError(", ".join(missing), f"missing; a {document} needs {needed}")


def check_dates(order: Order, compounded_on: dt.date) -> None:
    """Dates that cannot be right for a batch compounded on ``compounded_on``."""
    rx = order.prescription
    if rx.date_of_birth is not None and rx.date_of_birth > compounded_on:
        raise InputError(
            "prescription.date_of_birth",
            f"{rx.date_of_birth.isoformat()} is after the compounding date {compounded_on.isoformat()}; check the patient's date of birth",
        )
    if rx.written_on is not None and rx.written_on > compounded_on:
        raise InputError(
            "prescription.written_on",
            f"{rx.written_on.isoformat()} is after the compounding date {compounded_on.isoformat()}; a prescription is written before it is filled",
        )


# --------------------------------------------------------------------------- readers


def _prescription(value: Any) -> Prescription:
    if value is None:
        return Prescription()
    if not isinstance(value, Mapping):
        raise InputError("prescription", 'must be an object such as {"patient": "Jane Doe", "rx_number": "RX-104233", ...}')
    unknown = sorted(set(value) - set(_PRESCRIPTION_KEYS))
    if unknown:
        raise InputError(f"prescription.{unknown[0]}", f"unknown key; a prescription takes {', '.join(_PRESCRIPTION_KEYS)}")

    def present(key: str) -> bool:
        return value.get(key) is not None

    quantity = None
    if present("quantity"):
        quantity = parse_quantity(value["quantity"], "prescription.quantity", (MASS, VOLUME))
    refills = None
    if present("refills"):
        refills = value["refills"]
        if isinstance(refills, bool) or not isinstance(refills, int) or not 0 <= refills <= 99:
            raise InputError("prescription.refills", f"{refills!r} is not a number of refills; give a whole number from 0 to 99")
    return Prescription(
        patient=text_field(value, "patient", "prescription.patient") if present("patient") else None,
        date_of_birth=date_field(value, "date_of_birth", "prescription.date_of_birth", example="1948-03-02") if present("date_of_birth") else None,
        rx_number=_identifier(value, "rx_number", "prescription.rx_number") if present("rx_number") else None,
        prescriber=text_field(value, "prescriber", "prescription.prescriber") if present("prescriber") else None,
        directions=text_field(value, "directions", "prescription.directions") if present("directions") else None,
        quantity=quantity,
        refills=refills,
        written_on=date_field(value, "written_on", "prescription.written_on", example="2026-11-20") if present("written_on") else None,
    )


def _container(value: Any) -> Container | None:
    if value is None:
        return None
    if not isinstance(value, str) or prints_nothing(value):
        raise InputError("container", 'must be non-empty text, e.g. "Topi-CLICK 35 mL" or "60 g ointment jar"')
    name = " ".join(limited_text(value, "container").split())
    key = name.casefold()
    for spelling, dispenser in _CLICK_DISPENSERS.items():
        if key.startswith(spelling):
            return Container(name=dispenser + name[len(spelling):], click_volume=(1 * ureg.click).to("mL"))
    if "click" in key:
        known = ", ".join(sorted(set(_CLICK_DISPENSERS.values())))
        raise InputError(
            "container",
            f'"{name}" looks like a click dispenser whose volume per click is not on file; dispensers on file: {known}',
        )
    return Container(name=name)


def _acknowledgement(item: Any, where: str) -> Acknowledgement:
    if not isinstance(item, Mapping):
        raise InputError(where, 'must be an object such as {"code": "DUPLICATE_NSAID", "by": "J. Kim, RPh", "reason": "..."}')
    unknown = sorted(set(item) - {"code", "by", "reason", "override", "role", "at", "numbers"})
    if unknown:
        raise InputError(f"{where}.{unknown[0]}", "unknown key; an acknowledgement takes code, by, reason, and optionally override, role, at and numbers")
    for key in ("code", "by", "reason"):
        if item.get(key) is None:
            raise InputError(f"{where}.{key}", "missing; an acknowledgement names the finding's code, who acknowledged it and why")
    override = item.get("override", False)
    if not isinstance(override, bool):
        raise InputError(f"{where}.override", f"{override!r} is not true or false; an error finding is overridden with \"override\": true")
    reason = text_field(item, "reason", f"{where}.reason")
    if override and (problem := reason_problem(reason)):
        raise InputError(f"{where}.reason", f"an override needs a real reason: {problem}")
    at = None
    if item.get("at") is not None:
        try:
            if not isinstance(item["at"], str):
                raise ValueError
            at = dt.datetime.fromisoformat(item["at"].strip())
        except ValueError:
            raise InputError(f"{where}.at", f"{item['at']!r} is not a time; write it as 2026-11-23T09:00:00+00:00") from None
        if at.tzinfo is None:
            raise InputError(f"{where}.at", f"{item['at']!r} has no time zone; write it as 2026-11-23T09:00:00+00:00")
    role = text_field(item, "role", f"{where}.role") if item.get("role") is not None else None
    if role is not None and role.strip().lower() != "pharmacist":
        raise InputError(f"{where}.role", f"{role!r}: only a pharmacist acknowledges a warning or overrides an error; a {role}'s decision is refused")
    numbers = text_field(item, "numbers", f"{where}.numbers") if item.get("numbers") is not None else None
    return Acknowledgement(
        code=text_field(item, "code", f"{where}.code").upper(),
        by=text_field(item, "by", f"{where}.by"),
        reason=reason,
        override=override,
        role=role,
        at=at,
        numbers=numbers,
    )








def _identifier(data: Mapping, key: str, field: str) -> str:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _IDENTIFIER.match(value.strip()):
        raise InputError(
            field,
            f"{value!r} is not usable as a barcode; use 1 to 40 ASCII letters, digits and - / . _ with no spaces, e.g. \"261123-001\"",
        )
    return value.strip()




# --------------------------------------------------------------------------- for an editor


@dataclass(frozen=True)
class OrderAssessment:
    """The document keys as an editor holds them: the order when every field is usable, and
    every unusable field named (``parse_order`` stops at the first)."""

    order: Order | None
    errors: tuple[InputError, ...]


def assess_order(data: Mapping[str, Any], compounded_on: dt.date | None) -> OrderAssessment:
    """Put each document field of formula-file ``data`` through ``parse_order`` on its own, so
    that each unusable one is named with the words the command line would print; then check the
    dates against ``compounded_on``. Adds no rule of its own."""
    errors: list[InputError] = []
    for key in ORDER_KEYS:
        if key not in data:
            continue
        value = data[key]
        if key == "prescription" and isinstance(value, Mapping):
            for sub, sub_value in value.items():
                try:
                    parse_order({"prescription": {sub: sub_value}})
                except InputError as error:
                    errors.append(error)
            continue
        try:
            parse_order({key: value})
        except InputError as error:
            errors.append(error)
    if errors:
        return OrderAssessment(None, tuple(errors))
    order = parse_order(data)
    if compounded_on is not None:
        try:
            check_dates(order, compounded_on)
        except InputError as error:
            return OrderAssessment(order, (error,))
    return OrderAssessment(order, ())
