"""The prescription against the formula: what the label will say, what the container holds, and
how long the supply lasts against the beyond-use date.

The dose checks use the formula's structured directions (amount, times a day); the label prints
the prescriber's words. When the words say something else, the dose was checked for a use the
patient will not make. Only what is read with certainty is compared: a frequency or amount that
cannot be read from the words is not guessed at.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from compounder.calc.compute import application_grams
from compounder.calc.model import BatchPlan, Finding, Severity
from compounder.calc.prescription import Order
from compounder.calc.units import (
    ML,
    Q_,
    VOLUME,
    G,
    Quantity,
    format_quantity,
    magnitude_in,
)

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "a": 1, "an": 1, "half": 0.5,
}
_NUMBER = r"(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|half|an?)"

# Frequencies as written on prescriptions, each with the times a day it means.
_FREQUENCIES: tuple[tuple[re.Pattern[str], float | None], ...] = (
    (re.compile(r"\b(?:q\.?i\.?d\.?|four times (?:a |per )?(?:day|daily))(?![a-z0-9])"), 4),
    (re.compile(r"\b(?:t\.?i\.?d\.?|three times (?:a |per )?(?:day|daily)|thrice (?:a )?(?:day|daily))(?![a-z0-9])"), 3),
    (re.compile(r"\b(?:b\.?i\.?d\.?|twice (?:a |per )?(?:day|daily)|two times (?:a |per )?(?:day|daily))(?![a-z0-9])"), 2),
    (re.compile(r"\b(?:once (?:a |per )?(?:day|daily)|q\.?d\.?|one time (?:a |per )?(?:day|daily)|every day)(?![a-z0-9])"), 1),
    (re.compile(r"\b(\d+) times (?:a |per )?(?:day|daily)\b"), None),
    (re.compile(r"\b(?:every|q) ?(\d+) ?(?:hours|hour|hrs|hr|h)\b"), None),
)
_AMOUNT = re.compile(_NUMBER + r"\s*(g|grams?|gm|ml|milliliters?|clicks?|pumps?)\b")
_UNITS = {"g": "g", "gram": "g", "grams": "g", "gm": "g", "ml": "mL", "milliliter": "mL", "milliliters": "mL", "click": "click", "clicks": "click"}
_CAPACITY = re.compile(r"(\d+(?:\.\d+)?)\s*(ml|g)\b", re.IGNORECASE)
_COUNT = re.compile(r"^\s*(\d+)\s*[x×]\s*", re.IGNORECASE)


def check_prescription(plan: BatchPlan, order: Order) -> list[Finding]:
    """Findings of the prescription (and container) against the plan; the plan's BUD is needed
    for the days' supply, so this runs after it is dated."""
    return [*_directions(plan, order), *_container(plan, order), *_batch_size(plan, order), *_supply(plan, order)]


# --------------------------------------------------------------------------- label words


_RANGE = re.compile(
    r"\b(\d+|one|two|three|four|five|six)\s*(?:to|-|–|or)\s*(\d+|one|two|three|four|five|six) times (?:a |per )?(?:day|daily)(?![a-z0-9])"
)


def times_per_day(words: str) -> tuple[float, str] | None:
    """Times a day the words say, with the words that say it; ``None`` when none or several
    different frequencies are found (nothing is guessed). A range ("three to four times daily")
    counts as its upper end: the most the label lets the patient use is what the dose check needs."""
    text = words.casefold()
    ranged = _RANGE.search(text)
    if ranged:
        high = max(_count(ranged.group(1)), _count(ranged.group(2)))
        text = text[: ranged.start()] + text[ranged.end():]
        if times_per_day(text) is not None:
            return None  # a range and another frequency: not read
        return high, ranged.group(0)
    found: dict[float, str] = {}
    for pattern, fixed in _FREQUENCIES:
        for match in pattern.finditer(text):
            if fixed is not None:
                value = fixed
            elif "time" in match.group(0):
                value = float(match.group(1))
            else:
                hours = float(match.group(1))
                if hours <= 0 or 24 % hours:
                    continue
                value = 24 / hours
            found.setdefault(value, match.group(0))
    if len(found) != 1:
        return None
    [(value, phrase)] = found.items()
    return value, phrase


def _count(word: str) -> float:
    return float(word) if word[0].isdigit() else float(_NUMBER_WORDS[word])


def amount_per_application(words: str) -> tuple[Quantity, str] | None:
    """The amount one application is, read from the words ("apply 2 clicks", "1 gram"); ``None``
    when none, several different ones, or a pump (whose volume is not on file) are written."""
    found: dict[tuple[float, str], str] = {}
    for match in _AMOUNT.finditer(words.casefold()):
        number, unit = match.group(1), match.group(2)
        if unit.startswith("pump"):
            return None
        value = float(number) if number[0].isdigit() else float(_NUMBER_WORDS[number])
        found.setdefault((value, _UNITS[unit]), match.group(0))
    if len(found) != 1:
        return None
    [((value, unit), phrase)] = found.items()
    return Q_(value, unit), phrase


def _directions(plan: BatchPlan, order: Order) -> Iterator[Finding]:
    words = order.prescription.directions
    structured = plan.formula.directions
    if words is None or structured is None:
        return
    frequency = times_per_day(words)
    if frequency is not None and not math.isclose(frequency[0], structured.times_per_day):
        yield Finding(
            Severity.WARNING,
            "DIRECTIONS_MISMATCH",
            f"prescription.directions: label says {frequency[1]}; dose check uses {structured.times_per_day:g} a day "
            "(directions.times_per_day); make them agree",
        )
    amount = amount_per_application(words)
    if amount is not None and not _same_amount(amount[0], structured.amount, plan.density):
        yield Finding(
            Severity.WARNING,
            "DIRECTIONS_MISMATCH",
            f"prescription.directions: label says {amount[1]} an application; dose check uses "
            f"{format_quantity(structured.amount)} (directions.amount); make them agree",
        )


def _same_amount(said: Quantity, used: Quantity, density: Quantity | None) -> bool:
    if said.dimensionality == used.dimensionality:
        return math.isclose(said.to(used.units).magnitude, used.magnitude, rel_tol=1e-6)
    said_g, used_g = application_grams(said, density), application_grams(used, density)
    if said_g is None or used_g is None:
        return True  # not comparable without a density: not reported as a mismatch
    return math.isclose(magnitude_in(said_g, G), magnitude_in(used_g, G), rel_tol=1e-6)


# --------------------------------------------------------------------------- container


def container_capacity(name: str) -> Quantity | None:
    """What the container holds, read from its name ("Topi-CLICK 35 mL", "2 x 60 g jar")."""
    matches = _CAPACITY.findall(name)
    if len(matches) != 1:
        return None
    value, unit = matches[0]
    count = _COUNT.match(name)
    return Q_(float(value) * (int(count.group(1)) if count else 1), "mL" if unit.casefold() == "ml" else "g")


def _packed(plan: BatchPlan, order: Order) -> tuple[Quantity, str]:
    if order.prescription.quantity is not None:
        return order.prescription.quantity, "prescription.quantity"
    return plan.formula.quantity, "batch"


def _container(plan: BatchPlan, order: Order) -> Iterator[Finding]:
    if order.container is None:
        return
    capacity = container_capacity(order.container.name)
    if capacity is None:
        return
    quantity, field = _packed(plan, order)
    density = plan.density
    if quantity.dimensionality == capacity.dimensionality:
        over, text = quantity > capacity, format_quantity(quantity)
    elif density is None:
        yield Finding(
            Severity.INFO,
            "CONTAINER_CAPACITY_UNCHECKED",
            f"{field}: {format_quantity(quantity)} is not compared with the {order.container.name}: "
            "the product's density is unknown; give the density",
        )
        return
    else:
        as_capacity = (quantity / density).to(ML) if capacity.dimensionality == VOLUME else (quantity * density).to(G)
        over = as_capacity > capacity
        unit = "mL" if capacity.dimensionality == VOLUME else "g"
        text = f"{format_quantity(quantity)} ({as_capacity.magnitude:.1f} {unit} at {format_quantity(density, 4)})"
    if over:
        yield Finding(
            Severity.ERROR,
            "CONTAINER_TOO_SMALL",
            f"{field}: {text} will not go into the {order.container.name}, which holds {format_quantity(capacity)}; "
            "choose a larger container or split the quantity",
        )


# --------------------------------------------------------------------------- batch size

# A batch more than this many times the prescription's quantity is an error a pharmacist
# overrides with the reason. Why 3: the records make a new batch at each refill, so a batch holds
# one fill; a slipped digit makes it ten times that (1200 g for 120 g), and 3 is just under the
# geometric middle between one and ten times (3.16), so the tenfold slip is far past the line while
# a master formula's standard batch for a smaller fill (the shipped example: 120 g made, 40 g
# dispensed, 3 times) passes. The excess is made on top of the batch (the labelled quantity), so it
# is not part of this comparison.
BATCH_MULTIPLE = 3.0


def _batch_size(plan: BatchPlan, order: Order) -> Iterator[Finding]:
    quantity = order.prescription.quantity
    if quantity is None:
        return
    grams = application_grams(quantity, plan.density)
    if grams is None:
        yield Finding(
            Severity.INFO,
            "BATCH_SIZE_UNCHECKED",
            f"prescription.quantity: {format_quantity(quantity)} is not compared with the batch of "
            f"{format_quantity(plan.formula.quantity)}: the product's density is unknown; give the density",
        )
        return
    batch, fill = magnitude_in(plan.labelled, G), magnitude_in(grams, G)
    if fill > 0 and batch > fill * BATCH_MULTIPLE * (1 + 1e-9):
        excess = plan.formula.excess
        extra = f" (plus the {format_quantity(excess.to('percent'), 4)} excess)" if excess is not None and excess.magnitude else ""
        yield Finding(
            Severity.ERROR,
            "BATCH_FAR_ABOVE_PRESCRIPTION",
            f"batch: {batch:g} g{extra} is {batch / fill:.1f} times the prescription's quantity of {format_quantity(quantity)}; "
            f"a batch more than {BATCH_MULTIPLE:g} times the quantity prescribed is taken for a slipped digit: correct the "
            "batch or the prescription.quantity, or a pharmacist overrides this in the records with the reason",
            patient=True,
        )


# --------------------------------------------------------------------------- days' supply


def _supply(plan: BatchPlan, order: Order) -> Iterator[Finding]:
    directions, bud = plan.formula.directions, plan.bud
    if bud is None:
        return
    quantity, field = _packed(plan, order)
    unchecked = f"{field}: {format_quantity(quantity)} is not compared with the beyond-use date of {bud.days} days: "
    if directions is None:
        yield Finding(
            Severity.INFO,
            "SUPPLY_UNCHECKED",
            unchecked + "no directions (amount and times a day) to work out the days of supply; give the directions",
        )
        return
    per_application = application_grams(directions.amount, plan.density)
    grams = application_grams(quantity, plan.density)
    if per_application is None or grams is None:
        dispensed = "the quantity" if field == "prescription.quantity" else "the batch"
        missing = (("the amount per application", per_application), (dispensed, grams))
        in_grams = " and ".join(name for name, known in missing if known is None)
        yield Finding(
            Severity.INFO,
            "SUPPLY_UNCHECKED",
            unchecked + f"the product's density is unknown; give the density or {in_grams} in grams",
        )
        return
    per_day = magnitude_in(per_application, G) * directions.times_per_day
    days = magnitude_in(grams, G) / per_day
    if days > bud.days + 1e-9:
        yield Finding(
            Severity.WARNING,
            "SUPPLY_BEYOND_BUD",
            f"{field}: {magnitude_in(grams, G):g} g at {format_quantity(directions.amount)} × {directions.times_per_day:g} a day "
            f"({per_day:g} g a day) lasts {days:.1f} days, longer than the beyond-use date of {bud.days} days: "
            f"dispense at most {per_day * bud.days:g} g, or expect the rest to be discarded",
        )

