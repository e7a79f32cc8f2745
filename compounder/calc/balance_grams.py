"""One representation of a weighed amount, from the plan to the database to the paper.

A weighed amount is, in memory, a ``Decimal`` number of grams; this module owns every conversion
into and out of it, so no other module turns a float into a Decimal or counts micrograms itself:

- **From the engine** (a pint mass): ``grams_of``. A Decimal magnitude is taken as it is; a float
  by its shortest repr, the digits the arithmetic gave (2.4 / 0.95 → 2.526315789473684), never
  the float's binary expansion (2.52631578947368406…), which would print and round differently.
- **At the balance**: ``to_balance`` rounds half away from zero to the balance's readability and
  keeps its decimals (2.526315… g on a 0.001 g balance → 2.526; 2.5 g on a 0.01 g balance →
  2.50); ``rounded_grams`` does it for an engine quantity and a ``Balance``, ``format_grams``
  writes the text a worksheet, a label and the screens print.
- **In the plan** (``calc.plan_data``: what a batch stores frozen and ``compounder calc --json``
  prints): grams are JSON numbers (the exact grams to 9 decimals, the rounded grams, the
  readability and the minimum weighable quantity), and the printed target is the text
  ``grams_display`` from ``format_grams``, because a JSON number does not keep the trailing zeros
  of 2.50. A number is read back only through ``plan_grams``: every plan number has at most 15
  significant digits (9 decimals, under a tonne), which a float holds exactly, so its shortest
  repr gives back the very digits written — the same Decimal a text form would give.
- **In the database**: integer micrograms (``to_ug``, ``to_grams``) in the ``*_ug`` columns,
  exact for any weight entered to 6 decimals and the same on SQLite and PostgreSQL.
  ``to_grams`` gives the fewest digits and never an exponent (30 g is 30, not 3E+1).

Why a Decimal in grams: the pharmacist and the balance count in decimal steps of a gram, which a
float cannot hold (0.1 is not a float), and a Decimal keeps the balance's decimals for the paper.
Why the stored plans keep their JSON numbers: a batch's plan is frozen as it was printed, under
the audit trail (``records/trail_check.py`` replays each audited row against its entries); a
data migration rewriting it as text would have to sign its own entries for every batch, for no
difference in value, since ``plan_grams`` reads each stored number as exactly the Decimal written.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

from compounder.calc.model import Balance
from compounder.calc.units import Quantity, ureg

UG_PER_G = 1_000_000


def grams_of(mass: Quantity) -> Decimal:
    """A pint mass in grams as a Decimal: a Decimal magnitude as it is, a float or an int by its
    shortest repr (the digits the engine's arithmetic gave)."""
    magnitude = mass.to(ureg.gram).magnitude
    return magnitude if isinstance(magnitude, Decimal) else plan_grams(magnitude)


def plan_number(mass: Quantity) -> float:
    """A mass as a plan writes its exact grams: a JSON number to 9 decimals (the nanogram),
    2.4 / 0.95 g → 2.526315789. Read back with ``plan_grams``."""
    return round(mass.to(ureg.gram).magnitude, 9)


def plan_grams(value: float | int | str | Decimal) -> Decimal:
    """A number of grams as a plan stores it (a JSON number, see the module's docstring) as the
    Decimal that was written: 2.526 → Decimal('2.526'), 0.001 → Decimal('0.001')."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        return Decimal(value.strip())
    return Decimal(repr(float(value)))


def plain(grams: Decimal) -> Decimal:
    """``grams`` with no trailing zeros and no exponent: 2.5000 → 2.5, 30.000 → 30 (``normalize``
    alone gives 3E+1, which prints as such)."""
    normal = grams.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def readability(balance: Balance) -> Decimal:
    """The balance's readability in grams, its fewest digits: 0.001 g → Decimal('0.001')."""
    return grams_of(balance.readability.value).normalize()


def to_balance(grams: Decimal, step: Decimal) -> Decimal:
    """``grams`` rounded half away from zero to the readability ``step`` (a Decimal number of
    grams), with the step's decimals: (2.526315…, 0.001) → 2.526; (2.5, 0.01) → 2.50."""
    with localcontext() as context:
        context.prec = 60  # enough for any batch the formula reader lets through
        return ((grams / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).quantize(step)


def rounded_grams(grams: Quantity, balance: Balance) -> Decimal:
    """``grams`` rounded to the balance's readability (0.01 g → 7.43), as an exact decimal."""
    return to_balance(grams_of(grams), readability(balance))


def format_grams(grams: Quantity, balance: Balance) -> str:
    """Text of the rounded grams with exactly the balance's decimals: "7.430"."""
    return f"{rounded_grams(grams, balance):f}"


def decimals(balance: Balance) -> int:
    exponent = readability(balance).as_tuple().exponent
    if not isinstance(exponent, int):  # 'n', 'N' or 'F': a NaN or infinite readability
        raise ValueError(f"balance {balance.name!r} has no finite readability")
    return max(0, -exponent)


def to_ug(grams: Decimal) -> int:
    """Grams as the database stores them: whole micrograms (2.526 g → 2526000)."""
    return int((grams * UG_PER_G).to_integral_value())


def to_grams(ug: int) -> Decimal:
    """Micrograms from the database as grams, in their fewest digits: 2526000 → 2.526, 30000000 → 30."""
    return plain(Decimal(ug) / UG_PER_G)


def whole_micrograms(grams: Decimal) -> bool:
    """Whether ``grams`` is stored without loss: at most 6 decimals (2.526001 yes, 2.5260001 no)."""
    return to_ug(grams) == grams * UG_PER_G
