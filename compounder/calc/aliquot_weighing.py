"""The aliquot's three weighings as recorded, and the drug they put into the batch.

An aliquot line is made in three weighings (``compounder.calc.aliquot``): the ingredient (k × the
amount needed), the diluent added to it, then the portion of the mixture taken into the batch.
Each weighing is checked against its own target; the grams of the drug the portion holds are
worked out from what was actually weighed, portion × ingredient / (ingredient + diluent), and
checked against the amount needed. A portion that is right on a mixture that is not is caught.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from compounder.calc.units import Quantity, ureg

STEPS = ("ingredient", "diluent", "portion")
MICROGRAM = Decimal("0.000001")


class AliquotStepError(ValueError):
    """An aliquot weighing that cannot be worked with (not a mass, negative, no mixture)."""


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
    step = Decimal(repr(float(readability_grams))).normalize()
    if not step.is_finite() or step <= 0:
        raise AliquotStepError(f"the balance readability {readability_grams!r} is not a positive number of grams")
    keys = {"ingredient": "weigh", "diluent": "diluent", "portion": "portion"}
    targets = {}
    with localcontext() as context:
        context.prec = 60
        for name, key in keys.items():
            value = Decimal(repr(float(aliquot[key])))
            targets[name] = ((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).quantize(step)
    return targets


def _grams(what: str, quantity: Quantity) -> Decimal:
    if not isinstance(quantity, ureg.Quantity) or not quantity.check("[mass]"):
        raise AliquotStepError(f"{what}: {quantity!r} is not a mass")
    magnitude = quantity.to(ureg.gram).magnitude
    grams = magnitude if isinstance(magnitude, Decimal) else Decimal(repr(float(magnitude)))
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
        """Outside when any weighing or the drug delivered is."""
        return self.drug.outside or any(step.outside for step in self.steps.values())


def assess(
    targets: Mapping[str, Quantity], actuals: Mapping[str, Quantity], needed: Quantity, tolerance_percent: Decimal,
) -> AliquotOutcome:
    """All three weighings recorded: each against its own target, and the drug delivered against
    ``needed`` (the line's target: the drug's own grams as printed), each at ± tolerance."""
    missing = [step for step in STEPS if step not in actuals or step not in targets]
    if missing:
        raise AliquotStepError(f"the aliquot's {', '.join(missing)} weighing is not recorded")
    steps = {step: check(targets[step], actuals[step], tolerance_percent) for step in STEPS}
    drug = delivered(actuals["ingredient"], actuals["diluent"], actuals["portion"])
    return AliquotOutcome(steps, check(needed, drug, tolerance_percent))
