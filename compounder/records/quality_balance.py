"""The balance log: the pharmacy's registered balances, each day's verification with test
weights, and the rule it puts on weighing (issue 25).

Criteria. USP <41> "Balances" asks that a balance used to weigh accurately be checked for
accuracy with a test weight, and finds it satisfactory when the reading is within 0.10 % of the
test weight's value (a test weight between 5 % and 100 % of the balance's capacity); USP <1251>
(informational) leaves the routine checks' frequency and limits to the user's SOP, and USP
<1176> says prescription balances "should be calibrated or verified and tested frequently using
appropriate test weights" (see docs/quality-logs.md for the sources). Compounder therefore
takes the limit from the pharmacy: each registered balance carries the tolerance its SOP sets
(in percent of the test weight), and invents none.

The rule. A balance is named by its ``code``: the ID it sends with each reading (the station's
configured balance ID), the same ID a typed weight names. Once the pharmacy has registered a
balance, every weight recorded (read or typed, at the station, in the batch dialog or on the
command line) must name a registered, active balance whose latest check of the day passed and
whose calibration is not overdue; otherwise it is refused, saying what to do. A pharmacy that
has registered no balance weighs as before: it has not started the log, and the balance log
screen and ``compounder logs balance status`` say that no weight is held to a daily check.
Calibration and certificate due dates warn ``WARN_DAYS`` ahead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from compounder.calc.balance_grams import to_grams, to_ug
from compounder.records import audit
from compounder.records.model_quality import Balance, BalanceCheck, BalanceCheckWeight
from compounder.records.people import current_actor, full_name
from compounder.records.policy import Actor, PermissionRefused, RecordError, Role, parse_weight

#: How many days ahead a calibration or certificate due date is announced.
WARN_DAYS = 30
MAX_TOLERANCE = Decimal("10")


@dataclass(frozen=True)
class TestWeight:
    """One test weight as the person checking typed it: which weight, its value, the reading."""

    __test__ = False  # not a pytest class

    weight: str
    nominal: str | Decimal
    read: str | Decimal


@dataclass(frozen=True)
class WeightResult:
    weight: str
    nominal_g: Decimal
    read_g: Decimal
    deviation_percent: Decimal
    passed: bool


@dataclass(frozen=True)
class CheckRecord:
    id: int
    code: str
    checked_on: dt.date
    checked_at: dt.datetime
    by: str
    tolerance_percent: Decimal
    passed: bool
    note: str | None
    weights: tuple[WeightResult, ...]


@dataclass(frozen=True)
class BalanceState:
    """A registered balance today: whether it may record weights, and why not; the warnings."""

    code: str
    name: str
    tolerance_percent: Decimal
    calibration_due: dt.date | None
    certificate_due: dt.date | None
    active: bool
    last_check: CheckRecord | None
    may_weigh: bool
    refusal: str | None
    warnings: tuple[str, ...]


def _may_register(actor: Actor) -> None:
    if actor.role is Role.TECHNICIAN:
        raise PermissionRefused(f"{actor.username} is a technician: a pharmacist or an administrator registers a balance")


def _tolerance(value: str | Decimal) -> Decimal:
    try:
        tolerance = Decimal(str(value).strip().removesuffix("%").strip())
    except ArithmeticError:
        raise RecordError(f"daily-check tolerance: {value!r} is not a number; give the percent the pharmacy's SOP sets, e.g. 0.1") from None
    if not tolerance.is_finite() or not Decimal(0) < tolerance <= MAX_TOLERANCE:
        raise RecordError(f"daily-check tolerance: {value!r}; give the percent the pharmacy's SOP sets, more than 0 and at most {MAX_TOLERANCE}")
    return tolerance


def _code(code: str) -> str:
    code = code.strip()
    if not code or len(code) > 64:
        raise RecordError("balance ID: give the ID the balance sends with its readings (the station's balance ID), 1 to 64 characters")
    return code


def register_balance(
    session: Session, actor: Actor, code: str, name: str, tolerance_percent: str | Decimal, now: dt.datetime, *,
    calibration_due: dt.date | None = None, certificate_due: dt.date | None = None,
) -> BalanceState:
    """Register a balance (or change a registered one's name, tolerance and due dates)."""
    actor = current_actor(session, actor)
    _may_register(actor)
    code, name = _code(code), name.strip()
    if not name:
        raise RecordError("balance name: say which balance it is, e.g. 'Ohaus Pioneer PX224, bench 2'")
    tolerance = _tolerance(tolerance_percent)
    row = session.scalar(select(Balance).where(Balance.code == code).with_for_update())
    old = audit.snapshot(session, "balance", row.id) if row is not None else None
    if row is None:
        row = Balance(code=code, created_at=now, created_by=actor.id, active=True, name=name, tolerance_percent=tolerance)
        session.add(row)
    row.name, row.tolerance_percent, row.active = name, tolerance, True
    row.calibration_due, row.certificate_due = calibration_due, certificate_due
    session.flush()
    audit.record(session, actor, "register balance" if old is None else "change balance", "balance", row.id, old, now)
    return balance_state(session, code, now.astimezone().date())


def retire_balance(session: Session, actor: Actor, code: str, now: dt.datetime) -> None:
    """A balance taken out of use: weights naming it are refused from now on."""
    actor = current_actor(session, actor)
    _may_register(actor)
    row = _balance(session, code)
    old = audit.snapshot(session, "balance", row.id)
    row.active = False
    audit.record(session, actor, "retire balance", "balance", row.id, old, now)


def _balance(session: Session, code: str) -> Balance:
    row = session.scalar(select(Balance).where(Balance.code == code.strip()))
    if row is None:
        raise RecordError(f"no balance {code.strip()!r} is registered; registered: {', '.join(codes(session)) or 'none'}")
    return row


def codes(session: Session) -> list[str]:
    return list(session.scalars(select(Balance.code).where(Balance.active.is_(True)).order_by(Balance.code)))


def deviation_percent(nominal: Decimal, read: Decimal) -> Decimal:
    """(read − nominal) / nominal × 100, to 4 decimals (half to even)."""
    return ((read - nominal) / nominal * 100).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)


def record_check(
    session: Session, actor: Actor, code: str, weights: Sequence[TestWeight], on: dt.date, now: dt.datetime, *, note: str | None = None,
) -> CheckRecord:
    """Record the day's check of a balance: each test weight's value and reading; it passes when
    every reading is within the balance's tolerance of its value. A failed check is recorded
    too (and then blocks the balance until a check passes)."""
    actor = current_actor(session, actor)
    row = _balance(session, code)
    if not row.active:
        raise RecordError(f"balance {row.code} is retired; register it again before checking it")
    if on != now.astimezone().date():
        raise RecordError(f"a balance check is recorded on the day it is made ({now.astimezone().date().isoformat()}), not for {on.isoformat()}")
    if not weights:
        raise RecordError("test weights: record at least one test weight with its value and the reading")
    results = []
    for index, given in enumerate(weights, start=1):
        label = given.weight.strip()
        if not label:
            raise RecordError(f"test weight {index}: say which weight it is (its value, class and serial or certificate)")
        try:
            nominal, read = parse_weight(given.nominal), parse_weight(given.read)
        except RecordError as error:
            raise RecordError(f"test weight {index} ({label}): {error}") from None
        if nominal <= 0:
            raise RecordError(f"test weight {index} ({label}): its value is more than 0 g (as on its certificate)")
        found = deviation_percent(nominal, read)
        results.append(WeightResult(label, nominal, read, found, abs(found) <= row.tolerance_percent))
    check = BalanceCheck(
        balance_id=row.id, checked_on=on, checked_at=now, user_id=actor.id, tolerance_percent=row.tolerance_percent,
        passed=all(r.passed for r in results), note=(note or "").strip() or None,
    )
    session.add(check)
    session.flush()
    audit.record(session, actor, "balance check", "balance_check", check.id, None, now)
    for result in results:
        weight = BalanceCheckWeight(
            check_id=check.id, weight=result.weight, nominal_ug=to_ug(result.nominal_g), read_ug=to_ug(result.read_g),
            deviation_percent=result.deviation_percent, passed=result.passed,
        )
        session.add(weight)
        session.flush()
        audit.record(session, actor, "balance check weight", "balance_check_weight", weight.id, None, now)
    return _check_record(session, row, check)


def _check_record(session: Session, balance: Balance, check: BalanceCheck) -> CheckRecord:
    weights = session.scalars(select(BalanceCheckWeight).where(BalanceCheckWeight.check_id == check.id).order_by(BalanceCheckWeight.id))
    return CheckRecord(
        check.id, balance.code, check.checked_on, check.checked_at, full_name(session, check.user_id) or "?", check.tolerance_percent, check.passed,
        check.note, tuple(WeightResult(w.weight, to_grams(w.nominal_ug), to_grams(w.read_ug), w.deviation_percent, w.passed) for w in weights),
    )


def checks(session: Session, code: str | None = None, *, since: dt.date | None = None, until: dt.date | None = None) -> list[CheckRecord]:
    """The checks recorded, oldest first (of one balance when ``code`` is given)."""
    query = select(Balance, BalanceCheck).join(BalanceCheck, BalanceCheck.balance_id == Balance.id)
    if code is not None:
        query = query.where(Balance.code == _balance(session, code).code)
    if since is not None:
        query = query.where(BalanceCheck.checked_on >= since)
    if until is not None:
        query = query.where(BalanceCheck.checked_on <= until)
    return [_check_record(session, b, c) for b, c in session.execute(query.order_by(BalanceCheck.checked_on, BalanceCheck.id))]


def _state(session: Session, row: Balance, today: dt.date) -> BalanceState:
    latest = session.scalar(select(BalanceCheck).where(BalanceCheck.balance_id == row.id).order_by(BalanceCheck.id.desc()).limit(1))
    last = _check_record(session, row, latest) if latest is not None else None
    refusal = None
    if not row.active:
        refusal = f"balance {row.code} is retired"
    elif row.calibration_due is not None and row.calibration_due < today:
        refusal = f"balance {row.code}: calibration was due {row.calibration_due.isoformat()}; have it calibrated and enter the next due date"
    elif last is None or last.checked_on != today:
        refusal = f"balance {row.code}: today's check with test weights is due; record it in the balance log before weighing"
    elif not last.passed:
        refusal = f"balance {row.code} failed today's check; it records no weight until a check passes"
    warnings = []
    for what, due in (("calibration", row.calibration_due), ("calibration certificate", row.certificate_due)):
        if due is None:
            warnings.append(f"balance {row.code}: no {what} due date recorded")
        elif due < today:
            warnings.append(f"balance {row.code}: {what} overdue since {due.isoformat()}")
        elif (due - today).days <= WARN_DAYS:
            warnings.append(f"balance {row.code}: {what} due {due.isoformat()} (in {(due - today).days} days)")
    return BalanceState(
        row.code, row.name, row.tolerance_percent, row.calibration_due, row.certificate_due, row.active, last, refusal is None, refusal,
        tuple(warnings),
    )


def balance_state(session: Session, code: str, today: dt.date) -> BalanceState:
    return _state(session, _balance(session, code), today)


def balance_states(session: Session, today: dt.date) -> list[BalanceState]:
    """Every registered balance (active first), as it stands today."""
    rows = session.scalars(select(Balance).order_by(Balance.active.desc(), Balance.code))
    return [_state(session, row, today) for row in rows]


def any_registered(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Balance)))


def refuse_unless_checked(session: Session, balance_code: str | None, now: dt.datetime, what: str) -> None:
    """The weighing rule (module docstring): nothing when the pharmacy registered no balance;
    otherwise ``what`` (a weight) is refused unless it names a registered balance that may weigh
    today (local date of ``now``)."""
    if not any_registered(session):
        return
    if balance_code is None or not balance_code.strip():
        raise RecordError(
            f"{what}: say which balance weighed it (registered: {', '.join(codes(session)) or 'none active'}); the pharmacy checks its balances daily"
        )
    row = session.scalar(select(Balance).where(Balance.code == balance_code.strip()))
    if row is None:
        raise RecordError(
            f"{what}: balance {balance_code.strip()!r} is not registered in the balance log (registered: {', '.join(codes(session)) or 'none'}); "
            "a pharmacist registers it and today's check is recorded before it weighs"
        )
    state = _state(session, row, now.astimezone().date())
    if not state.may_weigh:
        raise RecordError(f"{what}: {state.refusal}")
