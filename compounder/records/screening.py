"""A batch screened for its patient: the master formula version evaluated with the patient's
stored profile, so the findings a pharmacist acknowledges or overrides, and the plan frozen in
the batch record, are the ones for this patient.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from compounder.calc.balance_grams import plan_grams
from compounder.calc.catalog import Catalog
from compounder.calc.errors import InputError
from compounder.calc.evaluate import evaluate
from compounder.calc.formula_file import directions_to_data, parse_directions, parse_formula
from compounder.calc.lots_used import LotFacts, with_lots
from compounder.calc.model import BatchPlan, Directions
from compounder.calc.patient import PatientProfile, parse_patient, profile_data
from compounder.calc.plan_data import plan_to_json
from compounder.calc.prescription import Order, parse_order
from compounder.calc.record import patient_facts
from compounder.calc.units import Quantity
from compounder.records import batches, people
from compounder.records.batches import BatchRecord, FindingDecision
from compounder.records.fills import refill_order
from compounder.records.lots import get_lot
from compounder.records.model import MasterFormulaVersion
from compounder.records.patients import screening_profile
from compounder.records.people import PatientInfo
from compounder.records.policy import Actor, RecordError
from compounder.records.signing import Credentials

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


#: The master formula's own document keys a batch's worksheet prints (its steps, quality checks and container).
FORMULA_DOCUMENT_KEYS = ("steps", "checks", "container")


def with_formula_documents(formula: Mapping[str, Any], order: Mapping[str, Any]) -> dict[str, Any]:
    """``order`` with the master formula's steps, checks and container where the order gives none:
    a batch's worksheet prints the steps its master formulation record holds, whichever road made
    it (the window's Make a batch, the workbench, ``compounder batches make``)."""
    return {**{key: formula[key] for key in FORMULA_DOCUMENT_KEYS if formula.get(key) is not None}, **order}


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
    lots: Mapping[int, int] | None = None,
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
    ``InputError`` naming its field.

    ``lots`` (line position → ingredient lot id) are the lots chosen: each one's assay, number
    and expiry replace the master formula's (``compounder.calc.lots_used``), so the targets and
    the beyond-use date are those of what is actually weighed."""
    version = session.get(MasterFormulaVersion, formula_version_id)
    if version is None:
        raise RecordError(f"no master formula version {formula_version_id}")
    batch_order = parse_batch_order(order) if order is not None else None
    try:
        formula = parse_formula(version.data)
    except InputError as error:
        raise RecordError(f"{version.name}, version {version.version}, cannot be computed: {error.field}: {error.message}") from None
    if lots:
        formula = with_lots(formula, lot_facts(session, lots))
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


def stored_patient_section(session: Session, name: str, date_of_birth: dt.date | None) -> dict[str, Any] | None:
    """The stored screening profile of the patient a prescription names (name, and date of birth
    when given), as a formula file's ``patient`` section: the profile ``screened_plan`` screens a
    batch for, so the workbench's findings are the records' (issue 28, observation 3). None when
    the records hold no such patient, or more than one with no date of birth to tell them apart."""
    from compounder.records.patients import find_patient

    if not name.strip():
        return None
    try:
        found = find_patient(session, name, date_of_birth)
    except RecordError:
        return None
    return profile_data(found.screening())


def lot_facts(session: Session, lots: Mapping[int, int]) -> dict[int, LotFacts]:
    """Line position → what the lot record says of the lot chosen for it."""
    facts = {}
    for position, lot_id in lots.items():
        lot = get_lot(session, lot_id)
        facts[position] = LotFacts(lot.lot_number, lot.potency_percent, lot.expires)
    return facts


#: The keys of a stored plan that hold the patient profile its screening used, and those facts as printed.
SCREENED_FOR = "screened_for"
SCREENED_FACTS = "screened_facts"
#: The key of a stored plan that holds the order (``parse_batch_order``'s data) it was made for,
#: so a lot chosen later works the plan out again for the same prescription.
ORDER_USED = "order"
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
    prescriber: str, compounded_on: dt.date, tolerance_percent: str | Decimal | None, now: dt.datetime,
    acknowledgements: Sequence[FindingDecision] = (), amends: str | None = None, amendment_reason: str | None = None,
    dispensed: Quantity | None = None, refills: int | None = None, freeze: Callable[[BatchPlan], dict] = plan_to_json,
    order: Mapping[str, Any] | None = None, lots: Mapping[int, int] | None = None,
) -> BatchRecord:
    """A draft batch whose plan is screened for the patient's stored profile; refused unless
    every error is overridden and every warning acknowledged by a pharmacist (``acknowledgements``).
    ``freeze`` turns the plan into the JSON stored (the window freezes the worksheet and label
    with it: ``compounder.calc.batch_document.plan_with_documents``). ``order`` is the
    prescription the batch is made for (``screened_plan``); the structured directions its daily
    amounts were checked with are stored with the plan (``DIRECTIONS_USED``: None for none).
    ``lots`` (line position → lot id) are the lots chosen: the plan is worked out from them
    (``screened_plan``) and the lines are made with them."""
    if order is not None and amends is None:  # a refill's label prints the refills the records hold left
        order = refill_order(session, patient.id, rx_number, order)
    plan = screened_plan(session, catalog, formula_version_id, patient.id, compounded_on, dispensed, refills, order, lots)
    frozen = _frozen(session, catalog, plan, patient.id, compounded_on, freeze, order)
    record = batches.create_batch(
        session, actor, formula_version_id=formula_version_id, patient=patient, rx_number=rx_number, prescriber=prescriber,
        plan=frozen, compounded_on=compounded_on, tolerance_percent=tolerance_percent, now=now,
        amends=amends, amendment_reason=amendment_reason, acknowledgements=acknowledgements,
    )
    for position, lot_id in sorted((lots or {}).items()):
        record = batches.assign_lot(session, actor, record.batch_number, position, lot_id, now)
    return record


def _frozen(
    session: Session, catalog: Catalog, plan: BatchPlan, patient_id: int, compounded_on: dt.date,
    freeze: Callable[[BatchPlan], dict], order: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The plan as a batch stores it: with the facts the screening used (a reprint shows them even
    after the profile changes; ``screened_for`` reads them back), the directions and the order."""
    profile = screening_profile(session, patient_id)
    frozen = {**freeze(plan), SCREENED_FOR: profile_data(profile), SCREENED_FACTS: dataclasses.asdict(patient_facts(profile, catalog, compounded_on))}
    used = plan.formula.directions
    frozen[DIRECTIONS_USED] = None if used is None else directions_to_data(used)
    frozen[ORDER_USED] = None if order is None else dict(order)
    return frozen


def choose_lot(
    session: Session, actor: Actor, catalog: Catalog, batch_number: str, position: int, lot_id: int, now: dt.datetime, *,
    final_weight_tolerance: Quantity | None = None, expected_version: int | None = None,
) -> BatchRecord:
    """Use this lot for line ``position`` of a draft (as shown at ``expected_version``: a line
    changed since by another workstation is refused, ``EditConflict``). A lot whose assay differs from the one the
    line's target was worked out with works the plan out again from every chosen lot (targets,
    base q.s., beyond-use date, findings), for the batch's prescription and patient, before any
    weight is entered; a decision on a finding whose numbers changed is voided (the batch is not
    prepared until a pharmacist decides again).
    ``final_weight_tolerance`` is the pharmacy's, for the worksheet frozen with the plan."""
    from compounder.calc.batch_document import DOCUMENTS_KEY, plan_with_documents

    batches.refuse_if_line_changed(session, batch_number, position, expected_version)
    record = batches.batch_record(session, batch_number)
    lot = get_lot(session, lot_id)
    line = next((line for line in record.lines if line.position == position), None)
    if line is None:
        raise RecordError(f"batch {batch_number} has no line {position}")
    if not _moves_plan(record, position, lot):
        return batches.assign_lot(session, actor, batch_number, position, lot_id, now)
    chosen = {other.position: other.lot_id for other in record.lines if other.lot_id is not None}
    chosen[position] = lot_id
    order = record.plan.get(ORDER_USED)
    plan = screened_plan(session, catalog, record.formula_version_id, record.patient.id, record.compounded_on, order=order, lots=chosen)
    if DOCUMENTS_KEY in record.plan:
        if order is None:
            raise RecordError(f"batch {batch_number} was made without its order on record; reject it and make it again with lot {lot.lot_number}")
        freeze: Callable[[BatchPlan], dict] = lambda p: plan_with_documents(  # noqa: E731 - one use
            p, parse_batch_order(order).order, catalog, record.compounded_on, final_weight_tolerance
        )
    else:
        freeze = plan_to_json
    frozen = _frozen(session, catalog, plan, record.patient.id, record.compounded_on, freeze, order)
    fixed = sorted({f["code"] for f in frozen.get("findings", []) if f.get("severity") == "error" and not f.get("patient")})
    if fixed:
        raise RecordError(f"with lot {lot.lot_number} the plan has error findings ({', '.join(fixed)}); choose another lot")
    batches.replace_plan(session, actor, batch_number, frozen, now)
    # A decision whose numbers changed with the lot is void, visibly: the batch is not prepared
    # until a pharmacist decides again (``batches.decide_again``).
    batches.void_changed_decisions(session, actor, record.id, frozen, now)
    for other, other_lot in sorted(chosen.items()):
        record = batches.assign_lot(session, actor, batch_number, other, other_lot, now)
    return record


@dataclass(frozen=True)
class ShownTarget:
    """A line's target as the plan with the lots chosen on screen works it out: the grams the
    records will hold once those lots are saved, and the digits the worksheet prints."""

    grams: Decimal
    display: str


def _moves_plan(record: BatchRecord, position: int, lot) -> bool:
    """Whether ``lot`` on line ``position`` works the plan out again: an assay other than the one
    the line's target was worked out with (a base has none), or an expiry before the beyond-use date."""
    line = next(line for line in record.lines if line.position == position)
    planned = record.plan["lines"][position - 1].get("potency") or batches.potency_text(Decimal(100))
    other_assay = lot.potency_percent is not None and line.role != "base" and planned != batches.potency_text(lot.potency_percent)
    return other_assay or lot.expires < record.beyond_use


def targets_with_lots(session: Session, catalog: Catalog, record: BatchRecord, chosen: Mapping[int, int]) -> dict[int, ShownTarget]:
    """Each line's target with the lots ``chosen`` (line position → lot id) in place of those the
    draft holds, worked out as ``choose_lot`` will work them out when they are saved; read only.
    The weighing screen shows them as soon as a lot is picked, so a weight is typed against the
    target it is checked against (issue 28: the lot actually used sets the weight)."""
    lots = {line.position: line.lot_id for line in record.lines if line.lot_id is not None}
    lots.update(chosen)
    planned = record.plan["lines"]
    if any(_moves_plan(record, position, get_lot(session, lot_id)) for position, lot_id in lots.items()):
        plan = screened_plan(session, catalog, record.formula_version_id, record.patient.id, record.compounded_on, order=record.plan.get(ORDER_USED), lots=lots)
        planned = plan_to_json(plan)["lines"]
    return {
        position: ShownTarget(plan_grams(line["grams_rounded"]), line.get("grams_display", f"{plan_grams(line['grams_rounded']):f}"))
        for position, line in enumerate(planned, start=1)
    }


def update_draft(
    session: Session, actor: Actor, catalog: Catalog, batch_number: str, *, formula_version_id: int, order: Mapping[str, Any],
    now: dt.datetime, lots: Mapping[int, int] | None = None, freeze: Callable[[BatchPlan], dict] = plan_to_json,
) -> BatchRecord:
    """The draft's plan worked out again for the order now on the workbench (prescription,
    container, dose-check directions) and the lots typed there (the draft's own lots for the
    other lines): "Make batch in records…" makes or updates the draft, it never leaves one that
    says something else than the screen (issue 28, "one road"). Refused, with what to do, when
    the formula on screen is another master formula version than the draft's, when the
    prescriber or the refills differ from the draft's, and once weights are entered
    (``batches.replace_plan``): the draft is then rejected and made again. A decision on a
    finding whose numbers changed is voided, as for a lot chosen (``choose_lot``)."""
    record = batches.batch_record(session, batch_number)
    if record.status.value != "draft":
        raise RecordError(f"batch {batch_number} is {record.status.value}; its plan no longer changes")
    again = "from the workbench (Make batch in records…)"
    if record.formula_version_id != formula_version_id:
        wanted = session.get(MasterFormulaVersion, formula_version_id)
        shown = f"“{wanted.name}” version {wanted.version}" if wanted is not None else f"master formula version {formula_version_id}"
        raise RecordError(
            f"batch {batch_number} was made on “{record.formula_name}” version {record.formula_version}; the workbench's formula is {shown}: "
            f"reject draft {batch_number} and make the batch again {again}"
        )
    stored = dict(record.plan.get(ORDER_USED) or {})
    prescription, was = dict(order.get("prescription") or {}), dict(stored.get("prescription") or {})
    typed_prescriber = str(prescription.get("prescriber") or "").strip()
    if typed_prescriber and typed_prescriber != record.prescriber:
        raise RecordError(f"prescriber: the draft {batch_number} names {record.prescriber!r}, the workbench {typed_prescriber!r}; reject the draft and make it again {again}")
    if prescription.get("refills") is not None and was.get("refills") is not None and prescription["refills"] != was["refills"]:
        raise InputError("prescription.refills", f"{prescription['refills']} typed, draft {batch_number} holds {was['refills']} refills (as it was made); reject the draft and make it again {again}")
    if was.get("refills") is not None:
        prescription["refills"] = was["refills"]
    updated = {**dict(order), "prescription": prescription}
    chosen = {line.position: line.lot_id for line in record.lines if line.lot_id is not None}
    chosen.update(lots or {})
    plan = screened_plan(session, catalog, formula_version_id, record.patient.id, record.compounded_on, order=updated, lots=chosen)
    frozen = _frozen(session, catalog, plan, record.patient.id, record.compounded_on, freeze, updated)
    fixed = sorted({f["code"] for f in frozen.get("findings", []) if f.get("severity") == "error" and not f.get("patient")})
    if fixed:
        raise RecordError(f"for the order on the workbench the plan has error findings ({', '.join(fixed)}); draft {batch_number} is left as it was")
    batches.replace_plan(session, actor, batch_number, frozen, now, again=again)
    batches.void_changed_decisions(session, actor, record.id, frozen, now)
    for position, lot_id in sorted(chosen.items()):
        record = batches.assign_lot(session, actor, batch_number, position, lot_id, now)
    return batches.batch_record(session, batch_number)


@dataclass(frozen=True)
class Signer:
    """A user who signed in (user name and password) to sign a decision on a finding; their
    ``credentials`` go with the decision, checked again in the write that stores it."""

    actor: Actor
    full_name: str
    credentials: Credentials | None = field(default=None, repr=False)


def sign_in_to_decide(sessions: Callable[[], Session], username: str, password: str, now: dt.datetime) -> Signer:
    """Check the user name and password against the users table (``people.sign_in``: a wrong one,
    or an account switched off, is refused with one message, and counted); whether the role may
    decide is ``compounder.records.policy.may_decide_finding``'s question."""
    actor = people.sign_in(sessions, username, password, now)
    with sessions() as session:
        return Signer(actor, people.full_name(session, actor.id) or actor.username, Credentials(username, password))
