"""Beyond-use dates: USP <795> category from the base, day of compounding counted as day 1,
capped by the earliest component expiry."""

from __future__ import annotations

import datetime as dt

from compounder.calc import evaluate, parse_formula
from tests.calc.formulas import active, formula
from tests.conftest import TODAY


def bud_of(catalog, data):
    return evaluate(parse_formula(data), catalog, TODAY).bud


def test_preserved_aqueous_base_gets_35_days(catalog):
    bud = bud_of(catalog, formula(active("lidocaine", "5 %"), base="Hydrophilic Ointment USP"))
    # compounded 2026-11-23 = day 1; day 35 = 2026-11-23 + 34 days = 2026-12-27
    assert (bud.days, bud.date) == (35, dt.date(2026, 12, 27))
    assert "preserved aqueous" in bud.reason


def test_anhydrous_base_gets_180_days(catalog):
    bud = bud_of(catalog, formula(active("lidocaine", "5 %"), base="White Petrolatum USP"))
    # 2026-11-23 + 179 days = 2027-05-21
    assert (bud.days, bud.date) == (180, dt.date(2027, 5, 21))
    assert "nonaqueous" in bud.reason


def test_water_unknown_is_treated_as_nonpreserved_aqueous_and_says_so(catalog):
    bud = bud_of(catalog, formula(active("lidocaine", "5 %"), base="Lipoderm"))
    # 2026-11-23 + 13 days = 2026-12-06
    assert (bud.days, bud.date) == (14, dt.date(2026, 12, 6))
    assert "water content of Lipoderm not on file" in bud.reason
    assert "refrigerator" in bud.storage.lower()


def test_preservative_unknown_in_an_aqueous_base_is_treated_as_not_preserved(catalog):
    bud = bud_of(catalog, formula(active("lidocaine", "5 %"), base="PLO gel"))
    assert bud.days == 14 and "preservative in PLO gel not on file" in bud.reason


def test_capped_by_the_earliest_lot_expiry(catalog):
    data = formula(
        active("lidocaine", "5 %", lot="L1", expires="2027-01-31"),
        active("ketoprofen", "10 %", lot="K7", expires="2027-01-15"),
        base="White Petrolatum USP",
    )
    bud = bud_of(catalog, data)
    # 180-day date 2027-05-21 is after ketoprofen's expiry 2027-01-15: capped; 2026-11-23..2027-01-15 is 54 days counting day 1
    assert bud.date == dt.date(2027, 1, 15) and bud.days == 54
    assert "K7" in bud.reason


def test_the_formula_date_wins_over_today(catalog):
    data = formula(active("lidocaine", "5 %"), base="Hydrophilic Ointment USP")
    data["compounded_on"] = "2027-02-01"
    assert bud_of(catalog, data).date == dt.date(2027, 3, 7)  # 2027-02-01 + 34 days


def test_the_reason_names_usp_795_2023_and_the_day_count_used(catalog):
    bud = bud_of(catalog, formula(active("lidocaine", "5 %"), base="Hydrophilic Ointment USP"))
    # the source is the chapter itself, and the count is stated: 35 days with 2026-11-23 as day 1
    # = 2026-12-27, one day before USP's 2026-11-23 + 35 days = 2026-12-28
    assert bud.reason.startswith("USP <795> Pharmaceutical Compounding—Nonsterile Preparations (2023), Table 4")
    assert "counts the day of compounding as day 1" in bud.reason
    assert bud.date == dt.date(2026, 11, 23) + dt.timedelta(days=35) - dt.timedelta(days=1)
    assert "as summarized" not in bud.reason and "blog" not in bud.reason  # no internal or secondary name printed
