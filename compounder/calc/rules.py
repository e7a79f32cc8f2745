"""Checks of a computed batch: ``check`` runs them all, errors first. Each drug's strength is
checked in ``strength_rules`` (limits, ranges, basis, duplicates); here are the checks of the
batch as a whole: powder load, potency, excess, weighability, daily amounts and lot expiry.

Limits come from the catalog (the reference database); a limit that is not on file is
reported as unknown rather than assumed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from compounder.calc.aliquot import MAX_ALIQUOT_MULTIPLE
from compounder.calc.catalog import Catalog
from compounder.calc.compute import application_grams
from compounder.calc.daily import daily_doses
from compounder.calc.model import BatchPlan, Finding, Limit
from compounder.calc.moiety import moieties
from compounder.calc.rule_basics import ERROR, INFO, SLACK, WARNING, cite, unconvertible
from compounder.calc.strength_rules import basis_unstated, duplicate_nsaids, per_active_limits, same_moiety, total_strength
from compounder.calc.units import MG, ONE, PERCENT, G, Quantity, format_quantity, magnitude_in


def check(plan: BatchPlan, catalog: Catalog, compounded_on: dt.date, max_excess: Quantity | None = None) -> list[Finding]:
    """Every finding for the plan, errors first. ``max_excess`` is the pharmacy's ceiling on a
    formula's overage (its settings); ``None`` when it has set none."""
    findings = [
        *total_strength(plan),
        *per_active_limits(plan, catalog),
        *basis_unstated(plan, catalog),
        *same_moiety(plan, catalog),
        *duplicate_nsaids(plan, catalog),
        *_powder_load(plan, catalog),
        *_potency(plan),
        *_excess(plan, max_excess),
        *_weighability(plan),
        *_daily_amounts(plan, catalog),
        *_lot_expiry(plan, compounded_on),
    ]
    return sorted(findings, key=lambda f: f.severity.rank)


# Solids at or above this fraction outweigh the base they are meant to be carried in. This is
# arithmetic, not a sourced ceiling: where a base has no maker's maximum on file, no general
# figure is claimed, but a batch that is more powder than base is never passed as information.
SOLIDS_OUTWEIGH_BASE = 0.5


def _powder_load(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
    """Solids against the base's maker maximum (an error above it); without one, the load is
    reported as unchecked, and as a warning once solids outweigh the base."""
    solids = [line for line in plan.lines if line.role != "base" and catalog.form(line.name, "stock").is_solid]
    if not solids:
        return
    load = sum(line.grams.magnitude for line in solids) / plan.prepared.magnitude
    base = catalog.base(plan.formula.base)
    if base.max_powder_load is None:
        unknown = (
            f"solids are {load * 100:.1f} % of the batch; {base.name} has no maker's maximum powder load on file "
            "and no general ceiling is sourced"
        )
        if load >= SOLIDS_OUTWEIGH_BASE * (1 - SLACK):
            yield Finding(
                WARNING,
                "POWDER_LOAD_UNCHECKED_HIGH",
                f"{unknown}; the solids outweigh the base ({(1 - load) * 100:.1f} % is left for everything else): "
                "confirm with the base's maker that it can carry this load",
            )
        else:
            yield Finding(INFO, "POWDER_LOAD_LIMIT_UNKNOWN", f"{unknown}, so this is unchecked")
        return
    limit = magnitude_in(base.max_powder_load.value, ONE)
    if load > limit * (1 + SLACK):
        yield Finding(
            ERROR,
            "POWDER_LOAD_ABOVE_LIMIT",
            f"solids are {load * 100:.1f} % of the batch, above {base.name}'s maximum powder load of "
            f"{limit * 100:g} %{cite(base.max_powder_load.source)}; choose a base made for this load or lower the strengths",
            source=base.max_powder_load.source,
        )


def _potency(plan: BatchPlan) -> Iterator[Finding]:
    """A certificate potency above 100 % makes the line weigh less than the amount written."""
    for index, line in enumerate(plan.lines):
        if line.potency is not None and magnitude_in(line.potency, ONE) > 1 + SLACK:
            field = f"{line.field}.potency" if line.field else "potency"
            yield Finding(
                WARNING,
                "POTENCY_ABOVE_100",
                f"{field}: {format_quantity(line.potency.to(PERCENT), 4)} for {line.name} is above 100 %, so less than the "
                "amount written is weighed; check the certificate of analysis (assay on the dried or anhydrous basis?) "
                "and enter the as-is potency",
                line=index,
            )


def _excess(plan: BatchPlan, max_excess: Quantity | None) -> Iterator[Finding]:
    """An overage above the pharmacy's own ceiling (its SOP; a pharmacy setting)."""
    excess = plan.formula.excess
    if excess is None or max_excess is None:
        return
    if magnitude_in(excess, ONE) > magnitude_in(max_excess, ONE) * (1 + SLACK):
        yield Finding(
            WARNING,
            "EXCESS_ABOVE_SETTING",
            f"excess: {format_quantity(excess.to(PERCENT), 4)} is above the pharmacy's maximum excess of "
            f"{format_quantity(max_excess.to(PERCENT), 4)} (pharmacy settings); check the overage the formula calls for",
        )


def _weighability(plan: BatchPlan) -> Iterator[Finding]:
    balance = plan.balance
    minimum = balance.minimum_weighable.value
    for index, line in enumerate(plan.lines):
        if line.role == "base" or line.grams.magnitude <= 0:
            continue
        if line.grams < minimum:
            below = (
                f"{line.name} {magnitude_in(line.grams, G):.4f} g is below the {balance.name}'s minimum weighable "
                f"quantity of {format_quantity(minimum.to(G), 4)}{cite(balance.minimum_weighable.source)}; "
            )
            if line.aliquot is None:
                advice = (
                    f"it is too small for one aliquot step (more than {MAX_ALIQUOT_MULTIPLE}-fold); "
                    "prepare a stock trituration or serial dilution, or use a more sensitive balance"
                )
            else:
                advice = f"use the aliquot on the worksheet: {line.aliquot.describe(line.name, plan.base_line.name)}"
            # With an aliquot on the worksheet every weighing is at or above the minimum and has its
            # own Required and Actual cells: a note, not a warning to acknowledge on every batch.
            yield Finding(
                WARNING if line.aliquot is None else INFO,
                "BELOW_MINIMUM_WEIGHABLE",
                below + advice,
                line=index,
                source=balance.minimum_weighable.source,
            )


def _daily_amounts(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
    """The labeled daily maximum of each moiety, on the total of its lines."""
    directions = plan.formula.directions
    if directions is None:
        return
    if application_grams(directions.amount, plan.density) is None:
        yield Finding(
            INFO,
            "DAILY_AMOUNT_UNKNOWN",
            f"an application of {format_quantity(directions.amount)} cannot be turned into grams: the product's density is "
            "unknown; give the density or the amount in grams",
        )
        return
    doses = {dose.line: dose for dose in daily_doses(plan, catalog)}  # worked out once per plan, shared with the window's panel
    for group in moieties(plan.lines, catalog):
        substance, index, written = group.substance, group.first, group.written()
        limit: Limit | None = substance.daily_max
        if limit is None:
            amounts = " + ".join(
                f"{magnitude_in(dose.per_day, MG):.1f} mg {dose.written_as}"
                for dose in (doses.get(i) for i in group.indexes) if dose is not None and dose.per_day is not None
            )
            yield Finding(
                INFO,
                "DAILY_MAXIMUM_UNKNOWN",
                f"{written}: {amounts} a day; no labeled daily maximum for {substance.name} is on file, so this is unchecked",
                line=index,
            )
            continue
        first = doses.get(index)
        if first is None or first.compared is None:  # a line of the drug cannot be converted to the maximum's form
            yield unconvertible(index, written, limit.as_form, "daily maximum")
            continue
        amount = magnitude_in(first.compared, MG)  # the total of the drug's lines
        maximum = magnitude_in(limit.value, MG)
        if amount > maximum * (1 + SLACK):
            # An error: a labeled daily maximum is the limit of systemic exposure. It depends on the
            # prescription's directions, so a pharmacist may override it (signed, with a reason)
            # where the prescriber confirms the use, as with the patient screening's errors.
            yield Finding(
                ERROR,
                "DAILY_AMOUNT_ABOVE_MAXIMUM",
                f"{written}: {format_quantity(directions.amount)} × {directions.times_per_day:g} a day gives "
                f"{amount:.1f} mg {limit.as_form} a day, above the labeled daily maximum of "
                f"{maximum:g} mg{cite(limit.source)}",
                line=index,
                source=limit.source,
                patient=True,
            )


def _lot_expiry(plan: BatchPlan, compounded_on: dt.date) -> Iterator[Finding]:
    for index, line in enumerate(plan.lines):
        if line.expires is not None and line.expires <= compounded_on:
            lot = f" lot {line.lot}" if line.lot else ""
            if line.expires == compounded_on:
                when = f"expires on {line.expires.isoformat()}, the compounding date"
            else:
                when = f"expired on {line.expires.isoformat()}, before the compounding date {compounded_on.isoformat()}"
            yield Finding(
                ERROR,
                "LOT_EXPIRED",
                f"{line.name}{lot} {when}; use a lot still in date after the compounding day",
                line=index,
            )

