"""A typed date: exactly YYYY-MM-DD, a day the month has, within the field's range — or refused
in words that name the field and the format; never completed or rolled over."""

from __future__ import annotations

import datetime as dt

import pytest

from compounder.calc.errors import InputError
from compounder.calc.typed_date import typed_date


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-20", dt.date(2026, 12, 20)),
    (" 2026-12-20 ", dt.date(2026, 12, 20)),  # spaces around are not part of the date
    ("2028-02-29", dt.date(2028, 2, 29)),  # 2028 is a leap year (divisible by 4, not by 100)
])
def test_a_complete_date_is_taken_as_typed(text, expected):
    assert typed_date(text, "expiry date") == expected


@pytest.mark.parametrize(("text", "message"), [
    ("2026-02-30", "'2026-02-30' is not a date: February 2026 has 28 days; type it as YYYY-MM-DD, e.g. 2027-06-30"),
    ("2027-02-29", "'2027-02-29' is not a date: February 2027 has 28 days; type it as YYYY-MM-DD, e.g. 2027-06-30"),
    ("2026-04-31", "'2026-04-31' is not a date: April 2026 has 30 days; type it as YYYY-MM-DD, e.g. 2027-06-30"),
    ("2026-13-01", "'2026-13-01' is not a date: there is no month 13; type it as YYYY-MM-DD, e.g. 2027-06-30"),
    ("2026-12-2", "'2026-12-2' is not a date; type it as YYYY-MM-DD, e.g. 2027-06-30"),  # not the 2nd, not the 20th
    ("20261220", "'20261220' is not a date; type it as YYYY-MM-DD, e.g. 2027-06-30"),
    ("2026-W51-7", "'2026-W51-7' is not a date; type it as YYYY-MM-DD, e.g. 2027-06-30"),
    ("12/20/2026", "'12/20/2026' is not a date; type it as YYYY-MM-DD, e.g. 2027-06-30"),
    ("2026-12-20T00:00", "'2026-12-20T00:00' is not a date; type it as YYYY-MM-DD, e.g. 2027-06-30"),
    ("０２０２６-12-20", "'０２０２６-12-20' is not a date; type it as YYYY-MM-DD, e.g. 2027-06-30"),
    ("0000-01-01", "0000-01-01 is outside 1900-01-01 to 2199-12-31; check the date"),
    ("2200-01-01", "2200-01-01 is outside 1900-01-01 to 2199-12-31; check the date"),
])
def test_anything_else_is_refused_naming_the_field_and_the_format(text, message):
    with pytest.raises(InputError) as refused:
        typed_date(text, "expiry date")
    assert (refused.value.field, refused.value.message) == ("expiry date", message)


def test_full_width_digits_are_refused():
    # \d would match Unicode digits; the pattern must refuse them all the same (they are not typed dates).
    with pytest.raises(InputError):
        typed_date("２０２６-１２-２０", "expiry date")


def test_empty_is_none_when_optional_and_refused_when_required():
    assert typed_date("  ", "date written") is None
    with pytest.raises(InputError, match="give the date as YYYY-MM-DD, e.g. 2027-06-30"):
        typed_date("", "expiry date", required=True)


def test_the_range_of_the_kind_of_date_applies():
    with pytest.raises(InputError, match=r"1999-12-31 is outside 2000-01-01 to 2099-12-31"):
        typed_date("1999-12-31", "compounding date", kind="compounded_on")


def test_a_date_before_the_earliest_allowed_is_refused():
    today = dt.date(2026, 11, 23)
    assert typed_date("2026-11-23", "compounding date", not_before=today) == today
    with pytest.raises(InputError) as refused:
        typed_date("2026-11-22", "compounding date", not_before=today)
    assert refused.value.message == "2026-11-22 is before today, 2026-11-23; it cannot be earlier than today"
