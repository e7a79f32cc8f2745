"""The pure record rules: status moves, who may do them, weights, tolerance, lots, batch numbers, passwords."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from compounder.records.policy import (
    TRANSITIONS,
    Actor,
    PermissionRefused,
    RecordError,
    Role,
    Status,
    check_transition,
    deviation,
    format_batch_number,
    hash_password,
    lot_problem,
    near_expiry,
    parse_tolerance,
    parse_weight,
    password_matches,
)

TECH = Actor(1, "tess", Role.TECHNICIAN)
RPH = Actor(2, "paula", Role.PHARMACIST)
RPH2 = Actor(3, "peter", Role.PHARMACIST)
ADMIN = Actor(4, "ada", Role.ADMINISTRATOR)


@pytest.mark.parametrize(
    ("current", "target", "actor", "allowed"),
    [
        (Status.DRAFT, Status.PREPARED, TECH, True),
        (Status.DRAFT, Status.PREPARED, RPH, True),
        (Status.DRAFT, Status.PREPARED, ADMIN, False),
        (Status.DRAFT, Status.VERIFIED, RPH2, False),  # never skips preparation
        (Status.PREPARED, Status.VERIFIED, TECH, False),
        (Status.PREPARED, Status.VERIFIED, ADMIN, False),
        (Status.PREPARED, Status.VERIFIED, RPH, False),  # RPH prepared it
        (Status.PREPARED, Status.VERIFIED, RPH2, True),
        (Status.PREPARED, Status.REJECTED, TECH, False),
        (Status.PREPARED, Status.REJECTED, RPH2, True),
        (Status.VERIFIED, Status.DISPENSED, TECH, True),
        (Status.VERIFIED, Status.DRAFT, RPH2, False),
        (Status.VERIFIED, Status.REJECTED, RPH2, False),
        (Status.DISPENSED, Status.VERIFIED, RPH2, False),
        (Status.REJECTED, Status.DRAFT, RPH2, False),
    ],
)
def test_who_may_move_a_batch(current, target, actor, allowed):
    move = lambda: check_transition(current, target, actor, preparer_id=RPH.id, reason="damaged jar")  # noqa: E731
    if allowed:
        move()
    else:
        with pytest.raises(RecordError):
            move()


def test_self_verification_only_when_allowed():
    with pytest.raises(PermissionRefused, match="another pharmacist"):
        check_transition(Status.PREPARED, Status.VERIFIED, RPH, preparer_id=RPH.id)
    check_transition(Status.PREPARED, Status.VERIFIED, RPH, preparer_id=RPH.id, allow_self_verification=True)


def test_terminal_states_have_no_way_out():
    assert TRANSITIONS[Status.DISPENSED] == TRANSITIONS[Status.REJECTED] == frozenset()


@pytest.mark.parametrize(("text", "grams"), [("7.432", "7.432"), ("7,432", "7.432"), (" 7.432 g ", "7.432"), ("0", "0"), (".5", "0.5"), (3, "3")])
def test_weights_read(text, grams):
    assert parse_weight(text) == Decimal(grams)


@pytest.mark.parametrize("text", ["-1", "-0.001", "abc", "", "nan", "NaN", "inf", "1e5", "7.4 mg", "1.2.3", True, None, float("nan"), "100001"])
def test_not_weights(text):
    with pytest.raises(RecordError):
        parse_weight(text)


@pytest.mark.parametrize(
    ("target", "actual", "percent", "outside"),
    [("10", "10", "0", False), ("10", "10.5", "5.00", False), ("10", "10.51", "5.10", True), ("10", "9.49", "-5.10", True), ("0", "0", None, False), ("0", "0.1", None, True)],
)
def test_deviation_and_tolerance(target, actual, percent, outside):
    found = deviation(Decimal(target), Decimal(actual), Decimal(5))
    assert found.percent == (None if percent is None else Decimal(percent))
    assert found.out_of_tolerance is outside


@pytest.mark.parametrize("value", ["0", "100", "-1", "x", "nan"])
def test_tolerances_refused(value):
    with pytest.raises(RecordError):
        parse_tolerance(value)


def test_lot_problems_and_near_expiry():
    on = dt.date(2026, 11, 23)
    assert lot_problem(dt.date(2026, 11, 23), Decimal(1), on) is None  # usable on its expiry day
    assert lot_problem(dt.date(2026, 11, 22), Decimal(1), on) == "expired on 2026-11-22"
    assert lot_problem(dt.date(2027, 1, 1), Decimal(0), on) == "exhausted (nothing left)"
    assert lot_problem(dt.date(2027, 1, 1), Decimal(1), on, Decimal(2)) == "only 1 g left, 2 g needed"
    assert "before the batch's beyond-use date 2026-12-07" in lot_problem(dt.date(2026, 12, 6), Decimal(1), on, beyond_use=dt.date(2026, 12, 7))
    assert lot_problem(dt.date(2026, 12, 7), Decimal(1), on, beyond_use=dt.date(2026, 12, 7)) is None
    assert near_expiry(dt.date(2026, 12, 23), on) and not near_expiry(dt.date(2026, 12, 24), on)


def test_batch_numbers():
    assert format_batch_number(dt.date(2026, 11, 23), 7) == "261123-007"
    assert format_batch_number(dt.date(2026, 1, 2), 1234) == "260102-1234"


def test_password_hashes_are_salted_scrypt_and_checked_in_constant_time():
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$16384$8$1$") and stored != hash_password("correct horse battery")
    assert password_matches("correct horse battery", stored)
    assert not password_matches("correct horse batterY", stored)
    assert not password_matches("x", "garbage")
    with pytest.raises(RecordError, match="at least 8"):
        hash_password("short")
