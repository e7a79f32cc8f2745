"""A batch screened for its patient: the master formula version evaluated with the patient's
stored profile, so the findings a pharmacist acknowledges or overrides, and the plan frozen in
the batch record, are the ones for this patient.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from compounder.calc.catalog import Catalog
from compounder.calc.errors import InputError
from compounder.calc.evaluate import evaluate
from compounder.calc.formula_file import directions_to_data, parse_directions, parse_formula
from compounder.calc.model import BatchPlan, Directions
from compounder.calc.patient import PatientProfile, parse_patient, profile_data
from compounder.calc.plan_data import plan_to_json
from compounder.calc.prescription import Order, parse_order
from compounder.calc.record import patient_facts
from compounder.calc.units import Quantity
from compounder.records import batches, people
from compounder.records.batches import BatchRecord, FindingDecision
from compounder.records.model import MasterFormulaVersion
from compounder.records.patients import screening_profile
from compounder.records.people import PatientInfo
from compounder.records.policy import Actor, RecordError

#: The keys of the order a batch is made for (formula-file keys): the prescription, the
#: container, and the structured directions its daily amounts are checked with.
ORDER_DATA_KEYS = ("prescription", "container", "directions")


@dataclass(frozen=True)
class BatchOrder:
    """The prescription a batch is made for, read by the engine's own parsers: the order (label
    directions, quantity, refills, container) and the structured directions (amount per
    application, times a day) the daily maximum is checked with, None when not given."""

    order: Order
    directions: Directions | None


def parse_batch_order(data: Mapping[str, Any]) -> BatchOrder:
    """Read ``data`` (formula-file keys ``prescription``, ``container``, ``directions``, and the
    master formula's ``steps`` and ``checks``) as ``parse_order`` and ``parse_directions`` read a
    formula file, so the same values are refused with the same words; raises ``InputError``."""
    directions = data.get("directions")
    order = parse_order({key: value for key, value in data.items() if key != "directions"})
    return BatchOrder(order, parse_directions(directions) if directions is not None else None)


def screened_plan(
    session: Session, catalog: Catalog, formula_version_id: int, patient_id: int, compounded_on: dt.date,
    dispensed: Quantity | None = None, refills: int | None = None, order: Mapping[str, Any] | None = None,
) -> BatchPlan:
    """The version's plan, screened for the patient's stored profile (a part not recorded is
    reported by the screening as a check not made); ``dispensed`` and ``refills`` from the
    prescription size the supply for the short-term-use checks.

    ``order`` (``parse_batch_order``'s data) is the prescription the batch is made for: the plan
    is then computed with its structured directions in place of the master formula's (none given,
    none used: a drug above its typical range then needs them, DAILY_CHECK_NEEDED) and checked
    against it as the command line checks a formula file with its prescription (directions on the
    label, container, days' supply, daily maximum); its quantity and refills size the supply
    unless ``dispensed`` and ``refills`` are given. A value the order cannot hold raises
    ``InputError`` naming its field."""
    version = session.get(MasterFormulaVersion, formula_version_id)
    if version is None:
        raise RecordError(f"no master formula version {formula_version_id}")
    batch_order = parse_batch_order(order) if order is not None else None
    try:
        formula = parse_formula(version.data)
    except InputError as error:
        raise RecordError(f"{version.name}, version {version.version}, cannot be computed: {error.field}: {error.message}") from None
    checked = None
    if batch_order is not None:
        formula = dataclasses.replace(formula, directions=batch_order.directions)
        checked = batch_order.order
        rx = checked.prescription
        dispensed = dispensed if dispensed is not None else rx.quantity
        refills = refills if refills is not None else rx.refills
    try:
        return evaluate(formula, catalog, compounded_on, screening_profile(session, patient_id), dispensed, refills, order=checked)
    except InputError as error:
        if error.field.startswith(("prescription", "container", "directions")):
            raise
        raise RecordError(f"{version.name}, version {version.version}, cannot be computed: {error.field}: {error.message}") from None


#: The keys of a stored plan that hold the patient profile its screening used, and those facts as printed.
SCREENED_FOR = "screened_for"
SCREENED_FACTS = "screened_facts"
#: The key of a stored plan that holds the structured directions (formula-file form) its daily
#: amounts were checked with; None when the batch was made with none.
DIRECTIONS_USED = "directions"


def screened_for(plan: dict, catalog: Catalog) -> PatientProfile | None:
    """The patient profile a stored batch plan was screened for (None for a batch made before
    screening was recorded), as the worksheet prints it."""
    data = plan.get(SCREENED_FOR)
    return None if data is None else parse_patient(data, catalog, SCREENED_FOR)


def make_batch(
    session: Session, actor: Actor, catalog: Catalog, *, formula_version_id: int, patient: PatientInfo, rx_number: str,
    prescriber: str, compounded_on: dt.date, tolerance_percent: str | Decimal, now: dt.datetime,
    acknowledgements: Sequence[FindingDecision] = (), amends: str | None = None, amendment_reason: str | None = None,
    dispensed: Quantity | None = None, refills: int | None = None, freeze: Callable[[BatchPlan], dict] = plan_to_json,
    order: Mapping[str, Any] | None = None,
) -> BatchRecord:
    """A draft batch whose plan is screened for the patient's stored profile; refused unless
    every error is overridden and every warning acknowledged by a pharmacist (``acknowledgements``).
    ``freeze`` turns the plan into the JSON stored (the window freezes the worksheet and label
    with it: ``compounder.calc.batch_document.plan_with_documents``). ``order`` is the
    prescription the batch is made for (``screened_plan``); the structured directions its daily
    amounts were checked with are stored with the plan (``DIRECTIONS_USED``: None for none)."""
    plan = screened_plan(session, catalog, formula_version_id, patient.id, compounded_on, dispensed, refills, order)
    # The facts the screening used, frozen with the plan: a reprint shows them even after the
    # profile changes (``screened_for`` reads them back).
    profile = screening_profile(session, patient.id)
    frozen = {**freeze(plan), SCREENED_FOR: profile_data(profile), SCREENED_FACTS: dataclasses.asdict(patient_facts(profile, catalog, compounded_on))}
    used = plan.formula.directions
    frozen[DIRECTIONS_USED] = None if used is None else directions_to_data(used)
    return batches.create_batch(
        session, actor, formula_version_id=formula_version_id, patient=patient, rx_number=rx_number, prescriber=prescriber,
        plan=frozen, compounded_on=compounded_on, tolerance_percent=tolerance_percent, now=now,
        amends=amends, amendment_reason=amendment_reason, acknowledgements=acknowledgements,
    )


@dataclass(frozen=True)
class Signer:
    """A user who signed in (user name and password) to sign a decision on a finding."""

    actor: Actor
    full_name: str


def sign_in_to_decide(sessions: Callable[[], Session], username: str, password: str, now: dt.datetime) -> Signer:
    """Check the user name and password against the users table (``people.sign_in``: a wrong one,
    or an account switched off, is refused with one message, and counted); whether the role may
    decide is ``compounder.records.policy.may_decide_finding``'s question."""
    actor = people.sign_in(sessions, username, password, now)
    with sessions() as session:
        return Signer(actor, people.full_name(session, actor.id) or actor.username)
