"""Scanned codes: GS1 element strings and the pharmacy's lot label, and the decision whether
the container fits the line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from compounder.calc.balance_reading import tolerance_band
from compounder.calc.scan import (
    LotFacts,
    ScanError,
    check_digit,
    decide_scan,
    parse_scan,
    pharmacy_lot_code,
)
from compounder.records.policy import deviation

GS = "\x1d"
# GTIN 09506000134352 (GS1's example number; its check digit 2: 0·3+9·1+5·3+0·1+6·3+0·1+0·3+0·1+1·3+3·1+4·3+3·1+5·3 = 98 → 100 − 98 = 2)
GTIN = "09506000134352"
TODAY = dt.date(2026, 12, 3)


def test_gs1_datamatrix_with_lot_expiry_and_serial():
    scan = parse_scan(f"]d201{GTIN}17271231" + f"10BAC-2291{GS}21SN0042\r")
    assert (scan.kind, scan.gtin, scan.lot_number, scan.expires, scan.serial) == ("gs1", GTIN, "BAC-2291", dt.date(2027, 12, 31), "SN0042")


def test_gs1_128_human_readable_form():
    scan = parse_scan(f"(01){GTIN}(10)L77(17)280630")
    assert (scan.gtin, scan.lot_number, scan.expires) == (GTIN, "L77", dt.date(2028, 6, 30))


def test_pharmacy_lot_label_round_trip_and_check_digit():
    # 0000123: from the right 3·3 + 2·1 + 1·3 = 14 → (10 − 4) = 6
    assert check_digit("0000123") == 6
    assert pharmacy_lot_code(123) == "CPL00001236"
    assert parse_scan("cpl00001236").lot_id == 123
    with pytest.raises(ScanError, match="check digit is wrong"):
        parse_scan("CPL00001237")


@pytest.mark.parametrize(
    ("text", "says"),
    [("", "nothing was scanned"), ("hello", "neither a GS1 code nor a pharmacy lot label"), ("CPL12", r"not one \(CPL and 8 digits\)"),
     (f"01{GTIN}1713", "neither a GS1 code")],
)
def test_unreadable_scans_say_what_is_accepted(text, says):
    with pytest.raises(ScanError, match=says):
        parse_scan(text)


BACLOFEN = LotFacts(7, "Baclofen USP powder", "BAC-2291", dt.date(2027, 12, 31))
GABAPENTIN = LotFacts(8, "Gabapentin USP powder", "GAB-11", dt.date(2027, 6, 30))


def decide(text, candidates, *, assigned=None, on=TODAY, beyond_use=None):
    return decide_scan(
        parse_scan(text), position=2, line_name="baclofen usp powder", assigned=assigned, candidates=candidates, on=on,
        beyond_use=beyond_use,
    )


def test_the_right_container_is_confirmed():
    decision = decide(pharmacy_lot_code(7), [BACLOFEN], assigned=BACLOFEN)
    assert decision.accepted and decision.outcome == "confirmed"
    assert decision.message == "Line 2 confirmed: Baclofen USP powder, lot BAC-2291"


def test_another_white_powder_is_refused_loudly():
    decision = decide(pharmacy_lot_code(8), [GABAPENTIN], assigned=BACLOFEN)
    assert not decision.accepted and decision.outcome == "other_ingredient"
    assert decision.message.startswith("REFUSED: this container is Gabapentin USP powder (lot GAB-11), another ingredient: line 2 weighs")


def test_another_lot_of_the_same_ingredient_is_refused():
    other = LotFacts(9, "Baclofen USP powder", "BAC-3000", dt.date(2028, 1, 31))
    decision = decide(pharmacy_lot_code(9), [other], assigned=BACLOFEN)
    assert decision.outcome == "other_lot" and "from lot BAC-2291" in decision.message


def test_expired_by_the_code_or_by_the_record():
    by_code = decide(f"01{GTIN}17261130" + "10BAC-2291", [BACLOFEN])  # 30 Nov 2026 < 3 Dec 2026
    assert by_code.outcome == "expired" and "2026-11-30" in by_code.message
    stale = LotFacts(7, "Baclofen USP powder", "BAC-2291", dt.date(2026, 12, 2))
    assert decide(pharmacy_lot_code(7), [stale]).outcome == "expired"
    assert decide(pharmacy_lot_code(7), [BACLOFEN], beyond_use=dt.date(2028, 3, 1)).outcome == "expires_before_use"


def test_unknown_ambiguous_and_disagreeing_codes_are_refused():
    assert decide(f"01{GTIN}10NOPE", []).outcome == "unknown_lot"
    twin = LotFacts(10, "Gabapentin USP powder", "BAC-2291", dt.date(2027, 12, 31))
    assert decide(f"01{GTIN}10BAC-2291", [BACLOFEN, twin]).outcome == "ambiguous"
    assert decide(f"01{GTIN}17271130" + "10BAC-2291", [BACLOFEN]).outcome == "expiry_differs"
    assert decide(f"01{GTIN}", []).outcome == "no_lot"


def test_a_line_without_a_lot_takes_the_scanned_lot_of_its_ingredient():
    decision = decide(f"01{GTIN}10BAC-2291", [BACLOFEN])
    assert decision.accepted and decision.lot == BACLOFEN


@pytest.mark.parametrize(
    ("grams", "where"),
    # 7.430 g ± 5 %: 7.430 × 0.05 = 0.3715 → band 7.0585 … 7.8015 g
    [("7.0585", "within"), ("7.0584", "under"), ("7.8015", "within"), ("7.8016", "over"), ("7.430", "within")],
)
def test_band_agrees_with_the_records_deviation(grams, where):
    band = tolerance_band(Decimal("7.430"), Decimal(5))
    assert (band.low, band.high) == (Decimal("7.0585"), Decimal("7.8015"))
    assert band.where(Decimal(grams)) == where
    assert deviation(Decimal("7.430"), Decimal(grams), Decimal(5)).out_of_tolerance == (where != "within")
