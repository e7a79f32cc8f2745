"""A balance's reading and whether it may be recorded: stable, fresh, in grams.

The drivers (``compounder.balance``) turn the balance's replies into ``Reading`` values; this
module decides, without any I/O, what may go into a batch line and where a weight stands
against the line's tolerance band (the same arithmetic as ``records.policy.deviation``:
outside when ``|actual - target| / target × 100 > tolerance``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

#: A stable reading older than this is stale: the container may have been lifted since.
MAX_READING_AGE_S = 1.5

#: The balances' serial languages ``compounder.balance.protocols`` speaks, by the name the
#: pharmacy settings choose one with ("driver"). Here, below both, so that the settings check a
#: name without loading the drivers; a test keeps the two in step.
BALANCE_DRIVERS = ("mt-sics", "sartorius-sbi", "ohaus")


class ReadingState(str, enum.Enum):
    STABLE = "stable"
    UNSTABLE = "unstable"
    OVERLOAD = "overload"
    UNDERLOAD = "underload"
    ERROR = "error"  # the balance answered with an error, or something unreadable
    NO_REPLY = "no reply"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class Reading:
    """One answer of the balance. ``at`` is a monotonic clock's seconds when it arrived."""

    state: ReadingState
    grams: Decimal | None
    at: float
    detail: str = ""  # the reply as received, or what went wrong
    balance_id: str = ""

    def describe(self) -> str:
        """What the station says about it, in a pharmacist's words."""
        if self.state is ReadingState.STABLE:
            return f"{self.grams} g, stable"
        if self.state is ReadingState.UNSTABLE:
            return f"{self.grams} g, not stable yet" if self.grams is not None else "not stable yet"
        return {
            ReadingState.OVERLOAD: "overload: the load is above the balance's capacity",
            ReadingState.UNDERLOAD: "underload: the pan is off or the balance needs zeroing",
            ReadingState.ERROR: f"the balance sent something unreadable or an error ({self.detail})",
            ReadingState.NO_REPLY: "the balance does not answer: check it is on and its cable",
            ReadingState.DISCONNECTED: f"the balance is disconnected: check the cable ({self.detail})",
        }[self.state]


class ReadingRefused(ValueError):
    """A reading that must not be recorded, with what to do instead."""


def recordable_grams(reading: Reading | None, now: float, max_age: float = MAX_READING_AGE_S) -> Decimal:
    """The grams to record from ``reading``, or ``ReadingRefused``: only a stable reading in
    grams, received within ``max_age`` seconds of ``now``, is recorded."""
    if reading is None:
        raise ReadingRefused("no reading from the balance yet; wait for it, or type the weight")
    if reading.state is not ReadingState.STABLE:
        raise ReadingRefused(f"not recorded: {reading.describe()}")
    if reading.grams is None:  # pragma: no cover - a driver never makes one
        raise ReadingRefused("not recorded: the reading has no weight")
    age = now - reading.at
    if age > max_age or age < 0:
        raise ReadingRefused(f"not recorded: the last stable reading is {age:.1f} s old; wait for a fresh one")
    if reading.grams < 0:
        raise ReadingRefused(f"not recorded: the balance shows {reading.grams} g; tare it with the empty container")
    return reading.grams


@dataclass(frozen=True)
class Band:
    """The weights accepted for a line: target ± tolerance %, both ends included."""

    target: Decimal
    low: Decimal
    high: Decimal
    tolerance_percent: Decimal

    def where(self, grams: Decimal) -> Literal["under", "within", "over"]:
        if self.target == 0:
            return "within" if grams == 0 else "over"
        percent = abs(grams - self.target) / self.target * 100
        if percent <= self.tolerance_percent:
            return "within"
        return "under" if grams < self.target else "over"


def tolerance_band(target: Decimal, tolerance_percent: Decimal) -> Band:
    """Target 7.430 g at ± 5 %: 7.0585 to 7.8015 g."""
    spread = target * tolerance_percent / 100
    return Band(target, target - spread, target + spread, tolerance_percent)
