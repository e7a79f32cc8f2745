"""The program's one pint registry, and parsing of the quantities a pharmacist types.

Every quantity in Compounder is a ``Quantity`` of this registry: it keeps its unit until it
is displayed. Text is parsed here, and only here, so the CLI and the window refuse the same
inputs with the same words.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from importlib.resources import files
from typing import Any, NoReturn, TypeAlias

import pint

from compounder.calc.errors import InputError


class _Quantity(pint.Quantity):  # type: ignore[type-arg]
    """pint's Quantity, with a shortcut for the engine's most frequent operation: a plain number
    converted to a unit object of the same registry.

    The shortcut multiplies by the factor pint itself works out and caches for the pair of units
    (``_get_conversion_factor``), exactly as pint's plain conversion does (``value * factor``),
    so every number is the same to the last bit; it skips only pint's dispatch through its
    context, offset-unit and parsing layers (about 20 µs a call). Anything else (text units,
    contexts, offset units such as degC, arrays, Decimal) takes pint's own path.
    """

    def to(self, other=None, *contexts, **ctx_kwargs):  # type: ignore[no-untyped-def, override]
        magnitude = self._magnitude
        if contexts or ctx_kwargs or type(magnitude) not in (float, int) or not isinstance(other, pint.Unit):
            return super().to(other, *contexts, **ctx_kwargs)
        registry = self._REGISTRY
        if other._REGISTRY is not registry or registry._active_ctx:  # noqa: SLF001
            return super().to(other)
        source, target = self._units, other._units  # noqa: SLF001
        if source == target:  # pint returns the magnitude untouched
            return _quantity(type(self), magnitude, target)
        factor = _FACTORS.get((source, target))
        if factor is None:
            factor = _factor(registry, source, target)
            if factor is None:
                return super().to(other)
        return _quantity(type(self), magnitude * factor, target)


_FACTORS: dict[tuple[object, object], float] = {}


def _factor(registry, source, target) -> float | None:  # type: ignore[no-untyped-def]
    """pint's conversion factor from ``source`` to ``target`` when both are multiplicative
    (cached), else ``None`` (pint then converts, or says why it cannot)."""
    try:
        if registry._validate_and_extract(source) or registry._validate_and_extract(target):  # noqa: SLF001 - offset units
            return None
    except ValueError:
        return None
    factor = registry._get_conversion_factor(source, target)  # noqa: SLF001
    if not isinstance(factor, float | int) or isinstance(factor, bool):  # a DimensionalityError, or not a plain number
        return None
    _FACTORS[(source, target)] = factor
    return factor


def _quantity(cls: type, magnitude: float, units: object) -> pint.Quantity:
    """A new quantity built as pint's ``Quantity.__new__`` builds one from a number and a units container."""
    quantity: Any = object.__new__(cls)
    quantity._magnitude = magnitude  # noqa: SLF001
    quantity._units = units  # noqa: SLF001
    return quantity


_MULTIPLICATIVE: dict[object, bool] = {}


def _multiplicative(registry, units) -> bool:  # type: ignore[no-untyped-def]
    """Whether ``units`` holds no offset unit (such as degC), for which pint has its own rules (cached)."""
    try:
        return _MULTIPLICATIVE[units]
    except KeyError:
        try:
            answer = registry._validate_and_extract(units) is None  # noqa: SLF001
        except ValueError:
            answer = False
        _MULTIPLICATIVE[units] = answer
        return answer


class _Unit(pint.Unit):
    """pint's Unit, with a shortcut for a plain number times a unit (``3.6 * ureg.gram``): the
    quantity pint's own path gives (``Quantity(1, unit) * number``, i.e. ``1 * number`` in the
    unit), built directly."""

    def __mul__(self, other):  # type: ignore[no-untyped-def]
        if type(other) in (float, int) and _multiplicative(self._REGISTRY, self._units):  # noqa: SLF001
            return _quantity(self._REGISTRY.Quantity, 1 * other, self._units)  # noqa: SLF001
        return super().__mul__(other)


class _Registry(pint.UnitRegistry):  # type: ignore[type-arg]
    Quantity = _Quantity  # type: ignore[assignment]
    Unit = _Unit  # type: ignore[assignment]

    def __getattr__(self, item: str):  # type: ignore[no-untyped-def]
        """``ureg.gram``: pint parses the name on every access; the unit is kept once made (a
        unit is never changed in place, and no unit is defined after start-up)."""
        if item.startswith("_"):
            return super().__getattr__(item)
        try:
            return _NAMED[item]
        except KeyError:
            unit = _NAMED[item] = super().__getattr__(item)
            return unit


_NAMED: dict[str, pint.Unit] = {}


ureg = _Registry(
    str(files("compounder.calc").joinpath("pharmacy_units.txt")),
    autoconvert_offset_to_baseunit=False,
    cache_folder=None,
)
Q_ = ureg.Quantity
Quantity: TypeAlias = pint.Quantity

# Units built once: converting with a unit object skips pint's text parser on every call.
ONE = ureg.dimensionless
PERCENT = ureg.percent
G = ureg.gram
MG = ureg.milligram
ML = ureg.milliliter
G_PER_ML = ureg.gram / ureg.milliliter
MG_PER_G = ureg.milligram / ureg.gram
MG_PER_ML = ureg.milligram / ureg.milliliter
MG_PER_DAY = ureg.milligram / ureg.day
G_PER_MOL = ureg.gram / ureg.mole



def quantity_in(magnitude: float, unit: pint.Unit) -> pint.Quantity:
    """``Q_(magnitude, unit)``: for a plain int or float, built as pint's ``Quantity.__new__``
    builds it from a number and a unit (the number kept as given, the unit's container), without
    its checks for strings, arrays and other quantities (~40 µs a call: the catalog's snapshot
    makes ~140 at start-up). Anything else takes pint's own path."""
    if type(magnitude) in (int, float):
        return _quantity(Q_, magnitude, unit._units)  # noqa: SLF001 - pint's own unit container
    return Q_(magnitude, unit)


def magnitude_in(quantity: pint.Quantity, unit: pint.Unit) -> float:
    """The number of ``unit`` in ``quantity``, skipping pint's conversion machinery (~20 µs)
    when the quantity is already in that unit."""
    if quantity._units == unit._units:  # noqa: SLF001 - pint's own unit container, compared as pint does
        return quantity._magnitude  # noqa: SLF001
    return quantity.m_as(unit)


def quantity_key(quantity: pint.Quantity | None) -> tuple[object, object] | None:
    """What makes two quantities the same to the last bit (magnitude and units as pint holds
    them), hashable and without a conversion: a cache of what was formatted from a quantity is
    keyed by it. Two keys that differ may still be equal quantities (1000 mg, 1 g)."""
    return None if quantity is None else (quantity._magnitude, quantity._units)  # noqa: SLF001 - pint's own fields


MASS = ureg.gram.dimensionality
VOLUME = ureg.liter.dimensionality
DIMENSIONLESS = ureg.percent.dimensionality
MASS_PER_MASS = (ureg.milligram / ureg.gram).dimensionality  # dimensionless as well
MASS_PER_VOLUME = (ureg.milligram / ureg.milliliter).dimensionality
DENSITY = MASS_PER_VOLUME

_NUMBER = re.compile(r"^\s*(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<unit>.*?)\s*$")

# Spellings a pharmacist writes that pint's parser does not read as intended.
_UNIT_SPELLINGS: dict[str, str] = {
    "%": "percent",
    "% w/w": "percent",
    "%w/w": "percent",
    "% (w/w)": "percent",
    "% w/v": "percent_w_v",
    "%w/v": "percent_w_v",
    "% (w/v)": "percent_w_v",
    "mcg": "microgram",
    "ml": "milliliter",
    "clicks": "click",
}

_DIMENSION_WORDS: dict[object, str] = {
    MASS: "a mass such as 120 g",
    VOLUME: "a volume such as 100 mL",
    DIMENSIONLESS: "a percentage such as 5 % or a ratio such as 50 mg/g",
    MASS_PER_VOLUME: "a concentration such as 20 mg/mL",
}
# Where a mass per volume is asked for as a density (the product's, an ingredient's), its example
# is a density; everywhere else (a strength) it is a concentration, never a density.
DENSITY_WORDS = "a density such as 1.02 g/mL"


def describe_dimensions(dimensions: Iterable[object], density: bool = False) -> str:
    """Words for what a field accepts, e.g. "a mass such as 120 g or a volume such as 100 mL";
    a mass per volume is described as a density only for a ``density`` field."""
    return " or ".join(DENSITY_WORDS if density and d == MASS_PER_VOLUME else _DIMENSION_WORDS.get(d, str(d)) for d in dimensions)


class _Accepted:
    """The words for what a field accepts, worked out only when a message needs them."""

    __slots__ = ("density", "dimensions")

    def __init__(self, dimensions: tuple[object, ...], density: bool = False) -> None:
        self.dimensions = dimensions
        self.density = density

    def __str__(self) -> str:
        return describe_dimensions(self.dimensions, self.density)

    __format__ = lambda self, spec: format(str(self), spec)  # noqa: E731 - f-strings call __format__


#: The longest quantity text read: "0.5 % (w/v)" and "20 milligram / milliliter" are far shorter.
MAX_QUANTITY_CHARACTERS = 40
#: The largest number a quantity may hold: no amount, strength or density at the bench comes near
#: it, and nothing larger reaches the arithmetic (1e300 g squared is infinite).
MAX_MAGNITUDE = 1e9
#: A unit name as the registry spells one: letters (µg), inner underscores (percent_w_v); no
#: digits, no superscripts (pint reads "g²" as a power), at most 30 characters.
_UNIT_NAME = re.compile(r"[^\W\d_]+(?:_[^\W\d_]+)*")


def _is_unit_name(name: str) -> bool:
    return len(name) <= 30 and _UNIT_NAME.fullmatch(name) is not None and name.replace("_", "").isalpha()

#: At most three names joined by "/" (mg/kg/day): nothing else is read as a unit.
_MAX_UNIT_NAMES = 3
_UNIT_FORMS = "a unit such as g, mL, mg/g or % w/v (names joined by /, no powers or other operators)"


def parse_quantity(
    text: object,
    field: str,
    accept: Iterable[object],
    *,
    positive: bool = True,
    allow_zero: bool = False,
) -> pint.Quantity:
    """Parse "5 %", "20 mg/g", "35 mL" into a Quantity whose dimension is one of ``accept``.

    Refuses, with an ``InputError`` naming ``field``, anything that is not a finite number with
    a unit of an accepted dimension: "abc", "-3 g", "nan %", "5 mL" where only mass is taken.
    """
    accept = tuple(accept)
    wanted = _Accepted(accept, density=field.rsplit(".", 1)[-1] == "density")
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise InputError(field, f"expected text such as {_example(accept)}, got {_show(text)}")
    if isinstance(text, (int, float)):
        raise InputError(field, f"a bare number {text!r} has no unit; write {wanted}")
    if len(text) > MAX_QUANTITY_CHARACTERS:
        raise InputError(field, f"{len(text):,} characters is too long for a quantity; give at most {MAX_QUANTITY_CHARACTERS}, such as {_example(accept)}")
    if re.match(r"^\s*[+-]?\d+,\d", text):
        raise InputError(field, f"{text.strip()!r}: use a decimal point, not a comma; write {wanted}")
    match = _NUMBER.match(text)
    if not match:
        lowered = text.strip().lower()
        if any(word in lowered for word in ("nan", "inf")):
            raise InputError(field, f"{text.strip()!r} is not a finite number; write {wanted}")
        raise InputError(field, f"{text.strip()!r} is not a number with a unit; write {wanted}")
    number = float(match.group("num"))
    unit_text = match.group("unit")
    if not math.isfinite(number):
        raise InputError(field, f"{text.strip()!r} is not a finite number; write {wanted}")
    if abs(number) > MAX_MAGNITUDE:
        raise InputError(field, f"{text.strip()!r} is too large; give at most {MAX_MAGNITUDE:,.0f}")
    if not unit_text:
        raise InputError(field, f"{text.strip()!r} has no unit; write {wanted}")
    unit = _parse_unit(unit_text, field, wanted)
    quantity = Q_(number, unit)
    if quantity.dimensionality not in accept:
        raise InputError(field, f"{text.strip()!r} is {_dimension_name(quantity)}; write {wanted}")
    if number < 0 or (number == 0 and not allow_zero):
        if positive:
            bound = "zero or more" if allow_zero else "more than zero"
            raise InputError(field, f"{text.strip()!r} must be {bound}")
    return quantity


def _parse_unit(unit_text: str, field: str, wanted: object) -> pint.Unit:
    unit = _known_unit(unit_text)
    if unit is None:
        _refuse_unit(unit_text, field, wanted)
    return unit


@functools.lru_cache(maxsize=512)
def _known_unit(unit_text: str) -> pint.Unit | None:
    """The unit a pharmacist's spelling names, or None (cached: pint's parser is slow)."""
    try:
        return _spelled_unit(unit_text, "", "")
    except InputError:
        return None


def _refuse_unit(unit_text: str, field: str, wanted: object) -> NoReturn:
    _spelled_unit(unit_text, field, wanted)
    raise InputError(field, f"unit {unit_text!r} is not one Compounder knows; write {wanted}")


def _spelled_unit(unit_text: str, field: str, wanted: object) -> pint.Unit:
    """The unit the text names, read by a grammar that cannot run away: a spelling a pharmacist
    writes (% w/v, mcg, mL), or up to three registry names joined by "/". pint parses only each
    single name; an expression ("g ** 9**9**9", which pint evaluated without end) is refused."""
    key = re.sub(r"\s+", " ", unit_text.strip())
    spelled = _UNIT_SPELLINGS.get(key, _UNIT_SPELLINGS.get(key.lower()))
    if spelled is not None:
        return _named_unit(spelled, unit_text, field, wanted)
    if "%" in key:
        raise InputError(field, f"unit {unit_text!r} is not understood; write % (meaning % w/w), % w/v, or {wanted}")
    names = [name.strip() for name in key.split("/")]
    if len(names) > _MAX_UNIT_NAMES or not all(_is_unit_name(name) for name in names):
        raise InputError(field, f"unit {unit_text!r} is not {_UNIT_FORMS}; write {wanted}")
    unit = _named_unit(names[0], unit_text, field, wanted)
    for name in names[1:]:
        unit = unit / _named_unit(name, unit_text, field, wanted)
    return unit


def _named_unit(name: str, unit_text: str, field: str, wanted: object) -> pint.Unit:
    """One registry name (its bench spellings mL, ml, mcg first)."""
    name = {"mL": "milliliter", "ml": "milliliter", "mcg": "microgram"}.get(name, name)
    try:
        return ureg.Unit(name)
    except Exception:  # noqa: BLE001 - pint raises several kinds (UndefinedUnitError, DefinitionSyntaxError, …)
        raise InputError(field, f"unit {unit_text!r} is not one Compounder knows; write {wanted}") from None


def _dimension_name(quantity: pint.Quantity) -> str:
    for dims, words in _DIMENSION_WORDS.items():
        if quantity.dimensionality == dims:
            return words.split(" such as")[0]
    return f"in {quantity.units:~}"


def _example(accept: tuple[object, ...]) -> str:
    return describe_dimensions(accept[:1]).split("such as ")[-1]


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def format_quantity(quantity: pint.Quantity, digits: int = 3) -> str:
    """Display form: "5 %", "20 mg/g", "1.02 g/mL", "0.5 % w/v" (numbers trimmed, not rounded up)."""
    units = quantity._units  # noqa: SLF001 - pint's units container: hashed once, unlike a new Unit per call
    text = _TEXT_OF_UNITS.get(units)
    if text is None:
        text = _TEXT_OF_UNITS[units] = format_unit(quantity.units)
    return f"{_trim(quantity.magnitude, digits)} {text}"


_TEXT_OF_UNITS: dict[object, str] = {}  # a few dozen units at most: the registry's, as written in formulas


_UNIT_TEXT: dict[str, str] = {
    "percent": "%",
    "percent_w_v": "% w/v",
    "gram": "g",
    "milligram": "mg",
    "microgram": "µg",
    "kilogram": "kg",
    "milliliter": "mL",
    "liter": "L",
    "click": "click",
    "day": "day",
    "milligram / gram": "mg/g",
    "milligram / milliliter": "mg/mL",
    "gram / milliliter": "g/mL",
    "gram / mole": "g/mol",
    "milligram / kilogram": "mg/kg",
    "milligram / day": "mg/day",
    "gram / day": "g/day",
    "milligram / click": "mg/click",
}


@functools.lru_cache(maxsize=256)
def format_unit(unit: pint.Unit) -> str:
    """Short unit text the way it is written at the bench: mg/g, g/mL, click (cached: pint's
    formatter is slow, and the same few units are shown over and over)."""
    return _UNIT_TEXT.get(str(unit), f"{unit:~}".replace(" / ", "/"))


def _trim(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"
