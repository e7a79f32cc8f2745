"""Checks of each drug's strength in a computed batch: the strengths leave room for the base; each
drug (its salts and bases together) against its maximum, its highest published strength (a
slipped decimal) and its typical range; a strength whose basis is not stated; one drug in several
lines; two NSAIDs; and, for a prescription, the strengths nothing on file checks.

Limits come from the catalog (the reference database); a limit that is not on file is reported as
unknown rather than assumed. ``rules.check`` runs these with the batch's other checks.
"""

from __future__ import annotations

from collections.abc import Iterator

from compounder.calc.catalog import Catalog
from compounder.calc.model import BatchPlan, Finding, Limit, Substance
from compounder.calc.moiety import MoietyLines, moieties, total_fraction
from compounder.calc.rule_basics import ERROR, INFO, SLACK, WARNING, cite, pct, unconvertible
from compounder.calc.units import ONE, Quantity, format_quantity, magnitude_in


def _strength_as(written: str, verb: str, fraction: float, as_form: str) -> str:
    """"cyclobenzaprine hydrochloride 1 % is 0.884 % cyclobenzaprine," — or, when that would only
    repeat what was written ("lidocaine 1 % is 1 % lidocaine"), "lidocaine 1 % is"."""
    expressed = f"{pct(fraction)} {as_form}"
    if written == f"{as_form} {pct(fraction)}":
        return f"{written} is"
    return f"{written} {verb} {expressed},"


def _typical(low: Quantity, high: Quantity) -> str:
    """"the typical range 2 %–5 %", or "the typical strength 2 %" where only one is published."""
    if pct(low) == pct(high):
        return f"the typical strength {pct(low)}"
    return f"the typical range {pct(low)}–{pct(high)}"


def total_strength(plan: BatchPlan) -> Iterator[Finding]:
    weighed = [line for line in plan.lines if line.role != "base"]
    written = sum((magnitude_in(line.strength_fraction, ONE) for line in weighed if line.strength_fraction is not None), 0.0)
    if written >= 1 - SLACK:
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


def per_active_limits(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
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
                yield unconvertible(index, written, maximum.as_form, "maximum strength")
            elif value > magnitude_in(maximum.value, ONE) * (1 + SLACK):
                yield Finding(
                    ERROR,
                    "STRENGTH_ABOVE_MAXIMUM",
                    f"{_strength_as(written, verb, value, maximum.as_form)} above the maximum of "
                    f"{pct(maximum.value)}{cite(maximum.source)}",
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
            yield unconvertible(index, written, typical.as_form, "typical strength range")
            continue
        low, high = magnitude_in(typical.low, ONE), magnitude_in(typical.high, ONE)
        if value < low * (1 - SLACK) or value > high * (1 + SLACK):
            side = "below" if value < low else "above"
            yield Finding(
                WARNING,
                "STRENGTH_OUTSIDE_TYPICAL_RANGE",
                f"{_strength_as(written, verb, value, typical.as_form)} {side} {_typical(typical.low, typical.high)}"
                f"{cite(typical.source)}",
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
    if value is None or top <= 0 or value <= top * IMPLAUSIBLE_MULTIPLE * (1 + SLACK):
        return None
    return Finding(
        ERROR,
        "STRENGTH_IMPLAUSIBLE",
        f"{_strength_as(written, verb, value, highest.as_form)} {value / top:.1f} times the highest strength any label or "
        f"published formula on file uses, {pct(highest.value)} {highest.as_form}{cite(highest.source)}; more than "
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
        if value is None or value <= magnitude_in(typical.high, ONE) * (1 + SLACK):
            continue
        yield Finding(
            ERROR,
            "DAILY_CHECK_NEEDED",
            f"{group.written()} {'together are' if len(group.lines) > 1 else 'is'} {pct(value)} {typical.as_form}, above the "
            f"typical range, and no maximum strength for {substance.name} is on file: give the directions (amount and times "
            f"a day) so the daily amount can be checked against the labeled maximum of {format_quantity(daily.value)} "
            f"{daily.as_form} a day{cite(daily.source)}",
            line=group.first,
            source=daily.source,
        )


def basis_unstated(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
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
            f"{labelled.value}{cite(labelled.source)}; if the prescriber means {labelled.value}, write "
            f'"{labelled.value}" as the ingredient; if the free {substance.name} is meant, add "basis": "{substance.name}" '
            "to this line",
            line=index,
            source=labelled.source,
        )


def same_moiety(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
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


def duplicate_nsaids(plan: BatchPlan, catalog: Catalog) -> Iterator[Finding]:
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
