"""Checks of a computed batch: strengths against their limits, duplicate NSAIDs, powder load,
weighability, daily amounts and lot expiry.

Limits come from the catalog (the reference database); a limit that is not on file is
reported as unknown rather than assumed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from compounder.calc.aliquot import MAX_ALIQUOT_MULTIPLE
from compounder.calc.catalog import Catalog
from compounder.calc.compute import application_grams
from compounder.calc.model import BatchPlan, Finding, Limit, Severity, Source, Substance
from compounder.calc.moiety import MoietyLines, moieties, total_fraction, total_mg_per_day
from compounder.calc.units import (
    MG,
    ONE,
    PERCENT,
    Q_,
    G,
    Quantity,
    format_quantity,
    magnitude_in,
    ureg,
)

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

# Relative slack for comparing a computed value with a limit, so that 11 % written against an
# 11 % maximum is not reported over it through floating-point noise.
_SLACK = 1e-9


def check(plan: BatchPlan, catalog: Catalog, compounded_on: dt.date, max_excess: Quantity | None = None) -> list[Finding]:
    """Every finding for the plan, errors first. ``max_excess`` is the pharmacy's ceiling on a
    formula's overage (its settings); ``None`` when it has set none."""
    findings = [
        *_total_strength(plan),
        *_per_active_limits(plan, catalog),
        *_basis_unstated(plan, catalog),
        *_same_moiety(plan, catalog),
        *_duplicate_nsaids(plan, catalog),
        *_powder_load(plan, catalog),
        *_potency(plan),
        *_excess(plan, max_excess),
        *_weighability(plan),
        *_daily_amounts(plan, catalog),
        *_lot_expiry(plan, compounded_on),
    ]
    return sorted(findings, key=lambda f: f.severity.rank)


def _pct(fraction: Quantity | float) -> str:
    if not isinstance(fraction, Quantity):
        fraction = Q_(fraction, ONE)
    return format_quantity(fraction.to(PERCENT), 3)


def _strength_as(written: str, verb: str, fraction: float, as_form: str) -> str:
    """"cyclobenzaprine hydrochloride 1 % is 0.884 % cyclobenzaprine," — or, when that would only
    repeat what was written ("lidocaine 1 % is 1 % lidocaine"), "lidocaine 1 % is"."""
    expressed = f"{_pct(fraction)} {as_form}"
    if written == f"{as_form} {_pct(fraction)}":
        return f"{written} is"
    return f"{written} {verb} {expressed},"


def _typical(low: Quantity, high: Quantity) -> str:
    """"the typical range 2 %–5 %", or "the typical strength 2 %" where only one is published."""
    if _pct(low) == _pct(high):
        return f"the typical strength {_pct(low)}"
    return f"the typical range {_pct(low)}–{_pct(high)}"


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
            f"after salt-form and potency corrections the weighed ingredients (with the base their aliquot portions carry) "
            f"come to {plan.prepared.magnitude - base.grams.magnitude:.3f} g of a {plan.prepared.magnitude:.3f} g batch; "
            f"nothing is left for {base.name}",
            line=len(plan.lines) - 1,
        )


def _per_active_limits(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
    """Maximum strength and typical range of each moiety, on its total across all its lines."""
    for group in moieties(plan.lines, catalog):
        substance, index = group.substance, group.first
        written = group.written()
        many = len(group.lines) > 1
        verb = "together are" if many else "is"
        maximum = substance.max_strength
        if maximum is not None:
            value = total_fraction(group, maximum.as_form, catalog)
            if value is None:
                yield _unconvertible(index, written, maximum.as_form, "maximum strength")
            elif value > magnitude_in(maximum.value, ONE) * (1 + _SLACK):
                yield Finding(
                    ERROR,
                    "STRENGTH_ABOVE_MAXIMUM",
                    f"{_strength_as(written, verb, value, maximum.as_form)} above the maximum of "
                    f"{_pct(maximum.value)}{_cite(maximum.source)}",
                    line=index,
                    source=maximum.source,
                )
                continue
        implausible = _implausible(group, written, verb, catalog)
        if implausible is not None:
            yield implausible
            continue
        typical = substance.typical_strength
        if typical is None:
            yield Finding(
                INFO,
                "STRENGTH_RANGE_UNKNOWN",
                f"no typical topical strength range for {substance.name} is on file; {written} is unchecked",
                line=index,
            )
            continue
        value = total_fraction(group, typical.as_form, catalog)
        if value is None:
            yield _unconvertible(index, written, typical.as_form, "typical strength range")
            continue
        low, high = magnitude_in(typical.low, ONE), magnitude_in(typical.high, ONE)
        if value < low * (1 - _SLACK) or value > high * (1 + _SLACK):
            side = "below" if value < low else "above"
            yield Finding(
                WARNING,
                "STRENGTH_OUTSIDE_TYPICAL_RANGE",
                f"{_strength_as(written, verb, value, typical.as_form)} {side} {_typical(typical.low, typical.high)}"
                f"{_cite(typical.source)}",
                line=index,
                source=typical.source,
            )


# A strength more than this many times the highest strength any label or published formula on
# file uses is an error, not a range warning. Why 2: a slipped decimal multiplies a strength by
# ten, and twice the strongest published product still catches the tenfold slip of any strength
# in a published range whose top is under five times its bottom (cyclobenzaprine HCl 2 % → 20 %
# against 2 %; lidocaine 5 % → 50 % against Pliaglis's 7 %; tetracaine 2 % → 20 % against 7 %),
# while a prescriber's deliberate step up to double the strongest product (ketoprofen 20 % against
# 10 %, lidocaine 10 % against 7 %) stays a warning to acknowledge. Every reference master formula
# is at or below its drugs' highest published strengths (tests/calc/test_plausibility.py).
IMPLAUSIBLE_MULTIPLE = 2.0


def highest_published(substance: Substance) -> Limit | None:
    """The highest strength a label or published formula on file uses: the sourced highest
    published strength where one is on file, else the top of the typical range (which is taken
    from labels and published formulas); ``None`` when neither is on file."""
    if substance.highest_published is not None:
        return substance.highest_published
    typical = substance.typical_strength
    if typical is None:
        return None
    return Limit(typical.high, typical.as_form, typical.source, "the top of the typical range")


def _implausible(group: MoietyLines, written: str, verb: str, catalog: Catalog) -> Finding | None:
    """An error, overridable for a prescription, when the drug's strength is more than
    ``IMPLAUSIBLE_MULTIPLE`` times its highest published strength."""
    highest = highest_published(group.substance)
    if highest is None:
        return None
    value = total_fraction(group, highest.as_form, catalog)
    top = magnitude_in(highest.value, ONE)
    if value is None or top <= 0 or value <= top * IMPLAUSIBLE_MULTIPLE * (1 + _SLACK):
        return None
    return Finding(
        ERROR,
        "STRENGTH_IMPLAUSIBLE",
        f"{_strength_as(written, verb, value, highest.as_form)} {value / top:.1f} times the highest strength any label or "
        f"published formula on file uses, {_pct(highest.value)} {highest.as_form}{_cite(highest.source)}; more than "
        f"{IMPLAUSIBLE_MULTIPLE:g} times it is taken for a slipped decimal: correct the strength, or a pharmacist overrides "
        "this in the records with the prescriber's confirmation as the reason",
        line=group.first,
        source=highest.source,
        patient=True,
    )


def unchecked_strengths(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
    """For a prescribed preparation: an active with no typical range, no highest published
    strength and no maximum strength on file has nothing its strength can be checked against, so
    it is an error a pharmacist overrides with the reason (tramadol 20 % would otherwise pass on
    an information finding). A master formula, not yet prescribed, keeps the information finding."""
    for group in moieties(plan.lines, catalog):
        substance = group.substance
        if substance.max_strength is not None or highest_published(substance) is not None:
            continue
        yield Finding(
            ERROR,
            "STRENGTH_UNCHECKED",
            f"{group.written()}: no typical range, published strength or maximum strength for {substance.name} is on file, "
            "so nothing checks this strength; a pharmacist overrides this in the records with the source the strength was "
            "checked against (a published formula, the prescriber's confirmation) as the reason",
            line=group.first,
            patient=True,
        )


def daily_checks_needed(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
    """For a prescription: a drug above its typical range with no maximum strength on file has
    its labeled daily maximum as the only limit left, so the prescription must give the
    directions (amount, times a day) it is checked with; it is not dispensed on a range warning
    alone (lidocaine 30 % has no sourced maximum strength, only 850 mg a day). A master formula,
    which has no directions until it is prescribed, is not held to this."""
    if plan.formula.directions is not None:
        return
    for group in moieties(plan.lines, catalog):
        substance, typical, daily = group.substance, group.substance.typical_strength, group.substance.daily_max
        if substance.max_strength is not None or typical is None or daily is None:
            continue
        value = total_fraction(group, typical.as_form, catalog)
        if value is None or value <= magnitude_in(typical.high, ONE) * (1 + _SLACK):
            continue
        yield Finding(
            ERROR,
            "DAILY_CHECK_NEEDED",
            f"{group.written()} {'together are' if len(group.lines) > 1 else 'is'} {_pct(value)} {typical.as_form}, above the "
            f"typical range, and no maximum strength for {substance.name} is on file: give the directions (amount and times "
            f"a day) so the daily amount can be checked against the labeled maximum of {format_quantity(daily.value)} "
            f"{daily.as_form} a day{_cite(daily.source)}",
            line=group.first,
            source=daily.source,
        )


def _basis_unstated(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
    """A strength written as the free moiety of a drug whose products are labelled as a salt
    ("diclofenac 3 %" where products and prescriptions mean diclofenac sodium) is asked about
    before anything is weighed: the pharmacist writes the salt, or states the free-moiety basis."""
    for index, line in enumerate(plan.lines):
        if line.role != "active" or line.substance is None or line.written_as is None or line.basis is not None:
            continue
        substance = catalog.substance(line.substance)
        if substance is None or substance.labelled_as is None:
            continue
        labelled = substance.labelled_as
        if line.written_as != substance.name or labelled.value == line.written_as:
            continue
        written = f"{line.written_as} {format_quantity(line.strength)}" if line.strength is not None else line.written_as
        where = line.field or "ingredient"
        yield Finding(
            ERROR,
            "STRENGTH_BASIS_UNSTATED",
            f"{where}: {written} is written as the free {substance.name}, but its products state their strength as "
            f"{labelled.value}{_cite(labelled.source)}; if the prescriber means {labelled.value}, write "
            f'"{labelled.value}" as the ingredient; if the free {substance.name} is meant, add "basis": "{substance.name}" '
            "to this line",
            line=index,
            source=labelled.source,
        )


def _same_moiety(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
    """Two lines of one drug: legitimate only by design (a salt and its base), so it is asked about."""
    for group in moieties(plan.lines, catalog):
        if len(group.lines) > 1:
            fields = ", ".join(line.field or "?" for line in group.lines)
            yield Finding(
                WARNING,
                "DUPLICATE_MOIETY",
                f"{group.substance.name} is written in {len(group.lines)} lines ({fields}: {group.written()}); "
                "its limits are checked on the total; confirm that one drug in several lines is intended",
                line=group.first,
            )


def _unconvertible(index: int, written: str, as_form: str, what: str) -> Finding:
    return Finding(
        INFO,
        "LIMIT_NOT_COMPARABLE",
        f"the {what} is written as {as_form} and a molecular weight needed to compare {written} with it is not on file",
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
        if load >= SOLIDS_OUTWEIGH_BASE * (1 - _SLACK):
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
    if load > limit * (1 + _SLACK):
        yield Finding(
            ERROR,
            "POWDER_LOAD_ABOVE_LIMIT",
            f"solids are {load * 100:.1f} % of the batch, above {base.name}'s maximum powder load of "
            f"{limit * 100:g} %{_cite(base.max_powder_load.source)}; choose a base made for this load or lower the strengths",
            source=base.max_powder_load.source,
        )


def _potency(plan: BatchPlan) -> Iterator[Finding]:
    """A certificate potency above 100 % makes the line weigh less than the amount written."""
    for index, line in enumerate(plan.lines):
        if line.potency is not None and magnitude_in(line.potency, ONE) > 1 + _SLACK:
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
    if magnitude_in(excess, ONE) > magnitude_in(max_excess, ONE) * (1 + _SLACK):
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
                f"quantity of {format_quantity(minimum.to(G), 4)}{_cite(balance.minimum_weighable.source)}; "
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
    for group in moieties(plan.lines, catalog):
        substance, index, written = group.substance, group.first, group.written()
        limit: Limit | None = substance.daily_max
        if limit is None:
            amounts = " + ".join(
                f"{magnitude_in(line.doses.per_day * ureg.day, MG):.1f} mg {line.written_as}"
                for line in group.lines if line.doses is not None and line.doses.per_day is not None
            )
            yield Finding(
                INFO,
                "DAILY_MAXIMUM_UNKNOWN",
                f"{written}: {amounts} a day; no labeled daily maximum for {substance.name} is on file, so this is unchecked",
                line=index,
            )
            continue
        amount = total_mg_per_day(group, limit.as_form, catalog)
        if amount is None:
            yield _unconvertible(index, written, limit.as_form, "daily maximum")
            continue
        maximum = magnitude_in(limit.value, MG)
        if amount > maximum * (1 + _SLACK):
            # An error: a labeled daily maximum is the limit of systemic exposure. It depends on the
            # prescription's directions, so a pharmacist may override it (signed, with a reason)
            # where the prescriber confirms the use, as with the patient screening's errors.
            yield Finding(
                ERROR,
                "DAILY_AMOUNT_ABOVE_MAXIMUM",
                f"{written}: {format_quantity(directions.amount)} × {directions.times_per_day:g} a day gives "
                f"{amount:.1f} mg {limit.as_form} a day, above the labeled daily maximum of "
                f"{maximum:g} mg{_cite(limit.source)}",
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

