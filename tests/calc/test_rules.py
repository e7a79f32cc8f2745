"""Each rule fires on its case and stays quiet on its neighbour."""

from __future__ import annotations

import pytest

from compounder.calc import Severity, evaluate, parse_formula
from tests.calc.formulas import active, formula
from tests.conftest import TODAY


def findings_of(catalog, data):
    return evaluate(parse_formula(data), catalog, TODAY).findings


def codes(findings):
    return {f.code for f in findings}


def one(findings, code):
    [found] = [f for f in findings if f.code == code]
    return found


def test_camphor_over_the_hard_maximum_is_an_error(catalog):
    found = one(findings_of(catalog, formula(active("camphor", "12 %"))), "STRENGTH_ABOVE_MAXIMUM")
    assert found.severity is Severity.ERROR
    assert "camphor" in found.message and "12 %" in found.message and "11 %" in found.message
    assert found.source is not None and found.line == 0


def test_camphor_at_the_hard_maximum_is_not_an_error(catalog):
    assert "STRENGTH_ABOVE_MAXIMUM" not in codes(findings_of(catalog, formula(active("camphor", "11 %"))))


def test_outside_the_typical_range_is_a_warning(catalog):
    # ketoprofen typical range 5–10 %: 15 % is above it, 10 % is not
    found = one(findings_of(catalog, formula(active("ketoprofen", "15 %"))), "STRENGTH_OUTSIDE_TYPICAL_RANGE")
    assert found.severity is Severity.WARNING and "above" in found.message and "10 %" in found.message
    assert "STRENGTH_OUTSIDE_TYPICAL_RANGE" not in codes(findings_of(catalog, formula(active("ketoprofen", "10 %"))))


def test_range_is_compared_in_the_form_it_is_written_as(catalog):
    # diclofenac range is written as diclofenac sodium, 1–3 % (Voltaren Gel 1 %, Solaraze Gel 3 %).
    # diclofenac (acid) 0.9 % = 0.9 × 318.13/296.15 = 0.967 % diclofenac sodium: below the range.
    found = one(findings_of(catalog, formula(active("diclofenac", "0.9 %"))), "STRENGTH_OUTSIDE_TYPICAL_RANGE")
    assert "0.967 % diclofenac sodium" in found.message and "below" in found.message
    # diclofenac (acid) 1 % = 1.074 % diclofenac sodium: inside
    assert "STRENGTH_OUTSIDE_TYPICAL_RANGE" not in codes(findings_of(catalog, formula(active("diclofenac", "1 %"))))


def test_an_active_with_no_range_on_file_says_so(catalog):
    found = one(findings_of(catalog, formula(active("meloxicam", "1 %"))), "STRENGTH_RANGE_UNKNOWN")
    assert found.severity is Severity.INFO


def test_strengths_adding_to_100_percent_is_an_error(catalog):
    data = formula(active("ketoprofen", "50 %"), active("ibuprofen", "50 %"))
    found = one(findings_of(catalog, data), "STRENGTHS_EXCEED_BATCH")
    assert found.severity is Severity.ERROR and "100.00 %" in found.message


def test_salt_correction_that_leaves_no_base_is_an_error(catalog):
    # 90 % lidocaine written as base, weighed as HCl monohydrate: 90 × 288.81/234.34 = 110.9 % of the batch
    data = formula(active("lidocaine", "90 %", stock="lidocaine hydrochloride monohydrate"))
    found = findings_of(catalog, data)
    assert "NO_ROOM_FOR_BASE" in codes(found) and "STRENGTHS_EXCEED_BATCH" not in codes(found)


def test_two_nsaids_are_a_duplicate_therapy_warning(catalog):
    found = one(findings_of(catalog, formula(active("ketoprofen", "10 %"), active("diclofenac sodium", "3 %"))), "DUPLICATE_NSAID")
    assert found.severity is Severity.WARNING and "ketoprofen" in found.message and "diclofenac" in found.message
    assert "DUPLICATE_NSAID" not in codes(findings_of(catalog, formula(active("ketoprofen", "10 %"), active("lidocaine", "5 %"))))


def test_powder_load_unknown_for_the_base_is_info(catalog):
    found = one(findings_of(catalog, formula(active("ketoprofen", "10 %"))), "POWDER_LOAD_LIMIT_UNKNOWN")
    assert found.severity is Severity.INFO and "10.0 %" in found.message


def test_below_the_minimum_weighable_quantity_gives_the_aliquot(catalog):
    # capsaicin 0.075 % of 120 g = 0.09 g, below 0.82 g on the 0.001 g balance (820 × d).
    # k = ceil(0.82 / 0.09) = 10: weigh 0.900 g, dilute to 10 × 0.82 = 8.200 g (add 7.300 g), take 0.820 g.
    found = one(findings_of(catalog, formula(active("capsaicin", "0.075 %"))), "BELOW_MINIMUM_WEIGHABLE")
    # every weighing of the aliquot is at or above 0.82 g and has its worksheet cells: a note, not a warning
    assert found.severity is Severity.INFO
    assert "0.900 g" in found.message and "7.300 g" in found.message and "8.200 g" in found.message and "0.820 g" in found.message


def test_too_small_for_one_aliquot_step_stays_a_warning(catalog):
    # capsaicin 0.0005 % of 120 g = 0.0006 g; one aliquot would need ceil(0.82 / 0.0006) = 1367-fold > 100
    assert -(-0.82 // 0.0006) == 1367
    found = one(findings_of(catalog, formula(active("capsaicin", "0.0005 %"))), "BELOW_MINIMUM_WEIGHABLE")
    assert found.severity is Severity.WARNING and "stock trituration" in found.message


def test_at_or_above_the_minimum_weighable_quantity_is_quiet(catalog):
    # 120 g × 1 % = 1.2 g ≥ 0.82 g
    assert "BELOW_MINIMUM_WEIGHABLE" not in codes(findings_of(catalog, formula(active("cyclobenzaprine hydrochloride", "1 %"))))


def test_daily_amount_above_the_labeled_maximum(catalog):
    # diclofenac sodium 3 % = 30 mg/g; 4 g × 3 a day = 12 g/day → 360 mg/day > 320 mg/day (Voltaren gel label)
    data = formula(active("diclofenac sodium", "3 %"), directions={"amount": "4 g", "times_per_day": 3})
    found = one(findings_of(catalog, data), "DAILY_AMOUNT_ABOVE_MAXIMUM")
    assert "360.0 mg" in found.message and "320 mg" in found.message
    # 3 g × 3 = 9 g/day → 270 mg/day: under
    quiet = formula(active("diclofenac sodium", "3 %"), directions={"amount": "3 g", "times_per_day": 3})
    assert "DAILY_AMOUNT_ABOVE_MAXIMUM" not in codes(findings_of(catalog, quiet))


def test_daily_maximum_is_compared_in_its_own_form(catalog):
    # limit 320 mg diclofenac sodium; 3 % diclofenac (acid) = 30 mg/g acid; 3.4 g × 3 = 10.2 g → 306 mg acid
    # = 306 × 318.13/296.15 = 328.7 mg as the sodium salt: over.
    data = formula(active("diclofenac", "3 %"), directions={"amount": "3.4 g", "times_per_day": 3})
    found = one(findings_of(catalog, data), "DAILY_AMOUNT_ABOVE_MAXIMUM")
    assert "328.7 mg diclofenac sodium" in found.message


def test_clicks_without_density_make_the_daily_amount_unknown(catalog):
    data = formula(active("lidocaine", "5 %"), directions={"amount": "4 click", "times_per_day": 3})
    assert "DAILY_AMOUNT_UNKNOWN" in codes(findings_of(catalog, data))


def test_expired_lot_is_an_error(catalog):
    found = one(findings_of(catalog, formula(active("lidocaine", "5 %", lot="L9", expires="2026-11-22"))), "LOT_EXPIRED")
    assert found.severity is Severity.ERROR and "L9" in found.message


def test_lot_expiring_on_the_compounding_day_is_an_error(catalog):
    # compounded 2026-11-23; a lot that expires that same day cannot be in the batch past today
    found = one(findings_of(catalog, formula(active("lidocaine", "5 %", lot="L9", expires="2026-11-23"))), "LOT_EXPIRED")
    assert found.severity is Severity.ERROR and "expires on 2026-11-23, the compounding date" in found.message
    # expiring the day after is in date
    assert "LOT_EXPIRED" not in codes(findings_of(catalog, formula(active("lidocaine", "5 %", lot="L9", expires="2026-11-24"))))


def test_errors_come_first(catalog):
    found = findings_of(catalog, formula(active("camphor", "12 %"), active("meloxicam", "1 %")))
    ranks = [f.severity.rank for f in found]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize(
    ("actives", "expected"),
    [
        ([("diclofenac sodium", "3 %"), ("cyclobenzaprine hydrochloride", "2 %"), ("lidocaine", "5 %")], set()),
        ([("ketoprofen", "10 %"), ("baclofen", "2 %"), ("camphor", "3 %")], set()),
        ([("ibuprofen", "10 %"), ("lidocaine", "5 %")], set()),
    ],
)
def test_seed_formulas_have_no_errors_or_warnings(catalog, actives, expected):
    found = findings_of(catalog, formula(*(active(name, strength) for name, strength in actives)))
    assert {f.code for f in found if f.severity is not Severity.INFO} == expected
