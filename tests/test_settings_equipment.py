"""The pharmacy's equipment list (certified minimum weighable quantities) and maximum excess."""

from __future__ import annotations

import pytest

from compounder.calc import Q_
from compounder.settings import (
    EXAMPLE,
    SettingsError,
    settings_from_data,
    settings_to_data,
)

BALANCE = "Electronic balance, readability 0.001 g"


def test_balances_and_maximum_excess_round_trip():
    settings = settings_from_data({**EXAMPLE, "maximum_excess": "10 %", "balances": {BALANCE: "0.05 g"}})
    assert settings.maximum_excess == Q_(10, "percent")
    assert settings.certified_minimums == {BALANCE: Q_(0.05, "g")}
    assert settings_from_data(settings_to_data(settings)) == settings


@pytest.mark.parametrize(
    ("balances", "field"),
    [({BALANCE: "0 g"}, f"balances.{BALANCE}"), ({BALANCE: "5 mL"}, f"balances.{BALANCE}"), ("0.05 g", "balances")],
)
def test_unusable_balances_are_refused_naming_the_field(balances, field):
    with pytest.raises(SettingsError) as refused:
        settings_from_data({**EXAMPLE, "balances": balances})
    assert refused.value.field == field


def test_unset_means_fallback_and_no_excess_check():
    settings = settings_from_data(EXAMPLE)
    assert settings.maximum_excess is None and settings.certified_minimums == {}
