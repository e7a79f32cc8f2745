"""A weighing planned at or over the balance's minimum weighable quantity is refused under it.

Below that quantity the balance does not weigh to the accuracy the plan counted on (USP <41>,
<1251>), and a weight inside the ± tolerance band of a target at the minimum can still be under
it. A line planned under the minimum (its warning acknowledged when the formula was approved) is
weighed as planned. Every path that records a weight (the station, the batch dialog, an aliquot's
weighings) asks here first.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from compounder.calc.balance_grams import plain, plan_grams
from compounder.records.policy import RecordError


def minimum_weighable(plan: dict[str, Any] | None) -> Decimal | None:
    """The minimum weighable quantity of the plan's balance in grams, as the plan recorded it
    (None: the plan records none)."""
    minimum = ((plan or {}).get("balance") or {}).get("minimum_weighable_grams")
    return None if minimum is None else plain(plan_grams(minimum))


def least_accepted(plan: dict[str, Any] | None, target: Decimal, current: Decimal | None = None) -> Decimal | None:
    """The least weight recorded for a weighing with this ``target``: the minimum weighable (the
    one the settings certify ``current``-ly, else the plan's), for a target at or over it (None:
    the tolerance band alone decides). The station shows it."""
    least = plain(current) if current is not None else minimum_weighable(plan)
    return least if least is not None and target >= least else None


def refuse_under_minimum(
    plan: dict[str, Any] | None, position: int, name: str, target: Decimal, grams: Decimal, what: str = "it", current: Decimal | None = None,
) -> None:
    """``RecordError`` when ``grams`` is under the minimum weighable and ``target`` is not.

    ``current`` is the balance's minimum as the pharmacy's settings certify it now (None: the
    plan's). A new certification applies at the next weighing: a line planned at or over the
    plan's minimum whose target is now under the certified one is refused, since it should be
    weighed by aliquot, which only a new plan gives."""
    planned = minimum_weighable(plan)
    if current is not None and target < plain(current) and (planned is None or target >= planned):
        raise RecordError(
            f"line {position} ({name}): the balance is now certified from {plain(current)} g and the target {target} g is under it; "
            f"this batch was planned at a minimum of {planned if planned is not None else 'none'} g, so the line is not weighed by aliquot: "
            "reject the batch and make it again; this weighing is not recorded"
        )
    least = least_accepted(plan, target, current)
    if least is None or grams >= least:
        return
    raise RecordError(
        f"line {position} ({name}): {grams} g is under the balance's minimum weighable quantity, {least} g, "
        f"below which it does not weigh accurately enough; weigh {what} again, at least {least} g (target {target} g); "
        "this weighing is not recorded"
    )
