"""NPI and DEA check digits, with numbers checked by hand."""

from __future__ import annotations

import pytest

from compounder.calc.errors import InputError
from compounder.calc.prescriber_ids import dea_check_digit, npi_check_digit, parse_dea, parse_npi


def test_npi_check_digit_is_cms_worked_example():
    # CMS, NPI check digit: 123456789; double every other digit from the right: 9→18, 7→14, 5→10,
    # 3→6, 1→2; digits of those: 1+8 + 1+4 + 1+0 + 6 + 2 = 23; the others 8+6+4+2 = 20; 23 + 20 + 24
    # (the prefix 80840) = 67; next multiple of ten 70 − 67 = 3 → NPI 1234567893.
    assert npi_check_digit("123456789") == 3
    assert parse_npi("1234567893") == "1234567893"
    assert parse_npi("123-456-789 3") == "1234567893"


def test_npi_with_a_mistyped_digit_is_refused_naming_the_field():
    with pytest.raises(InputError, match="check digit does not match") as found:
        parse_npi("1234567894")
    assert found.value.field == "NPI"
    # A transposition of two neighbouring digits: 1234567893 → 1243567893. Doubled from the right:
    # 9→18(9), 7→14(5), 5→10(1), 4→8, 1→2 = 25; the others 8+6+3+2 = 19; 25 + 19 + 24 = 68 → check 2, not 3.
    assert npi_check_digit("124356789") == 2
    with pytest.raises(InputError):
        parse_npi("1243567893")
    with pytest.raises(InputError, match="10 digits"):
        parse_npi("123456789")


def test_dea_check_digit_by_hand():
    # AP5836727: 5 + 3 + 7 = 15; 2 × (8 + 6 + 2) = 32; 15 + 32 = 47 → 7.
    assert dea_check_digit("583672") == 7
    assert parse_dea("ap 5836727") == "AP5836727"
    # AB1234563: 1 + 3 + 5 = 9; 2 × (2 + 4 + 6) = 24; 33 → 3.
    assert parse_dea("AB1234563") == "AB1234563"


def test_dea_number_refused_when_the_check_digit_or_shape_is_wrong():
    with pytest.raises(InputError, match="would end in 7"):
        parse_dea("AP5836728")
    with pytest.raises(InputError, match="two letters and seven digits"):
        parse_dea("A15836727")
