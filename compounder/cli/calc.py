"""``calc``: a formula file computed, as text or JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any, TextIO

from compounder.calc import BatchPlan, Catalog, evaluate, parse_formula
from compounder.calc.balance_grams import decimals, format_grams
from compounder.calc.plan_data import plan_to_json
from compounder.calc.units import format_quantity
from compounder.cli.dates import compounding_date_note
from compounder.cli.errors import EXIT_FINDINGS, EXIT_OK, one_line
from compounder.cli.inputs import date_argument, read_formula_file


def evaluate_file(data: Any, formula, catalog: Catalog, today: dt.date, max_excess=None) -> BatchPlan:
    """Evaluate a formula file's formula, screened for its ``patient`` when it has one."""
    from compounder.calc.patient import screening_inputs

    inputs = screening_inputs(data, catalog)
    return evaluate(
        formula, catalog, today, inputs.patient, dispensed=inputs.dispensed, refills=inputs.refills, max_excess=max_excess,
        order=inputs.order,
    )


def calc_command(args: argparse.Namespace, catalog: Catalog, today: dt.date, out: TextIO, err: TextIO) -> int:
    data = read_formula_file(args.file)
    formula = parse_formula(data)
    today = date_argument(args.date, today)
    plan = evaluate_file(data, formula, catalog, today)
    if note := compounding_date_note(formula, formula.compounded_on or today, args.date is not None, args.file):
        print(one_line(note), file=err)
    if args.json:
        json.dump(plan_to_json(plan), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(plan_to_text(plan))
    return EXIT_FINDINGS if plan.has_errors else EXIT_OK


def plan_to_text(plan: BatchPlan) -> str:
    digits = decimals(plan.balance)
    title = plan.formula.name or "Formula"
    rows = [f"{title}: {format_quantity(plan.formula.quantity)} (prepare {plan.prepared.to('g').magnitude:.3f} g)", ""]
    header = f"{'Weigh':<44} {'Written as':<28} {'Strength':>10} {'Grams':>12}"
    rows += [header, "-" * len(header)]
    for line in plan.lines:
        grams = format_grams(line.grams, plan.balance)
        strength = format_quantity(line.strength) if line.strength is not None else "q.s."
        rows.append(f"{line.name:<44} {line.written_as or '':<28} {strength:>10} {grams:>12}")
        if line.aliquot is not None:
            rows.append(f"  aliquot: {line.aliquot.describe(line.name, plan.base_line.name)}; its base is taken off the base line")
    rows.append("-" * len(header))
    rows.append(f"{'Total':<44} {'':<28} {'':>10} {plan.total.to('g').magnitude:>12.{digits}f}")
    readability = f"readability {format_quantity(plan.balance.readability.value, 4)}"
    rows.append(f"Balance: {plan.balance.name}" + ("" if readability in plan.balance.name else f" ({readability})"))
    rows.append("")
    for line in plan.lines:
        if line.doses is not None:
            d = line.doses
            parts = [f"{d.per_gram.to('mg/g').magnitude:.2f} mg/g"]
            parts.append(f"{d.per_click.to('mg').magnitude:.2f} mg/click" if d.per_click is not None else "mg/click unknown (no density)")
            if d.per_day is not None:
                parts.append(f"{d.per_day.to('mg/day').magnitude:.1f} mg/day")
            rows.append(f"{line.written_as}: " + ", ".join(parts))
    rows.append("")
    rows.append("Calculation")
    for line in plan.lines:
        rows.append(f"  {line.name}: " + "; ".join(step.text for step in line.trail))
    if plan.bud is not None:
        rows += ["", f"Beyond-use date: {plan.bud.date.isoformat()} ({plan.bud.days} days) — {plan.bud.reason}", f"Storage: {plan.bud.storage}"]
    rows.append("")
    if plan.findings:
        rows.append("Findings")
        for f in plan.findings:
            rows.append(f"  {f.severity.value.upper():<8} {f.code}: {f.message}")
    else:
        rows.append("Findings: none")
    return "\n".join(rows) + "\n"

