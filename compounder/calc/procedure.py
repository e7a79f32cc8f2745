"""How to make the batch, and how to check it: compounding steps and quality-control checks.

The master formula's own steps replace the defaults when it gives them. The defaults follow the
base and the actives: solids are reduced and levigated to a smooth paste with the formula's
levigating agent (or a little of the base when it lists none), worked into the base by
geometric dilution, mixed until uniform, weighed and packed into the chosen container.

Camphor with menthol, thymol or phenol is the exception to "reduce to a fine powder": together
they liquefy (a eutectic mixture, e.g. "Eutectics in Pharmacy Curriculum", Qatar University;
US Pharmacist formulas mix menthol and thymol "to form a liquid"), so they are triturated together
first and the liquid wets the other powders.

The final-weight check needs an accepted range. No source gives one figure for every pharmacy,
so it is the pharmacy's setting (its SOP); until it is set the range is left for the pharmacist
to fill in, and the sheet says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from compounder.calc.balance_grams import format_grams
from compounder.calc.catalog import Catalog
from compounder.calc.model import BatchPlan
from compounder.calc.prescription import Order
from compounder.calc.units import Quantity, format_quantity


@dataclass(frozen=True)
class Check:
    """A quality-control check with what it must show; the result is written on the sheet."""

    name: str
    specification: str


def _names(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# Crystalline actives that liquefy when triturated together (camphor with menthol, thymol or phenol).
EUTECTIC_FORMERS = ("camphor", "menthol", "thymol", "phenol")


def _eutectic(names: list[str], catalog: Catalog) -> list[str]:
    """The solids of ``names`` that liquefy together: two or more eutectic formers, one of them camphor
    or menthol; else none."""
    formers = [name for name in names if catalog.form(name, "stock").substance in EUTECTIC_FORMERS]
    substances = {catalog.form(name, "stock").substance for name in formers}
    return formers if len(substances) >= 2 and substances & {"camphor", "menthol"} else []


def default_steps(plan: BatchPlan, order: Order, catalog: Catalog) -> tuple[str, ...]:
    base = catalog.base(plan.formula.base)
    balance = plan.balance
    weighed = [line for line in plan.lines if line.role != "base"]
    solids = [line.name for line in weighed if catalog.form(line.name, "stock").is_solid]
    levigating = [
        line.name for line in weighed if line.role == "excipient" and catalog.form(line.name, "stock").excipient_role == "levigating agent"
    ]
    liquids = [line.name for line in weighed if not catalog.form(line.name, "stock").is_solid and line.name not in levigating]
    small = [line for line in weighed if line.aliquot is not None]

    steps = [
        f"Check each component against this record (name, lot, expiry) and set up the {balance.name}; "
        "tare it before each weighing.",
        "Weigh each component in the order listed; write the actual weight and initial each line.",
    ]
    if small:
        steps.append(
            f"Make the aliquots shown in the ingredient table for {_names([line.name for line in small])} "
            "(each below the balance's minimum weighable quantity)."
        )
    eutectic = _eutectic(solids, catalog)
    powders = [name for name in solids if name not in eutectic]
    agent = _names(levigating) if levigating else f"a small portion of the {base.name}"
    oleaginous = base.dosage_form == "ointment" and base.contains_water is not None and not base.contains_water.value
    kind = "an oil-miscible agent" if oleaginous else "a water-miscible agent"
    if eutectic:
        steps.append(
            f"Triturate {_names(eutectic)} together in a mortar until they liquefy (a eutectic mixture); "
            f"do not reduce them to a powder. Use the liquid to wet the {'other powders' if powders else 'base portion'}."
        )
    if powders:
        wet = "wet with the liquefied " + _names(eutectic) + ", " if eutectic else ""
        steps.append(
            f"Reduce {_names(powders)} to a fine powder in a mortar, then {wet}levigate with {agent} "
            f"to a smooth paste with no visible particles ({base.dosage_form} base: use {kind})."
        )
    elif eutectic:
        steps.append(f"Mix the liquid with {agent} to a smooth paste ({base.dosage_form} base: use {kind}).")
    elif levigating:
        steps.append(f"Mix {_names(levigating)} with a small portion of the {base.name}.")
    if liquids:
        steps.append(f"Add {_names(liquids)} to the paste and mix.")
    steps.append(
        f"Incorporate the {'paste' if solids or levigating else 'ingredients'} into the {base.name} by geometric dilution: "
        f"add an equal amount of base, mix until uniform, and repeat until all of the base is added."
    )
    steps.append(f"Mix until the {base.dosage_form} is smooth and uniform in colour and texture.")
    steps.append(f"Weigh the finished preparation and record it under quality control ({_g(plan.prepared, plan)} g prepared).")
    container = order.container.name if order.container else "the container the prescription calls for"
    quantity = order.prescription.quantity or plan.formula.quantity
    steps.append(f"Pack {format_quantity(quantity, 6)} into {container}, close it and attach the patient label.")
    return tuple(steps)


def aliquot_text(name: str, scheme, base: str, balance) -> str:
    """The aliquot procedure in the balance's digits, with the base it carries into the batch
    taken off the base line."""

    def g(quantity) -> str:
        return f"{format_grams(quantity, balance)} g"

    return (
        f"{name} is below the balance's minimum weighable quantity: weigh {g(scheme.weigh)} {name} "
        f"({scheme.multiple} × {g(scheme.needed)}), mix with {g(scheme.diluent)} {base} to {g(scheme.mixture)}, "
        f"and weigh {g(scheme.portion)} of the mixture (holds {g(scheme.needed)} {name}) into the batch. "
        f"The portion carries {g(scheme.carried)} {base}, already taken off the {base} line."
    )


def steps(plan: BatchPlan, order: Order, catalog: Catalog) -> tuple[str, ...]:
    """The master formula's steps when it gives them, else the defaults for this base and these actives."""
    return order.steps or default_steps(plan, order, catalog)


def checks(plan: BatchPlan, order: Order, catalog: Catalog, tolerance: Quantity | None) -> tuple[Check, ...]:
    base = catalog.base(plan.formula.base)
    prepared = plan.prepared.to("g")
    if tolerance is None:
        weight = (
            f"theoretical {_g(prepared, plan)} g; accepted range ______ to ______ g "
            "(no tolerance set in the pharmacy settings: apply the SOP)"
        )
    else:
        fraction = tolerance.to("dimensionless").magnitude
        low, high = prepared * (1 - fraction), prepared * (1 + fraction)
        weight = (
            f"theoretical {_g(prepared, plan)} g; accepted {_g(low, plan)} to {_g(high, plan)} g "
            f"(± {format_quantity(tolerance.to('percent'), 4)}, pharmacy setting)"
        )
    quantity = order.prescription.quantity or plan.formula.quantity
    found = [
        Check("Appearance", f"smooth, uniform {base.dosage_form}; no visible particles, grit or separation"),
        Check("Final weight", weight),
        Check("Quantity packed", f"not less than {format_quantity(quantity, 6)} in the container"),
        Check("Label", "label checked against this record: patient, Rx number, actives and strengths, lot, beyond-use date"),
    ]
    found.extend(Check(text, "as the master formula specifies") for text in order.checks)
    return tuple(found)


def _g(quantity: Quantity, plan: BatchPlan) -> str:
    return format_grams(quantity, plan.balance)
