"""The aliquot method, for an amount below the balance's minimum weighable quantity."""

from __future__ import annotations

import math
from dataclasses import dataclass

from compounder.calc.units import Quantity, ureg


@dataclass(frozen=True)
class Aliquot:
    """Weigh ``multiple`` × the amount needed, dilute to ``mixture``, weigh ``portion`` of it.

    Both weighings are at least the minimum weighable quantity, and the portion holds exactly
    the amount needed.
    """

    needed: Quantity
    multiple: int
    weigh: Quantity  # of the ingredient
    diluent: Quantity  # to add to it
    mixture: Quantity  # total mixture
    portion: Quantity  # to weigh from the mixture

    def describe(self, ingredient: str, diluent_name: str = "a portion of the base or levigating agent") -> str:
        return (
            f"weigh {_g(self.weigh)} {ingredient} ({self.multiple} × {_g(self.needed)}), "
            f"mix with {_g(self.diluent)} {diluent_name} to {_g(self.mixture)}, "
            f"and weigh {_g(self.portion)} of the mixture (holds {_g(self.needed)} {ingredient})"
        )


def aliquot(needed: Quantity, minimum: Quantity) -> Aliquot:
    """The smallest aliquot scheme in which every weighing is at least ``minimum``."""
    needed_g = needed.to(ureg.gram).magnitude
    minimum_g = minimum.to(ureg.gram).magnitude
    if needed_g <= 0:
        raise ValueError("an aliquot needs a positive amount")
    multiple = max(1, math.ceil(minimum_g / needed_g - 1e-12))
    weigh = needed_g * multiple
    mixture = minimum_g * multiple
    return Aliquot(
        needed=needed.to(ureg.gram),
        multiple=multiple,
        weigh=weigh * ureg.gram,
        diluent=(mixture - weigh) * ureg.gram,
        mixture=mixture * ureg.gram,
        portion=minimum_g * ureg.gram,
    )


def _g(quantity: Quantity) -> str:
    return f"{quantity.to(ureg.gram).magnitude:.3f} g"
