"""A batch plan as JSON-ready data: what `compounder calc --json` prints and what a batch record
stores, frozen, as printed on its worksheet.

Grams are exact (to the nanogram) alongside their rounding to the balance and its printed text
(``calc.balance_grams`` says why they are JSON numbers and how they are read back); doses are in mg.
"""

from __future__ import annotations

from typing import Any

from compounder.calc.balance_grams import format_grams, plan_number, rounded_grams
from compounder.calc.model import BatchPlan
from compounder.calc.units import format_quantity


def plan_to_json(plan: BatchPlan) -> dict[str, Any]:
    readability = plan.balance.readability.value.to("g").magnitude

    def mg(quantity) -> float | None:
        return None if quantity is None else round(quantity.to("mg").magnitude, 6)

    lines = []
    for line in plan.lines:
        item: dict[str, Any] = {
            "name": line.name,
            "role": line.role,
            "grams": plan_number(line.grams),
            "grams_rounded": float(rounded_grams(line.grams, plan.balance)),
            "grams_display": format_grams(line.grams, plan.balance),
            "trail": [step.text for step in line.trail],
        }
        if line.written_as is not None:
            if line.strength is None:  # compute sets both on every active and excipient line
                raise ValueError(f"{line.name!r} has a written form and no strength")
            item["written_as"] = line.written_as
            item["strength"] = format_quantity(line.strength, 6)
            item["salt_factor"] = line.salt_factor
        if line.potency is not None:
            item["potency"] = format_quantity(line.potency.to("percent"), 4)
        if line.lot is not None:
            item["lot"] = line.lot
        if line.expires is not None:
            item["expires"] = line.expires.isoformat()
        if line.aliquot is not None:
            a = line.aliquot
            item["aliquot"] = {
                key: plan_number(getattr(a, key)) for key in ("needed", "weigh", "diluent", "mixture", "portion", "carried")
            } | {"multiple": a.multiple}
        if line.doses is not None:
            item["mg_per_g"] = round(line.doses.per_gram.to("mg/g").magnitude, 6)
            item["mg_per_click"] = mg(line.doses.per_click)
            item["mg_per_day"] = None if line.doses.per_day is None else round(line.doses.per_day.to("mg/day").magnitude, 6)
        lines.append(item)
    bud = plan.bud
    return {
        "name": plan.formula.name,
        "batch": {
            "quantity": format_quantity(plan.formula.quantity, 6),
            "labelled_grams": plan_number(plan.labelled),
            "prepared_grams": plan_number(plan.prepared),
            "density": format_quantity(plan.density, 4) if plan.density is not None else None,
            "density_source": plan.density_source,
        },
        "balance": {
            "name": plan.balance.name,
            "readability_grams": readability,
            "minimum_weighable_grams": plan.balance.minimum_weighable.value.to("g").magnitude,
            "minimum_weighable_source": plan.balance.minimum_weighable.source.cite() if plan.balance.minimum_weighable.source else None,
        },
        "lines": lines,
        "total_grams": plan_number(plan.total),
        "findings": [
            {
                "severity": f.severity.value,
                "code": f.code,
                "message": f.message,
                "line": f.line,
                **({"source": f.source.cite()} if f.source else {}),
                **({"patient": True} if f.patient else {}),  # a patient finding: its error may be overridden
            }
            for f in plan.findings
        ],
        "bud": None
        if bud is None
        else {
            "date": bud.date.isoformat(),
            "days": bud.days,
            "reason": bud.reason,
            "storage": bud.storage,
            "category": bud.category,
            "source": bud.source.cite() if bud.source else None,
        },
    }
