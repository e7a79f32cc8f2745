"""A formula as JSON-shaped data (the formula file), read and written with every field checked.

The same reader serves the command line, the window's "open" and the batch records, so a
formula is refused with the same words wherever it comes from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from compounder.calc.base_description import base_description_data, parse_base_description, parse_stability
from compounder.calc.errors import InputError
from compounder.calc.fields import date_field, free_text, list_field, text_field
from compounder.calc.master_record import parse_master_record
from compounder.calc.model import Directions, Formula, FormulaLine
from compounder.calc.prescription import ORDER_KEYS
from compounder.calc.units import (
    DIMENSIONLESS,
    G_PER_ML,
    MASS,
    MASS_PER_VOLUME,
    ML,
    PERCENT,
    VOLUME,
    G,
    Quantity,
    format_quantity,
    parse_quantity,
)

_TOP_KEYS = {
    "name", "batch", "excess", "density", "base", "balance", "compounded_on", "directions",
    "actives", "excipients", "base_lot", "base_expires", "base_description", "stability",
    "patient",  # read by compounder.calc.patient (it needs the catalog's screening terms)
    "master_record",  # the master formulation record's own elements (compounder.calc.master_record)
}
_LINE_KEYS = {"ingredient", "strength", "stock", "potency", "lot", "expires", "manufacturer", "basis"}
# An upper bound on a batch (g or mL), far above any pharmacy batch, so a typing slip such as
# "1e30 g" is refused instead of computed.
MIN_BATCH, MAX_BATCH = 1, 50_000
_LINES_SHAPE = 'a list of objects such as {"ingredient": "lidocaine", "strength": "5 %"}'
_STRENGTH_DIMS = (DIMENSIONLESS, MASS_PER_VOLUME, MASS, VOLUME)


def parse_formula(data: Any) -> Formula:
    """Read a formula from the formula file's data; raises ``InputError`` naming the field."""
    if not isinstance(data, Mapping):
        raise InputError("formula", "the file must hold one JSON object with batch, base and actives")
    # The document keys (batch number, prescription, ...) are read by ``parse_order``.
    unknown = sorted(set(data) - _TOP_KEYS - ORDER_KEYS)
    if unknown:
        raise InputError(
            unknown[0],
            f"unknown key; the keys a formula takes are {', '.join(sorted(_TOP_KEYS))} "
            f"(and for its worksheet and label {', '.join(sorted(ORDER_KEYS))})",
        )
    if "batch" not in data:
        raise InputError("batch", 'missing; give the batch quantity, e.g. "120 g" or "100 mL"')
    if "base" not in data:
        raise InputError("base", "missing; name the base, e.g. \"Lipoderm\" (`compounder ingredients` lists them)")
    quantity = parse_quantity(data["batch"], "batch", (MASS, VOLUME))
    if not MIN_BATCH <= quantity.m_as(G if quantity.dimensionality == MASS else ML) <= MAX_BATCH:
        raise InputError("batch", f"{data['batch']!r} is outside any compounded batch; give 1 g to 50 kg (or 1 mL to 50 L)")
    excess = None
    if data.get("excess") is not None:
        excess = parse_quantity(data["excess"], "excess", (DIMENSIONLESS,), allow_zero=True)
        if excess.to(PERCENT).magnitude >= 100:
            raise InputError("excess", f"{data['excess']!r} is too large; give 0 % up to under 100 %")
    density = None
    if data.get("density") is not None:
        density = parse_quantity(data["density"], "density", (MASS_PER_VOLUME,))
        _check_density(density, "density")
    parse_master_record(data.get("master_record"))  # refused here, naming the element, like the rest of the formula
    lines = [
        *(_parse_line(item, f"actives[{i}]", "active") for i, item in enumerate(list_field(data, "actives", _LINES_SHAPE))),
        *(_parse_line(item, f"excipients[{i}]", "excipient") for i, item in enumerate(list_field(data, "excipients", _LINES_SHAPE))),
    ]
    return Formula(
        name=text_field(data, "name", "formula") if data.get("name") is not None else None,
        quantity=quantity,
        base=text_field(data, "base", "base"),
        lines=tuple(lines),
        excess=excess,
        density=density,
        balance=text_field(data, "balance", "balance") if data.get("balance") is not None else None,
        directions=parse_directions(data["directions"]) if data.get("directions") is not None else None,
        compounded_on=date_field(data, "compounded_on", "compounded_on") if data.get("compounded_on") is not None else None,
        base_lot=text_field(data, "base_lot", "base lot") if data.get("base_lot") is not None else None,
        base_expires=date_field(data, "base_expires", "base_expires") if data.get("base_expires") is not None else None,
        base_description=(
            parse_base_description(text_field(data, "base", "base"), data["base_description"], "base_description")
            if data.get("base_description") is not None else None
        ),
        stability=parse_stability(data["stability"]) if data.get("stability") is not None else None,
    )




def _parse_line(item: Any, where: str, role: str) -> FormulaLine:
    if not isinstance(item, Mapping):
        raise InputError(where, 'must be an object such as {"ingredient": "lidocaine", "strength": "5 %"}')
    unknown = sorted(set(item) - _LINE_KEYS)
    if unknown:
        raise InputError(f"{where}.{unknown[0]}", f"unknown key; a line takes {', '.join(sorted(_LINE_KEYS))}")
    if "ingredient" not in item:
        raise InputError(f"{where}.ingredient", "missing; name the ingredient the strength is written as")
    if "strength" not in item:
        raise InputError(f"{where}.strength", 'missing; give a strength such as "5 %", "50 mg/g", "20 mg/mL" or "2 g"')
    strength = parse_quantity(item["strength"], f"{where}.strength", _STRENGTH_DIMS)
    if strength.dimensionality == DIMENSIONLESS and strength.to(PERCENT).magnitude >= 100:
        raise InputError(f"{where}.strength", f"{item['strength']!r} is 100 % or more of the batch; give a strength under 100 %")
    if strength.dimensionality in (MASS, VOLUME) and strength.m_as(G if strength.dimensionality == MASS else ML) > MAX_BATCH:
        raise InputError(f"{where}.strength", f"{item['strength']!r} is more than any batch holds; give the amount in the batch, at most 50 kg")
    if strength.dimensionality == MASS_PER_VOLUME and strength.m_as(G_PER_ML) >= 3:
        raise InputError(f"{where}.strength", f"{item['strength']!r} is denser than any cream or gel; give a concentration under 3000 mg/mL")
    potency = None
    if item.get("potency") is not None:
        potency = parse_quantity(item["potency"], f"{where}.potency", (DIMENSIONLESS,))
        if not 10 <= potency.to(PERCENT).magnitude <= 110:
            raise InputError(
                f"{where}.potency",
                f"{item['potency']!r} is not a plausible assay; give the certificate of analysis potency, from 10 % to 110 %",
            )
    return FormulaLine(
        ingredient=text_field(item, "ingredient", f"{where}.ingredient"),
        strength=strength,
        role=role,  # type: ignore[arg-type]
        stock=text_field(item, "stock", f"{where}.stock") if item.get("stock") is not None else None,
        potency=potency,
        lot=text_field(item, "lot", f"{where}.lot") if item.get("lot") is not None else None,
        expires=date_field(item, "expires", f"{where}.expires") if item.get("expires") is not None else None,
        manufacturer=text_field(item, "manufacturer", f"{where}.manufacturer") if item.get("manufacturer") is not None else None,
        basis=text_field(item, "basis", f"{where}.basis") if item.get("basis") is not None else None,
    )


def parse_directions(value: Any) -> Directions:
    """The ``directions`` of a formula file (amount per application, times a day, area)."""
    if not isinstance(value, Mapping):
        raise InputError("directions", 'must be an object such as {"amount": "1 g", "times_per_day": 3}')
    unknown = sorted(set(value) - {"amount", "times_per_day", "area"})
    if unknown:
        raise InputError(f"directions.{unknown[0]}", "unknown key; directions take amount, times_per_day and area")
    if "amount" not in value:
        raise InputError("directions.amount", 'missing; give the amount per application, e.g. "1 g", "1 mL" or "4 click"')
    amount = parse_quantity(value["amount"], "directions.amount", (MASS, VOLUME))
    times = value.get("times_per_day")
    if times is None:
        raise InputError("directions.times_per_day", "missing; give how many times a day the amount is applied, e.g. 3")
    if isinstance(times, bool) or not isinstance(times, (int, float)) or times != times or times in (float("inf"),):
        raise InputError("directions.times_per_day", f"{times!r} is not a number; give how many times a day, e.g. 3")
    if times <= 0 or times > 24:
        raise InputError("directions.times_per_day", f"{times!r} is out of range; give a number more than 0 and at most 24")
    area = value.get("area")
    if area is not None and not isinstance(area, str):
        raise InputError("directions.area", "must be text, e.g. \"affected area of the knee\"")
    if area is not None:
        area = free_text(area, "directions.area")
    return Directions(amount=amount, times_per_day=float(times), area=area)


def _check_density(density: Quantity, field: str) -> None:
    grams_per_ml = density.to(G_PER_ML).magnitude
    if not 0.5 <= grams_per_ml <= 3:
        raise InputError(field, f"{format_quantity(density)} is not a plausible density for a cream or gel; give 0.5 to 3 g/mL")






#: A formula file is a few kilobytes (the examples are under 2 kB); a megabyte is not one.
MAX_FORMULA_FILE_BYTES = 1_000_000
#: Objects and lists inside one another: a formula file goes 3 deep (actives → a line → its
#: keys); deeper than this is not a formula file.
MAX_NESTING = 16


def decode_formula_file(raw: bytes, suffix: str) -> Any:
    """A formula file's data from its bytes: TOML by a ``.toml`` suffix, else JSON.
    ``ValueError`` says, in one line, what is wrong with it: not UTF-8, not valid, a key given
    twice (JSON would keep the last silently), NaN or Infinity, or nested deeper than a formula."""
    if len(raw) > MAX_FORMULA_FILE_BYTES:
        raise ValueError(f"{len(raw):,} bytes is too large for a formula file (at most {MAX_FORMULA_FILE_BYTES:,} bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text; save the formula as UTF-8 JSON or TOML") from None
    kind = "TOML" if suffix.lower() == ".toml" else "JSON"
    _check_nesting(text, kind)
    toml_error: type[Exception] = _NoError
    try:
        if kind == "TOML":
            import tomllib  # a TOML formula's parser, imported when one is read (not with the window)

            toml_error = tomllib.TOMLDecodeError
            data = tomllib.loads(text)
        else:
            data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except toml_error as error:
        raise ValueError(f"not valid TOML ({error})") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON at line {error.lineno} column {error.colno} ({error.msg})") from None
    except RecursionError:
        raise ValueError(f"{kind} nested too deeply; a formula file nests at most {MAX_NESTING} levels") from None
    except ValueError as error:  # a key given twice, NaN, or an integer of thousands of digits
        raise ValueError(f"not usable {kind}: {error}") from None
    return data


def _check_nesting(text: str, kind: str) -> None:
    check_nesting(text, kind, MAX_NESTING, "a formula file is an object of a few lists")


def check_nesting(text: str, kind: str, limit: int, what_it_is: str) -> None:
    """Refuse brackets nested deeper than ``limit``, before a parser recurses into them (a JSON
    file nested 10,000 deep was a RecursionError). Counts brackets outside strings (JSON and
    TOML quote with ' or "), a cheap upper bound; ``what_it_is`` ends the message."""
    depth = deepest = 0
    quote = ""
    escaped = False
    for ch in text:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    raise ValueError(f"{kind} nested more than {limit} levels deep; {what_it_is}")
        elif ch in "]}":
            depth -= 1


class _NoError(Exception):
    """Never raised: what a JSON file's read catches in place of TOML's decode error."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"the key {key!r} is given twice in one object; keep one")
        data[key] = value
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a formula can hold; write the value as text such as \"5 %\"")


def formula_to_data(formula: Formula) -> dict[str, Any]:
    """The formula as formula-file data; ``parse_formula`` reads it back to an equal formula."""
    data: dict[str, Any] = {}
    if formula.name:
        data["name"] = formula.name
    data["batch"] = _q(formula.quantity)
    if formula.excess is not None:
        data["excess"] = _q(formula.excess)
    if formula.density is not None:
        data["density"] = _q(formula.density)
    data["base"] = formula.base
    for key in ("balance", "base_lot"):
        if getattr(formula, key) is not None:
            data[key] = getattr(formula, key)
    if formula.base_expires is not None:
        data["base_expires"] = formula.base_expires.isoformat()
    if formula.compounded_on is not None:
        data["compounded_on"] = formula.compounded_on.isoformat()
    if formula.directions is not None:
        data["directions"] = directions_to_data(formula.directions)
    if formula.base_description is not None:
        data["base_description"] = base_description_data(formula.base_description)
    if formula.stability is not None:
        data["stability"] = {"days": formula.stability.days, "reference": formula.stability.reference}
    for role, key in (("active", "actives"), ("excipient", "excipients")):
        items = []
        for line in formula.lines:
            if line.role != role:
                continue
            item: dict[str, Any] = {"ingredient": line.ingredient, "strength": _q(line.strength)}
            if line.stock is not None:
                item["stock"] = line.stock
            if line.potency is not None:
                item["potency"] = _q(line.potency)
            for name in ("lot", "manufacturer", "basis"):
                if getattr(line, name) is not None:
                    item[name] = getattr(line, name)
            if line.expires is not None:
                item["expires"] = line.expires.isoformat()
            items.append(item)
        if items:
            data[key] = items
    return data


def directions_to_data(directions: Directions) -> dict[str, Any]:
    """Directions as the formula file holds them; ``parse_directions`` reads them back."""
    data: dict[str, Any] = {"amount": _q(directions.amount), "times_per_day": _number(directions.times_per_day)}
    if directions.area:
        data["area"] = directions.area
    return data


def typed_directions(amount: str, times_per_day: str) -> dict[str, Any] | None:
    """Directions as typed in two fields (amount per application, times a day), as formula-file
    data for ``parse_directions``: None when both are empty; times a day as a number when it
    reads as one, else as typed (the parser then names it)."""
    amount, times = amount.strip(), times_per_day.strip()
    if not amount and not times:
        return None
    data: dict[str, Any] = {}
    if amount:
        data["amount"] = amount
    if times:
        number: int | float | str = times
        for kind in (int, float):
            try:
                number = kind(times)
                break
            except ValueError:
                pass
        data["times_per_day"] = number
    return data


def _q(quantity: Quantity) -> str:
    """Text that parses back to exactly this quantity (repr keeps every digit of the float)."""
    text = format_quantity(quantity, 12)
    number, _, unit = text.partition(" ")
    if float(number) != quantity.magnitude:
        number = repr(float(quantity.magnitude))
    return f"{number} {unit}"


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value

