"""Checks of a computed batch: strengths against their limits, duplicate NSAIDs, powder load,
weighability, daily amounts and lot expiry.

Limits come from the catalog (the reference database); a limit that is not on file is
reported as unknown rather than assumed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from compounder.calc.aliquot import aliquot
from compounder.calc.catalog import Catalog
from compounder.calc.compute import application_grams
from compounder.calc.model import BatchPlan, Finding, Form, Limit, PlanLine, Severity, Source
from compounder.calc.units import (
    magnitude_in,
    G,
    MG,
    ONE,
    PERCENT,
    Quantity,
    format_quantity,
    ureg,
)

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

# Relative slack for comparing a computed value with a limit, so that 11 % written against an
# 11 % maximum is not reported over it through floating-point noise.
_SLACK = 1e-9

# Beyond this many times the amount needed, one aliquot step is no longer practical at the bench.
MAX_ALIQUOT_MULTIPLE = 100


def check(plan: BatchPlan, catalog: Catalog, compounded_on: dt.date) -> list[Finding]:
    """Every finding for the plan, errors first."""
    findings = [
        *_total_strength(plan),
        *_per_active_limits(plan, catalog),
        *_duplicate_nsaids(plan, catalog),
        *_powder_load(plan, catalog),
        *_weighability(plan),
        *_daily_amounts(plan, catalog),
        *_lot_expiry(plan, compounded_on),
    ]
    return sorted(findings, key=lambda f: f.severity.rank)


def _pct(fraction: Quantity) -> str:
    return format_quantity(fraction.to(PERCENT), 3)


def _cite(source: Source | None) -> str:
    return f" ({source.cite()})" if source else " (no source on file)"


def _total_strength(plan: BatchPlan) -> Iterator[Finding]:
    weighed = [line for line in plan.lines if line.role != "base"]
    written = sum((magnitude_in(line.strength_fraction, ONE) for line in weighed if line.strength_fraction is not None), 0.0)
    if written >= 1 - _SLACK:
        yield Finding(
            ERROR,
            "STRENGTHS_EXCEED_BATCH",
            f"the strengths add up to {written * 100:.2f} % of the batch; they must leave room for the base (under 100 %)",
        )
        return
    base = plan.base_line
    if base.grams.magnitude <= 0:
        yield Finding(
            ERROR,
            "NO_ROOM_FOR_BASE",
            f"after salt-form and potency corrections the weighed ingredients come to "
            f"{plan.prepared.magnitude - base.grams.magnitude:.3f} g of a {plan.prepared.magnitude:.3f} g batch; "
            f"nothing is left for {base.name}",
            line=len(plan.lines) - 1,
        )


def _ratio(written: Form, target_name: str, catalog: Catalog) -> float | None:
    """Grams of the form a limit is written as per gram of the written form (molecular weights)."""
    target = catalog.form(target_name, "limit")
    if target.name == written.name:
        return 1.0
    if target.molecular_weight is None or written.molecular_weight is None:
        return None
    return float((target.molecular_weight.value / written.molecular_weight.value).to(ONE).magnitude)


def _as_form(fraction: Quantity, written: Form, target_name: str, catalog: Catalog) -> Quantity | None:
    """A strength of the written form re-expressed as the form a limit is written in."""
    ratio = _ratio(written, target_name, catalog)
    return None if ratio is None else fraction * ratio


def _per_active_limits(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
    for index, line in enumerate(plan.lines):
        if line.role != "active" or line.strength_fraction is None:
            continue
        substance = catalog.substance(line.substance)
        written = catalog.form(line.written_as, "ingredient")
        if substance is None:
            continue
        shown = format_quantity(line.strength)
        maximum = substance.max_strength
        if maximum is not None:
            value = _as_form(line.strength_fraction, written, maximum.as_form, catalog)
            if value is None:
                yield _unconvertible(index, line, maximum.as_form, "maximum strength")
            elif value.magnitude > magnitude_in(maximum.value, ONE) * (1 + _SLACK):
                yield Finding(
                    ERROR,
                    "STRENGTH_ABOVE_MAXIMUM",
                    f"{line.written_as} {shown} is {_pct(value)} {maximum.as_form}, above the maximum of "
                    f"{_pct(maximum.value)}{_cite(maximum.source)}",
                    line=index,
                    source=maximum.source,
                )
                continue
        typical = substance.typical_strength
        if typical is None:
            yield Finding(
                INFO,
                "STRENGTH_RANGE_UNKNOWN",
                f"no typical topical strength range for {substance.name} is on file; {line.written_as} {shown} is unchecked",
                line=index,
            )
            continue
        value = _as_form(line.strength_fraction, written, typical.as_form, catalog)
        if value is None:
            yield _unconvertible(index, line, typical.as_form, "typical strength range")
            continue
        low, high = magnitude_in(typical.low, ONE), magnitude_in(typical.high, ONE)
        if value.magnitude < low * (1 - _SLACK) or value.magnitude > high * (1 + _SLACK):
            side = "below" if value.magnitude < low else "above"
            yield Finding(
                WARNING,
                "STRENGTH_OUTSIDE_TYPICAL_RANGE",
                f"{line.written_as} {shown} is {_pct(value)} {typical.as_form}, {side} the typical range "
                f"{_pct(typical.low)}–{_pct(typical.high)}{_cite(typical.source)}",
                line=index,
                source=typical.source,
            )


def _unconvertible(index: int, line: PlanLine, as_form: str, what: str) -> Finding:
    return Finding(
        INFO,
        "LIMIT_NOT_COMPARABLE",
        f"the {what} is written as {as_form} and a molecular weight needed to compare {line.written_as} with it is not on file",
        line=index,
    )


def _duplicate_nsaids(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
    nsaids: dict[str, int] = {}
    for index, line in enumerate(plan.lines):
        substance = catalog.substance(line.substance) if line.substance else None
        if substance is not None and line.role == "active" and substance.therapeutic_class == "NSAID":
            nsaids.setdefault(substance.name, index)
    if len(nsaids) >= 2:
        names = " and ".join(nsaids)
        yield Finding(
            WARNING,
            "DUPLICATE_NSAID",
            f"{names} are both NSAIDs: duplicate therapy in one preparation; confirm with the prescriber "
            "(topical NSAID labeling advises against combining NSAIDs)",
            line=next(iter(nsaids.values())),
        )


def _powder_load(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
    solids = [line for line in plan.lines if line.role != "base" and catalog.form(line.name, "stock").is_solid]
    if not solids:
        return
    load = sum(line.grams.magnitude for line in solids) / plan.prepared.magnitude
    base = catalog.base(plan.formula.base)
    if base.max_powder_load is None:
        yield Finding(
            INFO,
            "POWDER_LOAD_LIMIT_UNKNOWN",
            f"solids are {load * 100:.1f} % of the batch; {base.name} has no maximum powder load on file, so this is unchecked",
        )
        return
    limit = magnitude_in(base.max_powder_load.value, ONE)
    if load > limit * (1 + _SLACK):
        yield Finding(
            WARNING,
            "POWDER_LOAD_ABOVE_LIMIT",
            f"solids are {load * 100:.1f} % of the batch, above {base.name}'s maximum powder load of "
            f"{limit * 100:g} %{_cite(base.max_powder_load.source)}",
            source=base.max_powder_load.source,
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
                f"quantity of {format_quantity(minimum.to(G), 4)}{_cite(balance.minimum_weighable.source)}; "
            )
            if line.grams * MAX_ALIQUOT_MULTIPLE < minimum:
                advice = (
                    f"it is too small for one aliquot step (more than {MAX_ALIQUOT_MULTIPLE}-fold); "
                    "prepare a stock trituration or serial dilution, or use a more sensitive balance"
                )
            else:
                advice = f"use an aliquot: {aliquot(line.grams, minimum).describe(line.name)}"
            yield Finding(
                WARNING,
                "BELOW_MINIMUM_WEIGHABLE",
                below + advice,
                line=index,
                source=balance.minimum_weighable.source,
            )


def _daily_amounts(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
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
    for index, line in enumerate(plan.lines):
        if line.role != "active" or line.doses is None or line.doses.per_day is None:
            continue
        substance = catalog.substance(line.substance)
        if substance is None:
            continue
        limit: Limit | None = substance.daily_max
        per_day = line.doses.per_day * ureg.day
        if limit is None:
            yield Finding(
                INFO,
                "DAILY_MAXIMUM_UNKNOWN",
                f"{line.written_as}: {magnitude_in(per_day, MG):.1f} mg a day; no labeled daily maximum for "
                f"{substance.name} is on file, so this is unchecked",
                line=index,
            )
            continue
        written = catalog.form(line.written_as, "ingredient")
        ratio = _ratio(written, limit.as_form, catalog)
        if ratio is None:
            yield _unconvertible(index, line, limit.as_form, "daily maximum")
            continue
        amount = (per_day * ratio).to(MG)
        maximum = limit.value.to(MG)
        if amount.magnitude > maximum.magnitude * (1 + _SLACK):
            yield Finding(
                WARNING,
                "DAILY_AMOUNT_ABOVE_MAXIMUM",
                f"{line.written_as}: {format_quantity(directions.amount)} × {directions.times_per_day:g} a day gives "
                f"{amount.magnitude:.1f} mg {limit.as_form} a day, above the labeled daily maximum of "
                f"{maximum.magnitude:g} mg{_cite(limit.source)}",
                line=index,
                source=limit.source,
            )


def _lot_expiry(plan: BatchPlan, compounded_on: dt.date) -> Iterator[Finding]:
    for index, line in enumerate(plan.lines):
        if line.expires is not None and line.expires < compounded_on:
            lot = f" lot {line.lot}" if line.lot else ""
            yield Finding(
                ERROR,
                "LOT_EXPIRED",
                f"{line.name}{lot} expired on {line.expires.isoformat()}, before the compounding date {compounded_on.isoformat()}",
                line=index,
            )

