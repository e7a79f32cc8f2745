"""The minimum weighable quantity as a plan records it (``records.minimum_weight``), read through
the one conversion of a weighed amount (``calc.balance_grams``)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.records.minimum_weight import least_accepted, minimum_weighable, refuse_under_minimum
from compounder.records.policy import RecordError


def _plan(minimum: float) -> dict:
    return {"balance": {"readability_grams": 0.01, "minimum_weighable_grams": minimum}}


def test_the_plans_minimum_reads_as_written():
    # 820 × 0.001 g = 0.82 g, stored as the JSON number 0.82: read back as 0.82 exactly
    assert str(minimum_weighable(_plan(0.82))) == "0.82"
    assert minimum_weighable({"balance": {}}) is None and minimum_weighable(None) is None


def test_a_minimum_of_whole_grams_is_said_in_plain_digits():
    # a 0.1 g balance certified from 20 g: the minimum is 20, and the message says "20 g",
    # never "2E+1 g" (Decimal.normalize alone turns 20.0 into 2E+1)
    assert str(minimum_weighable(_plan(20.0))) == "20"
    with pytest.raises(RecordError) as refused:
        refuse_under_minimum(_plan(20.0), 1, "base", Decimal("50.0"), Decimal("19.9"))
    assert "at least 20 g (target 50.0 g)" in str(refused.value)
    assert "E+" not in str(refused.value)


def test_a_certified_minimum_is_said_in_plain_digits():
    # certified now from 30 g, the plan's minimum 8.2 g (820 × 0.01 g): a 25 g target is under it
    with pytest.raises(RecordError) as refused:
        refuse_under_minimum(_plan(8.2), 2, "base", Decimal("25"), Decimal("25"), current=Decimal("30.00"))
    assert "certified from 30 g" in str(refused.value) and "minimum of 8.2 g" in str(refused.value)


def test_a_target_under_the_minimum_is_weighed_as_planned():
    # 0.5 g planned under a 0.82 g minimum (its warning acknowledged): the band alone decides
    assert least_accepted(_plan(0.82), Decimal("0.5")) is None
    assert least_accepted(_plan(0.82), Decimal("1.000")) == Decimal("0.82")
