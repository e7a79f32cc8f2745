"""The workbench checks a formula's excess against the pharmacy's ceiling from its settings."""

from __future__ import annotations

from tests.documents.helpers import pharmacy
from tests.ui.conftest import type_into_field


def codes(window) -> set[str]:
    model = window.findings_model
    return {model.notice(r).code for r in range(model.rowCount())}


def test_excess_above_the_pharmacy_ceiling_is_flagged_as_soon_as_the_settings_say_so(window, qtbot):
    type_into_field(window.excess_edit, "15 %")
    # no ceiling set: 15 % is not checked against anything
    assert "EXCESS_ABOVE_SETTING" not in codes(window)
    # the pharmacy's SOP allows 10 %: 15 % > 10 % → the warning, without retyping the formula
    window.pharmacy = pharmacy(maximum_excess="10 %")
    assert "EXCESS_ABOVE_SETTING" in codes(window)
    # 10 % is at the ceiling, not above it
    type_into_field(window.excess_edit, "10 %")
    assert "EXCESS_ABOVE_SETTING" not in codes(window)
    # settings without a ceiling: no longer checked
    window.pharmacy = pharmacy()
    type_into_field(window.excess_edit, "15 %")
    assert "EXCESS_ABOVE_SETTING" not in codes(window)
