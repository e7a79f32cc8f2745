"""The final weight against the theoretical, with the yield, worked by hand (issue 25)."""

from decimal import Decimal

import pytest

from compounder.calc.master_record import PhRange
from compounder.calc.qc_results import final_weight, ph_text


def test_yield_and_range_worked_by_hand():
    # theoretical 120 g, weighed 118.5 g: 118.5 / 120 = 0.9875 → 98.75 % → 98.8 % (half up);
    # difference 118.5 − 120 = −1.5 g; ± 5 % of 120 g = 6 g → accepted 114 to 126 g: within.
    result = final_weight(Decimal("120"), Decimal("118.5"), Decimal("5"))
    assert result.yield_percent == Decimal("98.8")
    assert result.difference == Decimal("-1.5")
    assert (result.low, result.high) == (Decimal("114"), Decimal("126"))
    assert result.passed
    assert result.text() == "118.5 g of 120 g theoretical (-1.5 g), yield 98.8 %; within 114.000 to 126.000 g (± 5 %)"


def test_a_weight_below_the_range_fails():
    # 30.6 g theoretical, ± 2 % → 0.612 g → 29.988 to 31.212 g; 29.9 g is below: yield 29.9 / 30.6 = 0.97712… → 97.7 %
    result = final_weight(Decimal("30.6"), Decimal("29.9"), Decimal("2"))
    assert not result.passed
    assert result.yield_percent == Decimal("97.7")
    assert result.low == Decimal("29.988") and result.high == Decimal("31.212")


def test_the_range_ends_are_accepted():
    # 100 g ± 5 %: 95 g and 105 g are both in the range (ends included)
    assert final_weight(Decimal("100"), Decimal("95"), Decimal("5")).passed
    assert final_weight(Decimal("100"), Decimal("105.000"), Decimal("5")).passed
    assert not final_weight(Decimal("100"), Decimal("105.001"), Decimal("5")).passed


def test_half_up_yield():
    # 2 g of 3 g = 66.666…% → 66.7 %; 1.0005 g of 2 g = 50.025 % → 50.0 % (to one decimal: 50.025 → 50.0)
    assert final_weight(Decimal("3"), Decimal("2"), Decimal("5")).yield_percent == Decimal("66.7")
    assert final_weight(Decimal("2"), Decimal("1.0005"), Decimal("5")).yield_percent == Decimal("50.0")
    # 1.0010 g of 2 g = 50.05 % → 50.1 % (half up, not to even)
    assert final_weight(Decimal("2"), Decimal("1.0010"), Decimal("5")).yield_percent == Decimal("50.1")


def test_no_theoretical_weight_is_refused():
    with pytest.raises(ValueError):
        final_weight(Decimal("0"), Decimal("1"), Decimal("5"))


def test_ph_against_the_range():
    accepted = PhRange(Decimal("5.5"), Decimal("7.0"))
    assert ph_text(Decimal("6.4"), accepted) == "pH 6.4; within 5.5 to 7.0"
    assert ph_text(Decimal("7.2"), accepted) == "pH 7.2; OUTSIDE 5.5 to 7.0"


def test_without_a_tolerance_the_judgement_is_the_persons_and_no_range_is_made_up():
    with pytest.raises(ValueError):
        final_weight(Decimal("120"), Decimal("119"), None)
    result = final_weight(Decimal("120"), Decimal("119"), None, judged=False)
    # 119 / 120 = 99.1666… → 99.2 %
    assert (result.passed, result.low, result.yield_percent) == (False, None, Decimal("99.2"))
    assert "OUTSIDE the SOP's range" in result.text()
