"""A formula as an editor holds it: evaluated when it is usable, every unusable field named when not.

``parse_formula`` and ``compute`` stop at the first field they cannot use, which is right for a
file on the command line. An editor marks each cell, so ``assess`` names every field that is
unusable, each with the same words the command line would print. It adds no rule of its own:
every message comes from ``parse_formula``, the catalog's look-ups or ``compute``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from compounder.calc.catalog import Catalog
from compounder.calc.compute import compute
from compounder.calc.errors import InputError
from compounder.calc.evaluate import evaluate
from compounder.calc.formula_file import parse_formula
from compounder.calc.model import BatchPlan, Formula
from compounder.calc.patient import screening_inputs
from compounder.calc.units import Quantity

GROUPS = ("actives", "excipients")

# Known-good stand-ins, so that one field at a time can be put through parse_formula.
_TOP = {"batch": "100 g", "base": "stand-in"}
_LINE = {"ingredient": "stand-in", "strength": "1 %"}
_DIRECTIONS = {"amount": "1 g", "times_per_day": 1}


@dataclass(frozen=True)
class FieldPath:
    """A field path such as ``actives[1].strength`` taken apart: group, index in it, key."""

    group: str | None  # "actives" | "excipients" | None for a top-level field
    index: int | None
    key: str | None  # "strength", "batch", "directions.amount"; None for a whole line


_LINE_PATH = re.compile(r"^(?P<group>actives|excipients)\[(?P<index>\d+)\](?:\.(?P<key>.+))?$")


def split_field(path: str) -> FieldPath:
    """``actives[1].strength`` → FieldPath("actives", 1, "strength"); ``batch`` → (None, None, "batch")."""
    match = _LINE_PATH.match(path)
    if match:
        return FieldPath(match.group("group"), int(match.group("index")), match.group("key"))
    return FieldPath(None, None, path)


@dataclass(frozen=True)
class Assessment:
    """The answer for formula-file data: a plan, or the input errors that stand in its way."""

    errors: tuple[InputError, ...]
    formula: Formula | None = None
    plan: BatchPlan | None = None


def role_of(ingredient: str, catalog: Catalog) -> Literal["active", "excipient"]:
    """Whether a named ingredient belongs under actives or excipients; a name not on file is an
    active, so that it is checked as strictly as an active would be."""
    try:
        return catalog.form(ingredient, "ingredient").role
    except InputError:
        return "active"


def assess(data: Any, catalog: Catalog, today: dt.date, max_excess: Quantity | None = None) -> Assessment:
    """Evaluate ``data`` if it is usable; otherwise report every field that is not.
    ``max_excess`` is the pharmacy's ceiling on an overage (its settings), when set.

    The usable case costs one ``evaluate``; only a formula with an error is taken apart field by
    field.
    """
    try:
        formula = parse_formula(data)
        inputs = screening_inputs(data, catalog, strict_prescription=False)  # the patient section, when there is one
        return Assessment((), formula, evaluate(formula, catalog, today, inputs.patient, inputs.dispensed, inputs.refills, max_excess=max_excess, order=inputs.order))
    except InputError as first:
        errors = input_errors(data, catalog)
        if not any(e.field == first.field for e in errors):
            errors = (first, *errors)
        return Assessment(errors)


def input_errors(data: Any, catalog: Catalog) -> tuple[InputError, ...]:
    """Every unusable field of formula-file data, each error as ``parse_formula`` or ``compute`` words it."""
    if not isinstance(data, Mapping):
        return _errors_of(lambda: parse_formula(data))
    found: list[InputError] = []

    # Callable[..., object]: the lambdas below bind loop variables as defaulted parameters, which
    # mypy cannot match to Callable[[], object]; ``call`` is always called with no arguments.
    def collect(call: Callable[..., object], remap: tuple[str, str] | None = None) -> None:
        for error in _errors_of(call):
            if remap is not None and error.field.startswith(remap[0]):
                error = InputError(remap[1] + error.field[len(remap[0]):], error.message)
            if not any(e.field == error.field for e in found):
                found.append(error)

    # Top-level fields, one at a time.
    for key in ("batch", "base"):
        if key not in data:
            collect(lambda key=key: parse_formula({k: v for k, v in _TOP.items() if k != key}))
    for key, value in data.items():
        if key in (*GROUPS, "directions"):
            continue
        collect(lambda key=key, value=value: parse_formula({**_TOP, key: value}))
    if isinstance(data.get("base"), str) and data["base"].strip():
        collect(lambda: catalog.base(data["base"]))
    if isinstance(data.get("balance"), str) and data["balance"].strip():
        collect(lambda: catalog.balance(data["balance"]))

    directions = data.get("directions")
    if isinstance(directions, Mapping):
        for key in ("amount", "times_per_day"):
            if key not in directions:
                collect(lambda key=key: parse_formula({**_TOP, "directions": {k: v for k, v in _DIRECTIONS.items() if k != key}}))
        for key, value in directions.items():
            collect(lambda key=key, value=value: parse_formula({**_TOP, "directions": {**_DIRECTIONS, key: value}}))
    elif directions is not None:
        collect(lambda: parse_formula({**_TOP, "directions": directions}))

    # Each line, one key at a time; names looked up in the catalog.
    for group in GROUPS:
        items = data.get(group)
        if items is None:
            continue
        if not isinstance(items, list):
            collect(lambda group=group, items=items: parse_formula({**_TOP, group: items}))
            continue
        for index, item in enumerate(items):
            where = f"{group}[{index}]"
            remap = (f"{group}[0]", where)
            if not isinstance(item, Mapping):
                collect(lambda group=group, item=item: parse_formula({**_TOP, group: [item]}), remap)
                continue
            for key in ("ingredient", "strength"):
                if key not in item:
                    collect(lambda group=group, key=key: parse_formula({**_TOP, group: [{k: v for k, v in _LINE.items() if k != key}]}), remap)
            for key, value in item.items():
                collect(lambda group=group, key=key, value=value: parse_formula({**_TOP, group: [{**_LINE, key: value}]}), remap)
            for key in ("ingredient", "stock"):
                name = item.get(key)
                if isinstance(name, str) and name.strip():
                    collect(lambda name=name, key=key, where=where: catalog.form(name, f"{where}.{key}"))

    if not found:
        # Every field reads on its own: what is left is arithmetic that cannot be done (a volume
        # with no density, a salt of another moiety...), found line by line.
        formula = parse_formula(data)
        for index, line in enumerate(formula.lines):
            alone = dataclasses.replace(formula, lines=(line,))
            collect(lambda alone=alone: compute(alone, catalog), (alone.field_of(0), formula.field_of(index)))
        if not found:
            collect(lambda: compute(formula, catalog))
    return tuple(found)


def _errors_of(call: Callable[[], object]) -> tuple[InputError, ...]:
    try:
        call()
    except InputError as error:
        return (error,)
    return ()
