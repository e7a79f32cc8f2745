"""Each quality log as a ``LogTable`` (``compounder.calc.log_table``): the screen's table and the
printed report's, from one place."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from compounder.calc.log_table import LogTable
from compounder.records import quality_balance, quality_logs

KINDS = ("balance", "equipment", "competency", "complaints", "sops")


def _period(since: dt.date | None, until: dt.date | None) -> str:
    if since is None and until is None:
        return "every entry"
    return f"{since.isoformat() if since else 'the first entry'} to {until.isoformat() if until else 'today'}"


def _grams(value) -> str:
    return f"{value:f} g"


def balance_table(session: Session, today: dt.date, *, since: dt.date | None = None, until: dt.date | None = None) -> LogTable:
    states = quality_balance.balance_states(session, today)
    notices: list[str] = []
    if not states:
        notices.append("no balance is registered: weights are not held to a daily check until a pharmacist registers the pharmacy's balances")
    for state in states:
        if state.active and state.refusal:
            notices.append(f"WEIGHING BLOCKED — {state.refusal}")
        notices.extend(state.warnings if state.active else ())
    rows = []
    for check in quality_balance.checks(session, since=since, until=until):
        for index, weight in enumerate(check.weights):
            first = index == 0
            rows.append((
                check.checked_on.isoformat() if first else "", check.code if first else "", weight.weight, _grams(weight.nominal_g),
                _grams(weight.read_g), f"{weight.deviation_percent:+f} %", f"± {check.tolerance_percent:f} %",
                ("pass" if weight.passed else "FAIL"), (check.by if first else ""), ((check.note or "") if first else ""),
            ))
    balances = "; ".join(
        f"{s.code} {s.name} (± {s.tolerance_percent:f} %, calibration due {s.calibration_due or '—'}, certificate due {s.certificate_due or '—'}"
        f"{', retired' if not s.active else ''})" for s in states
    )
    return LogTable(
        "Balance log — daily verification with test weights", f"{_period(since, until)}. Balances: {balances or 'none registered'}",
        ("Date", "Balance", "Test weight", "Value", "Read", "Deviation", "Tolerance", "Result", "Checked by", "Note"), tuple(rows),
        tuple(notices), wide=(2, 9),
    )


def equipment_table(session: Session, today: dt.date, *, since: dt.date | None = None, until: dt.date | None = None) -> LogTable:
    rows = tuple(
        (r.done_on.isoformat(), r.equipment, r.kind, r.note, r.by) for r in quality_logs.equipment_log(session, since=since)
        if until is None or r.done_on <= until
    )
    return LogTable("Equipment and cleaning log", _period(since, until), ("Date", "Equipment", "Kind", "What was done", "By"), rows, wide=(3,))


def competency_table(session: Session, today: dt.date, **_period_given) -> LogTable:
    rows, notices = [], []
    for c in quality_logs.competencies(session):
        state = "current" if c.assessed_on <= today <= c.valid_until else ("lapsed" if c.valid_until < today else "not yet")
        rows.append((c.person, c.username, c.dosage_form, c.assessed_on.isoformat(), c.valid_until.isoformat(), state, c.assessor, c.note or ""))
    rule = quality_logs.competency_rule(session)
    notices.append({"off": "the pharmacy's competency rule is off: a preparer's signature does not look at this log",
                    "warn": "the pharmacy's competency rule warns a preparer signing without a current competency for the dosage form",
                    "refuse": "the pharmacy's competency rule refuses a preparer's signature without a current competency for the dosage form"}[rule])
    return LogTable("Training and competency", f"as of {today.isoformat()}",
                    ("Person", "User", "Dosage form", "Assessed", "Valid until", "State", "Assessed by", "Note"), tuple(rows), tuple(notices), wide=(7,))


def complaints_table(session: Session, today: dt.date, **_period_given) -> LogTable:
    found = quality_logs.complaints(session)
    rows = tuple(
        (str(c.id), c.received_on.isoformat(), c.kind + (" (serious)" if c.serious else ""), c.batch_number or "—", c.reported_by, c.description,
         c.medwatch_on.isoformat() if c.medwatch_on else ("DUE" if c.reminder else "—"), c.outcome or "open", c.recorded_by)
        for c in found
    )
    notices = tuple(f"no. {c.id} ({c.received_on.isoformat()}): {c.reminder}" for c in found if c.reminder)
    return LogTable("Complaints and adverse events", f"as of {today.isoformat()}",
                    ("No.", "Received", "Kind", "Batch", "Reported by", "Description", "MedWatch", "Outcome", "Recorded by"), rows, notices, wide=(5, 7))


def sops_table(session: Session, today: dt.date, **_period_given) -> LogTable:
    found = quality_logs.sops(session)
    rows = tuple(
        (s.code, s.title, s.version, s.effective_on.isoformat(), s.review_due.isoformat(),
         "overdue" if s.review_due < today else ("due soon" if quality_logs.sop_warning(s, today) else "in force"), s.recorded_by)
        for s in found
    )
    return LogTable("SOP register", f"as of {today.isoformat()}", ("Code", "Title", "Version", "In force from", "Review due", "State", "Recorded by"),
                    rows, tuple(quality_logs.sop_warnings(session, today)), wide=(1,))


def log_table(session: Session, kind: str, today: dt.date, *, since: dt.date | None = None, until: dt.date | None = None) -> LogTable:
    """The ``kind`` log (one of ``KINDS``) as of ``today``."""
    builders = {"balance": balance_table, "equipment": equipment_table, "competency": competency_table, "complaints": complaints_table, "sops": sops_table}
    if kind not in builders:
        raise ValueError(f"no quality log {kind!r}; one of {', '.join(KINDS)}")
    return builders[kind](session, today, since=since, until=until)
