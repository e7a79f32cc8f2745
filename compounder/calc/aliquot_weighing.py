"""The aliquot's three weighings as recorded, and the drug they put into the batch.

An aliquot line is made in three weighings (``compounder.calc.aliquot``): the ingredient (k × the
amount needed), the diluent added to it, then the portion of the mixture taken into the batch.
The later targets follow what was actually weighed, as an aliquot is made by hand: an ingredient
weighed a little over or under is diluted in proportion (diluent target = ingredient actual ×
planned diluent / planned ingredient, so the mixture has the planned concentration), and the
portion taken is the one holding the drug needed at the mixture actually made (portion target =
needed × (ingredient + diluent actual) / ingredient actual). Each weighing is checked ± tolerance
against its target as it stood when it was weighed; the grams of the drug the portion holds are
worked out from what was actually weighed, portion × ingredient / (ingredient + diluent), and
checked against the amount needed. Because the targets adapt, a correctly compensated batch has
every weighing within its band, so the line is outside when any weighing or the drug delivered
is (a portion that is right on a mixture that is not is caught). A later target under the
balance's minimum weighable quantity is refused (``BelowMinimum``): the line starts again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from compounder.calc.balance_grams import grams_of, plan_grams, to_balance
from compounder.calc.units import Quantity, ureg

STEPS = ("ingredient", "diluent", "portion")
MICROGRAM = Decimal("0.000001")


class AliquotStepError(ValueError):
    """An aliquot weighing that cannot be worked with (not a mass, negative, no mixture)."""


class BelowMinimum(AliquotStepError):
    """A later weighing's adapted target under the balance's minimum weighable quantity: the
    aliquot cannot be finished from what was weighed, the line starts again."""

    def __init__(self, step: str, target: Decimal, minimum: Decimal) -> None:
        self.step, self.target, self.minimum = step, target, minimum
        super().__init__(
            f"the {step} would have to be {target} g, under the balance's minimum weighable {minimum} g: "
            "the aliquot cannot be finished from what was weighed; start the line again"
        )


def step_title(step: str, name: str, base: str = "base") -> str:
    """What is weighed in a step, as the station and the worksheet say it."""
    return {
        "ingredient": f"{name} for the aliquot",
        "diluent": f"{base} to dilute the aliquot",
        "portion": f"portion of the {name} aliquot mixture",
    }[step]


def step_targets(aliquot: Mapping[str, Any], readability_grams: float | Decimal) -> dict[str, Decimal]:
    """Each step's target in grams as the worksheet prints it: the frozen plan's aliquot
    (``plan_data``: "weigh", "diluent", "portion") rounded half up to the balance's readability."""
    step = _readability(readability_grams)
    keys = {"ingredient": "weigh", "diluent": "diluent", "portion": "portion"}
    return {name: to_balance(plan_grams(aliquot[key]), step) for name, key in keys.items()}


def _readability(readability_grams: float | Decimal) -> Decimal:
    step = plan_grams(readability_grams).normalize()
    if not step.is_finite() or step <= 0:
        raise AliquotStepError(f"the balance readability {readability_grams!r} is not a positive number of grams")
    return step


def adapted_targets(
    planned: Mapping[str, Quantity], actuals: Mapping[str, Quantity], needed: Quantity,
    readability_grams: float | Decimal, minimum: Quantity,
) -> dict[str, Decimal]:
    """Each step's target in grams given what is recorded so far: the ingredient's is the plan's;
    once the ingredient is recorded the diluent's is ingredient actual × planned diluent / planned
    ingredient; once both are, the portion's is needed × (ingredient + diluent) / ingredient.
    ``planned`` are the targets as printed (``step_targets``), so an ingredient weighed on target
    leaves the printed diluent unchanged. Rounded half up to the balance. A diluent or portion
    target under ``minimum`` (the balance's minimum weighable quantity) is refused: ``BelowMinimum``."""
    step = _readability(readability_grams)
    plan = {name: _grams(f"planned {name}", planned[name]) for name in STEPS}
    least = _grams("minimum weighable", minimum)
    drug = _grams("grams needed", needed)
    if plan["ingredient"] <= 0:
        raise AliquotStepError("the planned ingredient weighing is 0 g: there is no aliquot to adapt")
    targets = dict(plan)
    with localcontext() as context:
        context.prec = 60
        if "ingredient" in actuals:
            weighed = _grams("ingredient", actuals["ingredient"])
            if weighed == 0:
                raise AliquotStepError("the ingredient weighed 0 g: there is no aliquot to dilute; start the line again")
            targets["diluent"] = to_balance(weighed * plan["diluent"] / plan["ingredient"], step)
            if targets["diluent"] < least:
                raise BelowMinimum("diluent", targets["diluent"], least)
            if "diluent" in actuals:
                mixture = weighed + _grams("diluent", actuals["diluent"])
                targets["portion"] = to_balance(drug * mixture / weighed, step)
                if targets["portion"] < least:
                    raise BelowMinimum("portion", targets["portion"], least)
    return targets


def least_diluent(ingredient: Quantity, needed: Quantity, readability_grams: float | Decimal, minimum: Quantity) -> Decimal:
    """The least diluent (to the balance) on ``ingredient`` for which the portion's target stays
    at or over the minimum weighable: needed × (ingredient + diluent) / ingredient ≥ minimum,
    so diluent ≥ ingredient × (minimum / needed − 1); 0 when any diluent will do."""
    step = _readability(readability_grams)
    weighed, drug, least = _grams("ingredient", ingredient), _grams("grams needed", needed), _grams("minimum weighable", minimum)
    if weighed == 0 or drug == 0:
        raise AliquotStepError("no ingredient or no drug needed: no portion to take")
    with localcontext() as context:
        context.prec = 60
        diluent = max(Decimal(0), (weighed * (least / drug - 1) / step).to_integral_value(rounding=ROUND_CEILING) * step)
        # the portion's target is rounded half up: step down while it still rounds to the minimum or over
        while diluent >= step and to_balance(drug * (weighed + diluent - step) / weighed, step) >= least:
            diluent -= step
    return diluent.quantize(step)


def least_ingredient(planned: Mapping[str, Quantity], readability_grams: float | Decimal, minimum: Quantity) -> Decimal:
    """The least ingredient (to the balance) for which the diluent's target stays at or over the
    minimum weighable: ingredient × planned diluent / planned ingredient ≥ minimum. A plan whose
    diluent is the minimum itself refuses any ingredient weighed under its target."""
    step = _readability(readability_grams)
    plan = {name: _grams(f"planned {name}", planned[name]) for name in ("ingredient", "diluent")}
    least = _grams("minimum weighable", minimum)
    if plan["ingredient"] == 0 or plan["diluent"] == 0:
        raise AliquotStepError("the planned ingredient or diluent is 0 g: there is no aliquot")
    with localcontext() as context:
        context.prec = 60
        weighed = (least * plan["ingredient"] / plan["diluent"] / step).to_integral_value(rounding=ROUND_CEILING) * step
        while weighed >= step and to_balance((weighed - step) * plan["diluent"] / plan["ingredient"], step) >= least:
            weighed -= step
    return weighed.quantize(step)


def _grams(what: str, quantity: Quantity) -> Decimal:
    if not isinstance(quantity, ureg.Quantity) or not quantity.check("[mass]"):
        raise AliquotStepError(f"{what}: {quantity!r} is not a mass")
    grams = grams_of(quantity)
    if not grams.is_finite() or grams < 0:
        raise AliquotStepError(f"{what}: {grams} g is not a weight (negative or not finite)")
    return grams


def delivered(ingredient: Quantity, diluent: Quantity, portion: Quantity) -> Quantity:
    """Grams of the drug in the portion taken: portion × ingredient / (ingredient + diluent),
    to the microgram (half up), as a Decimal quantity in grams."""
    weigh, dilute, take = _grams("ingredient", ingredient), _grams("diluent", diluent), _grams("portion", portion)
    mixture = weigh + dilute
    if mixture == 0:
        raise AliquotStepError("the aliquot mixture weighs nothing (ingredient and diluent both 0 g)")
    with localcontext() as context:
        context.prec = 60
        drug = (take * weigh / mixture).quantize(MICROGRAM, rounding=ROUND_HALF_UP)
    return ureg.Quantity(drug, ureg.gram)


@dataclass(frozen=True)
class Check:
    """A weight against its target: the deviation in % (2 decimals) and whether it is outside
    ± tolerance (on the exact difference, not the rounded percent)."""

    target: Decimal  # grams
    actual: Decimal  # grams
    percent: Decimal | None
    outside: bool


def check(target: Quantity, actual: Quantity, tolerance_percent: Decimal) -> Check:
    """``actual`` against ``target`` at ± ``tolerance_percent``."""
    aimed, got = _grams("target", target), _grams("actual", actual)
    if not tolerance_percent.is_finite() or not 0 < tolerance_percent < 100:
        raise AliquotStepError(f"tolerance {tolerance_percent} % is not between 0 and 100 %")
    difference = got - aimed
    if aimed == 0:
        return Check(aimed, got, None, got != 0)
    with localcontext() as context:
        context.prec = 60
        exact = difference / aimed * 100
    return Check(aimed, got, exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), abs(exact) > tolerance_percent)


@dataclass(frozen=True)
class AliquotOutcome:
    """The three weighings checked, and the drug they delivered checked against the amount needed."""

    steps: dict[str, Check]
    drug: Check  # delivered grams against the grams needed

    @property
    def outside(self) -> bool:
        """Outside when any weighing or the drug delivered is: with targets that follow what was
        weighed, a correctly compensated aliquot has every weighing within its band."""
        return self.drug.outside or any(step.outside for step in self.steps.values())


def assess(
    targets: Mapping[str, Quantity], actuals: Mapping[str, Quantity], needed: Quantity, tolerance_percent: Decimal,
) -> AliquotOutcome:
    """All three weighings recorded: each against its own target (as it stood when it was weighed:
    ``adapted_targets``), and the drug delivered against
    ``needed`` (the line's target: the drug's own grams as printed), each at ± tolerance."""
    missing = [step for step in STEPS if step not in actuals or step not in targets]
    if missing:
        raise AliquotStepError(f"the aliquot's {', '.join(missing)} weighing is not recorded")
    steps = {step: check(targets[step], actuals[step], tolerance_percent) for step in STEPS}
    drug = delivered(actuals["ingredient"], actuals["diluent"], actuals["portion"])
    return AliquotOutcome(steps, check(needed, drug, tolerance_percent))
