"""The compounding worksheet as printed from the window: what to weigh, how, doses, findings,
beyond-use date. Plain HTML into a ``QTextDocument``; the numbers are the engine's.

(The PDF worksheet and label are ``compounder.documents``' job; this is the bench printout.)
"""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QTextDocument

from compounder.calc import BatchPlan
from compounder.calc.units import format_quantity
from compounder.calc.weighing import format_grams


def worksheet_html(plan: BatchPlan) -> str:
    formula = plan.formula
    rows = []
    for line in plan.lines:
        strength = format_quantity(line.strength) if line.strength is not None else "q.s."
        rows.append(
            "<tr>"
            f"<td>{escape(line.name)}</td><td>{escape(line.written_as or '')}</td><td>{escape(strength)}</td>"
            f"<td>{escape(line.lot or '')}</td><td>{line.expires.isoformat() if line.expires else ''}</td>"
            f"<td align='right'><tt>{format_grams(line.grams, plan.balance)}</tt></td><td>______</td>"
            "</tr>"
        )
    rows.append(f"<tr><td colspan='5'><b>Total</b></td><td align='right'><tt><b>{format_grams(plan.total, plan.balance)}</b></tt></td><td></td></tr>")
    trail = "".join(f"<li><b>{escape(line.name)}</b>: {escape('; '.join(s.text for s in line.trail))}</li>" for line in plan.lines)
    findings = "".join(f"<li><b>{f.severity.value.upper()}</b> {escape(f.message)}</li>" for f in plan.findings) or "<li>none</li>"
    bud = plan.bud
    bud_html = f"<p><b>Beyond-use date:</b> {bud.date.isoformat()} ({bud.days} days). {escape(bud.reason)}. {escape(bud.storage)}.</p>" if bud else ""
    directions = formula.directions
    directions_html = (
        f"<p><b>Directions:</b> apply {format_quantity(directions.amount)} {directions.times_per_day:g} times a day"
        f"{' to ' + escape(directions.area) if directions.area else ''}.</p>" if directions else ""
    )
    return (
        f"<h2>{escape(formula.name or 'Compounding worksheet')}</h2>"
        f"<p>Batch {format_quantity(formula.quantity)} in {escape(formula.base)}; prepare {plan.prepared.to('g').magnitude:.3f} g. "
        f"Balance: {escape(plan.balance.name)}. Compounded on "
        f"{formula.compounded_on.isoformat() if formula.compounded_on else '__________'}.</p>"
        "<table border='1' cellspacing='0' cellpadding='3' width='100%'>"
        "<tr><th>Weigh</th><th>Written as</th><th>Strength</th><th>Lot</th><th>Expires</th><th>Grams</th><th>Weighed / initials</th></tr>"
        + "".join(rows) + "</table>"
        f"{directions_html}{bud_html}<h3>Calculation</h3><ul>{trail}</ul><h3>Findings</h3><ul>{findings}</ul>"
    )


def worksheet_document(plan: BatchPlan) -> QTextDocument:
    document = QTextDocument()
    document.setHtml(worksheet_html(plan))
    return document
