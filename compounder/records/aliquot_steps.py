"""Recording an aliquot line's weighings, one at a time and in order: the ingredient for the
aliquot, the diluent, then the portion of the mixture. Each is checked against its own target as
it stands when it is weighed; recording one writes the adapted targets of the later ones into
their rows in the same transaction (``calc.aliquot_weighing.adapted_targets``: the diluent in
proportion to the ingredient weighed, the portion holding the drug needed at the mixture made),
audited. A weighing is recorded again only while the later ones are not; a weighing that would
leave a later target under the balance's minimum weighable quantity is refused. Once all three are recorded the line's actual is the drug they delivered,
portion × ingredient / (ingredient + diluent), checked against the line's target
(``compounder.calc.aliquot_weighing``). Works on a session the caller commits.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from compounder.calc.aliquot_weighing import (
    STEPS,
    AliquotStepError,
    BelowMinimum,
    adapted_targets,
    assess,
    check,
    least_diluent,
    step_targets,
)
from compounder.calc.balance_grams import plan_grams, to_grams, to_ug, whole_micrograms
from compounder.calc.units import ureg
from compounder.records import aliquot_rows, audit, batches
from compounder.records.edit_versions import refuse_if_changed
from compounder.records.minimum_weight import refuse_under_minimum
from compounder.records.model import AliquotWeighing, BatchLine
from compounder.records.people import current_actor
from compounder.records.policy import Actor, RecordError, parse_weight
from compounder.records.quality_balance import refuse_unless_checked
from compounder.records.weighing_policy import SignedReason, typed_weight_reason


def _g(grams: Decimal):
    return ureg.Quantity(grams, ureg.gram)


def enter_step(
    session: Session, actor: Actor, batch_number: str, position: int, step: str, weight: str | Decimal, now: dt.datetime, *,
    source: str = "typed", balance_id: str | None = None, minimum_weighable: Decimal | None = None,
    signed: SignedReason | None = None, expected_version: int | None = None,
) -> batches.BatchRecord:
    """One weighing of an aliquot line (``step``: "ingredient", "diluent" or "portion"), typed or
    read from balance ``balance_id``. Refused before the steps ahead of it are recorded. A typed
    weighing where the pharmacy requires the balance needs ``signed``, as ``batches.enter_weight``.
    ``expected_version``: the weighing's version as shown; one entered since on another
    workstation is refused (``EditConflict``), never overwritten."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    batch = batches.editable_row(session, batch_number)
    line = batches.line_row(session, batch, position)
    if step not in STEPS:
        raise RecordError(f"{step!r} is not an aliquot weighing; give one of {', '.join(STEPS)}")
    rows = aliquot_rows.rows_of(session, [line.id]).get(line.id, [])
    if not rows:
        raise RecordError(f"line {position} ({line.name}) is not weighed by aliquot in this batch's record; enter its weight")
    actual = parse_weight(weight)
    refuse_unless_checked(session, balance_id, now, f"line {position} ({line.name}), aliquot {step}: a weighing")
    if not whole_micrograms(actual):
        raise RecordError(f"{weight!r}: a weight is entered to at most 6 decimals (micrograms)")
    why = typed_weight_reason(session, signed, source, f"line {position} ({line.name}), aliquot {step}: a weighing")
    by_step = {row.step: row for row in rows}
    refuse_if_changed(session, by_step[step], expected_version, f"the aliquot's {step} weighing of line {position} ({line.name}) of batch {batch_number}")
    refuse_under_minimum(batch.plan, position, line.name, to_grams(by_step[step].target_ug), actual, f"the aliquot's {step}", current=minimum_weighable)
    ahead = [name for name in STEPS[: STEPS.index(step)] if by_step[name].actual_ug is None]
    if ahead:
        raise RecordError(f"line {position} ({line.name}): record the aliquot's {' and '.join(ahead)} weighing first")
    later = [name for name in STEPS[STEPS.index(step) + 1:] if by_step[name].actual_ug is not None]
    if later:
        raise RecordError(
            f"line {position} ({line.name}): the aliquot's {' and '.join(later)} is already recorded, so its {step} is not "
            "recorded again (the mixture is made); reject the batch with the reason to make it again"
        )
    row = by_step[step]
    recorded = {name: _g(to_grams(other.actual_ug)) for name, other in by_step.items() if other.actual_ug is not None and name != step}
    targets = _targets(batch.plan, line, {**recorded, step: _g(actual)}, step)
    found = check(_g(targets[step]), _g(actual), batch.tolerance_percent)
    again = row.actual_ug is not None
    old = audit.snapshot(session, "aliquot_weighing", row.id)
    row.target_ug = to_ug(targets[step])
    row.actual_ug = to_ug(actual)
    row.deviation_percent, row.out_of_tolerance = found.percent, found.outside
    row.source, row.balance_id = source, balance_id if source == "balance" else None
    row.user_id, row.at = actor.id, now
    row.weight_reason, row.weight_reason_by = (why.reason, why.signer.id) if why is not None else (None, None)
    audit.record(session, actor, "weigh aliquot again" if again else "weigh aliquot", "aliquot_weighing", row.id, old, now)
    for name in STEPS[STEPS.index(step) + 1:]:
        following = by_step[name]
        if following.target_ug != to_ug(targets[name]):
            before = audit.snapshot(session, "aliquot_weighing", following.id)
            following.target_ug = to_ug(targets[name])
            audit.record(session, actor, "adapt aliquot target", "aliquot_weighing", following.id, before, now)
    _settle_line(session, actor, line, by_step, batch.tolerance_percent, now)
    return batches.batch_record(session, batch_number)


def _targets(plan: dict, line: BatchLine, actuals: dict, step: str) -> dict[str, Decimal]:
    """The targets with ``actuals`` recorded; a later target under the minimum weighable is
    refused, saying what to do: more base on the mixture, or the line started again."""
    balance = plan["balance"]
    scheme = (plan["lines"][line.position - 1] or {}).get("aliquot")
    if not scheme:
        raise RecordError(f"line {line.position} ({line.name}): the batch's plan has no aliquot for it")
    planned = {name: _g(grams) for name, grams in step_targets(scheme, balance["readability_grams"]).items()}
    if balance.get("minimum_weighable_grams") is None:
        raise RecordError(
            f"line {line.position} ({line.name}): the batch's plan does not say the balance's minimum weighable quantity, "
            "which the aliquot's targets are checked against; make the batch again from the formula"
        )
    minimum = _g(plan_grams(balance["minimum_weighable_grams"]))
    needed = _g(to_grams(line.target_ug))
    try:
        return adapted_targets(planned, actuals, needed, balance["readability_grams"], minimum)
    except BelowMinimum as error:
        said = f"line {line.position} ({line.name}): with the {step} at {actuals[step].magnitude} g, {error}"
        if error.step == "portion":
            least = least_diluent(actuals["ingredient"], needed, balance["readability_grams"], minimum)
            said += f" — or add base to at least {least} g of diluent and record the diluent again"
        else:
            said += " — bring the ingredient up (or weigh it afresh) and record the ingredient again"
        raise RecordError(said + "; this weighing is not recorded") from None
    except AliquotStepError as error:
        raise RecordError(f"line {line.position} ({line.name}): {error}") from None


def _settle_line(
    session: Session, actor: Actor, line: BatchLine, by_step: dict[str, AliquotWeighing], tolerance: Decimal, now: dt.datetime,
) -> None:
    """With all three weighings recorded, the line's actual is the drug they delivered, with its
    deviation from the line's target; outside when it or any weighing is. Before that, none."""
    old = audit.snapshot(session, "batch_line", line.id)
    if any(row.actual_ug is None for row in by_step.values()):
        if line.actual_ug is None:
            return
        line.actual_ug, line.deviation_percent, line.out_of_tolerance = None, None, False
    else:
        try:
            outcome = assess(
                {name: _g(to_grams(row.target_ug)) for name, row in by_step.items()},
                {name: _g(to_grams(row.actual_ug)) for name, row in by_step.items() if row.actual_ug is not None},
                _g(to_grams(line.target_ug)), tolerance,
            )
        except AliquotStepError as error:
            raise RecordError(f"line {line.position} ({line.name}): {error}") from None
        line.actual_ug = to_ug(outcome.drug.actual)
        line.deviation_percent, line.out_of_tolerance = outcome.drug.percent, outcome.outside
        portion = by_step["portion"]
        line.weight_source, line.balance_id = portion.source, portion.balance_id
    audit.record(session, actor, "weigh", "batch_line", line.id, old, now)


def set_up_missing(session: Session, actor: Actor, batch_number: str, now: dt.datetime) -> int:
    """A draft batch made before the aliquot's weighings were recorded (a database upgraded with
    work in progress): each aliquot line not weighed yet gets its three weighings, so the station
    checks each against its own target rather than the portion against the drug's grams. A line
    already weighed keeps its one weight (its reprint says the weighings were not recorded).
    Returns how many lines were set up; nothing is written when there are none."""
    batch = batches.batch_row(session, batch_number)
    if batch.status != "draft":
        return 0
    lines = batches.line_rows(session, batch)
    have = aliquot_rows.rows_of(session, [line.id for line in lines])
    todo = [
        line for line in lines
        if line.id not in have and line.actual_ug is None and (batch.plan["lines"][line.position - 1] or {}).get("aliquot")
    ]
    if not todo:
        return 0
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    for line in todo:
        aliquot_rows.create_rows(session, actor, line, batch.plan["lines"][line.position - 1], batch.plan, now)
    return len(todo)
