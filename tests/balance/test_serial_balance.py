"""The drivers on a real serial line: a simulated balance on a pseudo-terminal. Every fault
gives a Reading that says what happened within the timeout; none is recordable."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from compounder.balance import PROTOCOLS, open_balance
from compounder.balance.protocols import parse_ohaus, parse_sbi, parse_sics
from compounder.balance.simulator import SimulatedBalance
from compounder.calc.balance_reading import (
    BALANCE_DRIVERS,
    ReadingRefused,
    ReadingState,
    recordable_grams,
)

TIMEOUT = 0.3


@pytest.fixture(params=list(PROTOCOLS))
def rig(request):
    with SimulatedBalance(request.param, grams="7.431") as simulated:
        balance = open_balance(simulated.port, request.param, "BAL-1", timeout=TIMEOUT)
        yield simulated, balance
        balance.close()


def test_stable_reading_is_recorded_as_the_balance_shows_it(rig):
    _simulated, balance = rig
    reading = balance.read()
    assert reading.state is ReadingState.STABLE
    assert reading.grams == Decimal("7.431")
    assert reading.balance_id == "BAL-1"
    assert recordable_grams(reading, time.monotonic()) == Decimal("7.431")


@pytest.mark.parametrize(
    ("state", "expected"),
    [("unstable", ReadingState.UNSTABLE), ("overload", ReadingState.OVERLOAD), ("garbage", ReadingState.ERROR), ("silent", ReadingState.NO_REPLY)],
)
def test_faults_are_said_and_never_recorded(rig, state, expected):
    simulated, balance = rig
    simulated.state = state
    started = time.monotonic()
    reading = balance.read()
    elapsed = time.monotonic() - started
    assert reading.state is expected, reading
    assert elapsed < TIMEOUT + 0.5  # the timeout bounds the wait: no hang
    with pytest.raises(ReadingRefused, match="not recorded"):
        recordable_grams(reading, time.monotonic())
    # the balance recovers: the next reading is the stable weight again, not an old reply
    simulated.state = "stable"
    simulated.grams = Decimal("7.440")
    assert balance.read().grams == Decimal("7.440")


def test_pulled_cable_says_disconnected_at_once(rig):
    simulated, balance = rig
    simulated.pull_cable()
    started = time.monotonic()
    reading = balance.read()
    assert time.monotonic() - started < TIMEOUT + 0.5
    assert reading.state is ReadingState.DISCONNECTED
    assert "disconnected" in reading.describe()
    with pytest.raises(ReadingRefused):
        recordable_grams(reading, time.monotonic())


def test_stale_stable_reading_is_refused(rig):
    _simulated, balance = rig
    reading = balance.read()
    # 1.5 s is the limit: a reading 2 s old may be of a container lifted since
    with pytest.raises(ReadingRefused, match="2.0 s old"):
        recordable_grams(reading, reading.at + 2.0)


def test_zero_and_tare_over_mt_sics():
    with SimulatedBalance("mt-sics", grams="12.500") as simulated:
        balance = open_balance(simulated.port, "mt-sics", "BAL-1", timeout=TIMEOUT)
        assert balance.tare() == "tared"
        assert balance.read().grams == Decimal("0.000")
        simulated.state = "overload"
        assert balance.zero() == "zeroed"  # Z is answered Z A whatever the load in the simulator
        balance.close()


def test_unknown_driver_and_missing_port_are_refused_by_name():
    with pytest.raises(ValueError, match="'scale-o-matic' is not a balance driver; choose one of mt-sics, sartorius-sbi, ohaus"):
        open_balance("/dev/null", "scale-o-matic", "B")
    with pytest.raises(OSError, match="cannot open the balance's port /dev/no-such-port"):
        open_balance("/dev/no-such-port", "mt-sics", "B")


@pytest.mark.parametrize(
    ("parse", "line", "state", "grams"),
    [
        (parse_sics, "S S      7.431 g\r\n", ReadingState.STABLE, Decimal("7.431")),
        (parse_sics, "S D      7.402 g\r\n", ReadingState.UNSTABLE, Decimal("7.402")),
        (parse_sics, "S S    -0.012 g\r\n", ReadingState.STABLE, Decimal("-0.012")),
        (parse_sics, "S S   7431 mg\r\n", ReadingState.STABLE, Decimal("7.431")),  # 7431 mg × 0.001 = 7.431 g
        (parse_sics, "S S   0.262 oz\r\n", ReadingState.ERROR, None),  # not a weight unit the record takes
        (parse_sics, "S +\r\n", ReadingState.OVERLOAD, None),
        (parse_sics, "S -\r\n", ReadingState.UNDERLOAD, None),
        (parse_sics, "S I\r\n", ReadingState.ERROR, None),
        (parse_sics, "ES\r\n", ReadingState.ERROR, None),
        (parse_sbi, "+   7.431 g  \r\n", ReadingState.STABLE, Decimal("7.431")),
        (parse_sbi, "+   7.402    \r\n", ReadingState.UNSTABLE, Decimal("7.402")),
        (parse_sbi, "N     +   7.431 g  \r\n", ReadingState.STABLE, Decimal("7.431")),  # 22 characters with the ID
        (parse_sbi, "-   0.012 g  \r\n", ReadingState.STABLE, Decimal("-0.012")),
        (parse_sbi, "    High      \r\n", ReadingState.OVERLOAD, None),
        (parse_sbi, "    Low       \r\n", ReadingState.UNDERLOAD, None),
        (parse_sbi, "   Err 54     \r\n", ReadingState.ERROR, None),
        (parse_ohaus, "     7.431 g  \r\n", ReadingState.STABLE, Decimal("7.431")),
        (parse_ohaus, "     7.402 g ?\r\n", ReadingState.UNSTABLE, Decimal("7.402")),
        (parse_ohaus, "    -0.012 g  \r\n", ReadingState.STABLE, Decimal("-0.012")),
        (parse_ohaus, "ES\r\n", ReadingState.ERROR, None),
        (parse_ohaus, "\x00\x9c\r\n", ReadingState.ERROR, None),
    ],
)
def test_reply_lines(parse, line, state, grams):
    parsed_state, parsed_grams, _detail = parse(line)
    assert (parsed_state, parsed_grams) == (state, grams)


@pytest.mark.parametrize("driver", list(PROTOCOLS))
def test_the_next_stable_weight_waits_for_stability_and_no_longer_than_asked(driver):
    import threading

    with SimulatedBalance(driver, grams="7.402") as simulated:
        balance = open_balance(simulated.port, driver, "B", timeout=TIMEOUT)
        simulated.state = "unstable"
        started = time.monotonic()
        reading = balance.read_stable(wait=0.6)
        assert reading.state in (ReadingState.NO_REPLY, ReadingState.UNSTABLE)  # SBI reads the display: still unstable
        assert 0.5 < time.monotonic() - started < 1.5
        settle = threading.Timer(0.3, lambda: (setattr(simulated, "grams", Decimal("7.431")), setattr(simulated, "state", "stable")))
        settle.start()
        reading = balance.read_stable(wait=3)
        settle.join()
        assert (reading.state, reading.grams) == (ReadingState.STABLE, Decimal("7.431"))
        assert balance.read().state is ReadingState.STABLE  # the port's own timeout is back
        balance.close()


def test_the_settings_name_every_driver_and_only_those():
    """The settings check a driver's name against calc's list without loading the drivers: the
    drivers are keyed by the same names, in the order the settings' refusal lists them."""
    assert tuple(PROTOCOLS) == BALANCE_DRIVERS
