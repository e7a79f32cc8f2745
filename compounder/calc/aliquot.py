"""The aliquot method, for an amount below the balance's minimum weighable quantity."""

from __future__ import annotations

import math
from dataclasses import dataclass

from compounder.calc.units import Quantity, ureg

# Beyond this many times the amount needed, one aliquot step is no longer practical at the bench.
MAX_ALIQUOT_MULTIPLE = 100


@dataclass(frozen=True)
class Aliquot:
    """Weigh ``multiple`` × the amount needed, dilute to ``mixture``, weigh ``portion`` of it.

    All three weighings (the ingredient, the diluent, the portion) are at least the minimum
    weighable quantity, and the portion holds exactly the amount needed. The diluent the
    portion carries (``carried``) goes into the batch, so it is taken off the base q.s.
    """

    needed: Quantity
    multiple: int
    weigh: Quantity  # of the ingredient
    diluent: Quantity  # to add to it
    mixture: Quantity  # total mixture
    portion: Quantity  # to weigh from the mixture

    @property
    def carried(self) -> Quantity:
        """Diluent in the portion taken: what the batch receives besides the ingredient."""
        return self.portion - self.needed

    def describe(self, ingredient: str, diluent_name: str = "a portion of the base or levigating agent") -> str:
        return (
            f"weigh {_g(self.weigh)} {ingredient} ({self.multiple} × {_g(self.needed)}), "
            f"mix with {_g(self.diluent)} {diluent_name} to {_g(self.mixture)}, "
            f"and weigh {_g(self.portion)} of the mixture (holds {_g(self.needed)} {ingredient})"
        )


def aliquot(needed: Quantity, minimum: Quantity) -> Aliquot:
    """The smallest aliquot scheme in which every weighing is at least ``minimum``.

    The multiple k is the smallest with k × needed ≥ minimum. The portion is the minimum, or
    more when needed is close to it: the diluent, k × (portion − needed), must itself be at
    least the minimum, so portion ≥ needed + minimum / k.
    """
    needed_g = needed.to(ureg.gram).magnitude
    minimum_g = minimum.to(ureg.gram).magnitude
    if needed_g <= 0:
        raise ValueError("an aliquot needs a positive amount")
    multiple = max(1, math.ceil(minimum_g / needed_g - 1e-12))
    portion = max(minimum_g, needed_g + minimum_g / multiple)
    weigh = needed_g * multiple
    mixture = portion * multiple
    return Aliquot(
        needed=needed.to(ureg.gram),
        multiple=multiple,
        weigh=weigh * ureg.gram,
        diluent=(mixture - weigh) * ureg.gram,
        mixture=mixture * ureg.gram,
        portion=portion * ureg.gram,
    )


def planned_aliquot(needed: Quantity, minimum: Quantity) -> Aliquot | None:
    """The aliquot for an amount below ``minimum``; ``None`` when none is needed or when one step
    would take more than ``MAX_ALIQUOT_MULTIPLE`` times the amount (a trituration is needed)."""
    needed_g = needed.to(ureg.gram).magnitude
    minimum_g = minimum.to(ureg.gram).magnitude
    if needed_g <= 0 or needed_g >= minimum_g or needed_g * MAX_ALIQUOT_MULTIPLE < minimum_g:
        return None
    return aliquot(needed, minimum)


def _g(quantity: Quantity) -> str:
    return f"{quantity.to(ureg.gram).magnitude:.3f} g"
