"""Controlled substances: the refills and the time a prescription may be filled within, by DEA
schedule (21 CFR 1306.12 for Schedule II, 1306.22 for III and IV), from the reference data.

These are federal law, not clinical judgement: a finding here is corrected (a new prescription
from the prescriber), never overridden.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator

from compounder.calc.catalog import Catalog
from compounder.calc.model import BatchPlan, Finding, Severity, Substance
from compounder.calc.prescription import Order

_ROMAN = {"CI": "I", "CII": "II", "CIII": "III", "CIV": "IV", "CV": "V"}


def controlled_actives(plan: BatchPlan, catalog: Catalog) -> dict[str, Substance]:
    """The plan's controlled actives by name, in line order."""
    found: dict[str, Substance] = {}
    for line in plan.lines:
        substance = catalog.substance(line.substance) if line.role == "active" and line.substance else None
        if substance is not None and substance.controlled_schedule is not None:
            found.setdefault(substance.name, substance)
    return found


def schedule_mark(catalog: Catalog, form_name: str) -> str | None:
    """"C-III" for a stock form of a controlled substance (a lot label's mark), else ``None``;
    a name not on file has no mark (the lot's own record keeps what was received)."""
    from compounder.calc.errors import InputError

    try:
        form = catalog.form(form_name, "stock form")
    except InputError:
        return None
    substance = catalog.substance(form.substance)
    if substance is None or substance.controlled_schedule is None:
        return None
    return f"C-{_ROMAN[substance.controlled_schedule.value]}"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day where it has no such day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_controlled(plan: BatchPlan, order: Order, catalog: Catalog, filled_on: dt.date) -> Iterator[Finding]:
    """Refills above the schedule's limit, a fill past the months it allows, and a prescription
    whose written date, needed for that check, is missing."""
    rx = order.prescription
    for name, substance in controlled_actives(plan, catalog).items():
        assert substance.controlled_schedule is not None, "controlled_actives keeps only scheduled actives"
        schedule = substance.controlled_schedule.value
        mark = f"C-{_ROMAN[schedule]}"
        for limit in catalog.controlled_limits:
            if schedule not in limit.schedules:
                continue
            cite = f" ({limit.source.cite()})" if limit.source else ""
            if rx.refills is not None and rx.refills > limit.max_refills:
                allowed = "no refills" if limit.max_refills == 0 else f"at most {limit.max_refills} refills"
                yield Finding(
                    Severity.ERROR,
                    "CONTROLLED_REFILLS",
                    f"prescription.refills: {rx.refills} for {name} ({mark}); federal law allows {allowed}{cite}; "
                    "correct the refills as the prescription allows, or ask the prescriber for a new prescription",
                )
            if limit.fill_within_months is None:
                continue
            if rx.written_on is None:
                if rx.patient is not None or rx.refills is not None:
                    yield Finding(
                        Severity.ERROR,
                        "CONTROLLED_WRITTEN_ON_MISSING",
                        f"prescription.written_on: missing; {name} is {mark}, and a {mark} prescription may not be filled more "
                        f"than {limit.fill_within_months} months after it was written{cite}; give the date it was written",
                    )
                continue
            last = add_months(rx.written_on, limit.fill_within_months)
            if filled_on > last:
                yield Finding(
                    Severity.ERROR,
                    "CONTROLLED_PRESCRIPTION_EXPIRED",
                    f"prescription.written_on: {rx.written_on.isoformat()} + {limit.fill_within_months} months = "
                    f"{last.isoformat()}, before this fill on {filled_on.isoformat()}; a {mark} prescription ({name}) may not "
                    f"be filled or refilled after that{cite}; ask the prescriber for a new prescription",
                )
