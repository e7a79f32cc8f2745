"""The independent (blind) double check at verification (issue 24): before the preparer's
figures are shown, the verifying pharmacist types the figures they worked out themselves, and
each is compared with the batch's plan.

ISMP's independent double check: a second person works the numbers out again without looking
at the first person's. Which figures are asked (``wanted_figures``):

- the grams to weigh of each line the pharmacy's setting names (``"actives"``, the default, or
  ``"all"`` lines);
- of each active, its mg per gram where the label states the strength in mg/g, and its mg per
  click where the label states what one click holds (a click dispenser).

When a figure matches (``Compared.matches``):

- grams: within half the balance's readability of the plan's exact grams (2.526315… g on a
  0.001 g balance: 2.526 and 2.5264 match, 2.527 and 2.53 do not) — the balance's rounding;
- mg/g and mg per click: within half a unit of the plan's third significant figure, the digits
  the label prints (7.4925 mg per click: 7.49 and 7.495 match, 7.5 does not).

Pure: the stored plan (``calc.plan_data`` with its frozen documents) and pint quantities in,
``BlindCheck`` out; no Qt, no SQLAlchemy. The records store each outcome, match or mismatch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from compounder.calc.balance_grams import plain, plan_grams
from compounder.calc.errors import InputError
from compounder.calc.units import Quantity, parse_quantity, ureg

Kind = Literal["grams", "mg/g", "mg/click"]
Scope = Literal["actives", "all"]
SCOPES: tuple[Scope, ...] = ("actives", "all")

#: Each figure's unit, and the words a pharmacist reads.
UNITS: dict[Kind, str] = {"grams": "g", "mg/g": "mg/g", "mg/click": "mg/click"}
WORDS: dict[Kind, str] = {"grams": "grams to weigh", "mg/g": "mg per gram", "mg/click": "mg per click"}
#: The dimension a typed figure has, and which figure it is (2.526 g: grams; 50 mg/g: mg per g).
_DIMENSIONS = {
    ureg.gram.dimensionality: "grams", ureg.dimensionless.dimensionality: "mg/g", (ureg.gram / ureg.liter).dimensionality: "mg/click",
}


@dataclass(frozen=True)
class Wanted:
    """One figure the verifying pharmacist works out: of line ``position`` (``name``), the
    ``kind``; ``planned`` is the plan's exact value in ``UNITS[kind]``, ``within`` how far a
    figure may be from it and still match, ``shown`` the plan's figure as printed."""

    position: int
    name: str
    kind: Kind
    planned: Decimal
    within: Decimal
    shown: str
    trail: tuple[str, ...]

    @property
    def label(self) -> str:
        """"line 1 (Lidocaine HCl): grams to weigh"."""
        return f"line {self.position} ({self.name}): {WORDS[self.kind]}"

    @property
    def key(self) -> tuple[int, Kind]:
        return (self.position, self.kind)


@dataclass(frozen=True)
class Compared:
    """A figure as the pharmacist typed it (``entered``, in the wanted unit) beside the plan's."""

    wanted: Wanted
    entered: Decimal
    typed: str

    @property
    def matches(self) -> bool:
        return abs(self.entered - self.wanted.planned) <= self.wanted.within

    @property
    def text(self) -> str:
        """"line 1 (Lidocaine HCl): grams to weigh: you 2.53 g, the plan 2.526 g — DIFFERS"."""
        return f"{self.wanted.label}: you {self.entered_text}, the plan {self.wanted.shown} — {'matches' if self.matches else 'DIFFERS'}"

    @property
    def entered_text(self) -> str:
        """The figure as typed, with its value in the plan's unit where typed in another
        ("3157.9 mg = 3.1579 g")."""
        unit = UNITS[self.wanted.kind]
        typed = " ".join(self.typed.split())
        if re.fullmatch(r"[0-9.]+\s*" + re.escape(unit), typed):
            return typed
        return f"{typed} = {plain(self.entered):f} {unit}"


@dataclass(frozen=True)
class BlindCheck:
    """Every figure compared; the check passes only when each matches."""

    compared: tuple[Compared, ...]

    @property
    def matches(self) -> bool:
        return bool(self.compared) and all(c.matches for c in self.compared)

    @property
    def mismatches(self) -> tuple[Compared, ...]:
        return tuple(c for c in self.compared if not c.matches)

    def as_data(self) -> list[dict[str, Any]]:
        """What the records keep of each figure (JSON): who typed what is stored beside it."""
        return [
            {
                "line": c.wanted.position, "name": c.wanted.name, "figure": c.wanted.kind, "entered": f"{plain(c.entered):f}",
                "typed": c.typed, "planned": f"{plain(c.wanted.planned):f}", "shown": c.wanted.shown, "matches": c.matches,
            }
            for c in self.compared
        ]


def wanted_figures(plan: Mapping[str, Any], scope: Scope = "actives") -> tuple[Wanted, ...]:
    """The figures the check asks of ``plan`` (a stored batch plan), in line order."""
    if scope not in SCOPES:
        raise ValueError(f"blind check lines {scope!r}: give one of {', '.join(SCOPES)}")
    step = plan_grams(plan["balance"]["readability_grams"])
    label = (plan.get("documents") or {}).get("label") or {}
    in_mg_per_g = {
        " ".join(str(a.get("name", "")).casefold().split())
        for a in label.get("actives") or [] if "mg/g" in str(a.get("strength", "")).replace(" ", "")
    }
    per_click_on_label = bool(label.get("per_click"))
    wanted: list[Wanted] = []
    for position, line in enumerate(plan.get("lines") or [], start=1):
        if scope == "actives" and line.get("role") != "active":
            continue
        trail = tuple(str(step_text) for step_text in line.get("trail") or [])
        name = str(line["name"])
        wanted.append(Wanted(position, name, "grams", plan_grams(line["grams"]), step / 2, f"{line['grams_display']} g", trail))
        if line.get("role") != "active":
            continue
        written = " ".join(str(line.get("written_as", name)).casefold().split())
        if written in in_mg_per_g and line.get("mg_per_g") is not None:
            wanted.append(_mg(position, name, "mg/g", plan_grams(line["mg_per_g"]), trail))
        if per_click_on_label and line.get("mg_per_click") is not None:
            wanted.append(_mg(position, name, "mg/click", plan_grams(line["mg_per_click"]), (*trail, str(label["per_click"]))))
    return tuple(wanted)


def _mg(position: int, name: str, kind: Kind, planned: Decimal, trail: tuple[str, ...]) -> Wanted:
    """A figure in mg, matched to its third significant figure (as the label prints it)."""
    if planned <= 0:
        return Wanted(position, name, kind, planned, Decimal(0), f"{plain(planned):f} {UNITS[kind]}", trail)
    exponent = planned.adjusted()  # 7.4925 → 0, 50 → 1, 0.25 → -1
    within = Decimal(5).scaleb(exponent - 3)  # half a unit of the third significant figure
    shown = planned.quantize(Decimal(1).scaleb(exponent - 2)) if exponent < 2 else planned.quantize(Decimal(1))
    return Wanted(position, name, kind, planned, within, f"{plain(shown):f} {UNITS[kind]}", trail)


def figure_quantity(text: str, field: str) -> Quantity:
    """A figure as typed: "2.526 g" (grams to weigh), "50 mg/g" or "5 %" (mg per gram), "7.49
    mg/click" (mg per click); ``InputError`` naming ``field`` otherwise."""
    return parse_quantity(text, field, _DIMENSIONS.keys(), positive=True, allow_zero=False)


def kind_of(quantity: Quantity) -> Kind:
    """Which figure a typed quantity is, by its dimension."""
    kind: Kind = _DIMENSIONS[quantity.dimensionality]  # type: ignore[assignment]
    return kind


def in_unit(quantity: Quantity, kind: Kind) -> Decimal:
    """``quantity`` in the figure's unit as a Decimal (the digits typed, by the float's repr)."""
    return plan_grams(quantity.to(UNITS[kind]).magnitude)


def compare(wanted: Sequence[Wanted], entered: Mapping[tuple[int, Kind], str]) -> BlindCheck:
    """Each wanted figure beside the one typed for it (``entered``: (line, kind) → text such as
    "2.526 g"). Raises ``InputError`` naming every figure not given, or one not a figure of
    that kind; call ``missing`` first to say what is needed."""
    absent = missing(wanted, entered)
    if absent:
        raise InputError("figures", "give " + "; ".join(w.label for w in absent))
    compared = []
    for w in wanted:
        typed = entered[w.key].strip()
        quantity = figure_quantity(typed, w.label)
        if kind_of(quantity) != w.kind:
            raise InputError(w.label, f"{typed!r} is not {WORDS[w.kind]}; write it in {UNITS[w.kind]}, e.g. {_example(w.kind)}")
        compared.append(Compared(w, in_unit(quantity, w.kind), typed))
    return BlindCheck(tuple(compared))


def missing(wanted: Iterable[Wanted], entered: Mapping[tuple[int, Kind], str]) -> list[Wanted]:
    """The wanted figures with nothing typed for them."""
    return [w for w in wanted if not str(entered.get(w.key, "")).strip()]


def named_figures(wanted: Sequence[Wanted], given: Iterable[str], field: str = "--figure") -> dict[tuple[int, Kind], str]:
    """Figures given as "NAME=FIGURE" (the command line's ``--figure``): NAME is the line number
    or the line's name as the worksheet prints it ("1=2.526 g", "Lidocaine HCl=2.526 g",
    "lidocaine hcl=50 mg/g"); the figure's unit says which of the line's figures it is."""
    by_name: dict[str, int] = {}
    for w in wanted:
        by_name[str(w.position)] = w.position
        by_name[" ".join(w.name.casefold().split())] = w.position
    kinds = {w.key for w in wanted}
    found: dict[tuple[int, Kind], str] = {}
    for item in given:
        name, sep, figure = item.rpartition("=")
        if not sep or not name.strip() or not figure.strip():
            raise InputError(field, f"{item!r}: give NAME=FIGURE, e.g. \"1=2.526 g\" or \"Lidocaine HCl=50 mg/g\"")
        key = " ".join(name.casefold().split())
        if key not in by_name:
            names = ", ".join(sorted({f"{w.position} ({w.name})" for w in wanted}))
            raise InputError(field, f"{item!r}: no line {name.strip()!r} is asked; give one of {names}")
        kind = kind_of(figure_quantity(figure, field))
        position = by_name[key]
        if (position, kind) not in kinds:
            raise InputError(field, f"{item!r}: the check asks no {WORDS[kind]} of line {position}")
        if (position, kind) in found:
            raise InputError(field, f"{item!r}: line {position}'s {WORDS[kind]} is given twice")
        found[(position, kind)] = figure.strip()
    return found


def _example(kind: Kind) -> str:
    return {"grams": "2.526 g", "mg/g": "50 mg/g", "mg/click": "7.49 mg/click"}[kind]
