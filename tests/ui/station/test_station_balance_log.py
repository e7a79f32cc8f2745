"""The weighing station and the balance log (issue 25): with the station's balance registered and
no check today, the station says so on opening and refuses a typed weight; after a passing
check the same weight is recorded; a calibration due soon is said on opening."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from compounder.calc.scan import pharmacy_lot_code
from compounder.records.quality_balance import TestWeight, record_check, register_balance
from compounder.ui.station.weighing_view import WeighingView


def _type(qtbot, view, text: str) -> None:
    view.entry.setFocus()
    qtbot.keyClicks(view.entry, text)
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)


def test_the_station_refuses_a_typed_weight_until_its_balance_passes_todays_check(qtbot, bench):
    context, pharmacy, record = bench
    today = context.today()
    with context.transaction() as s:
        register_balance(s, pharmacy.pharmacist, "BAL-1", "Ohaus PX224", "0.1", context.clock(), calibration_due=today + dt.timedelta(days=9),
                         certificate_due=today + dt.timedelta(days=300))
    view = WeighingView(context, record.batch_number, typed_balance="BAL-1")
    qtbot.add_widget(view)
    assert view.message.text().startswith("balance BAL-1: today's check with test weights is due")
    assert "calibration due" in view.message.text() and "(in 9 days)" in view.message.text()
    first = record.lines[0]
    _type(qtbot, view, pharmacy_lot_code(pharmacy.lots[first.name].id))
    _type(qtbot, view, f"{first.target:f}")
    assert "today's check with test weights is due" in view.message.text()
    with context.transaction() as s:
        record_check(s, pharmacy.technician, "BAL-1", [TestWeight("100 g F1", "100", "100.0002")], today, context.clock())
    _type(qtbot, view, f"{first.target:f}")
    assert view.record.lines[0].actual == first.target, view.message.text()


def test_a_station_whose_balance_is_not_registered_says_so_once_balances_are(qtbot, bench):
    context, pharmacy, record = bench
    with context.transaction() as s:
        register_balance(s, pharmacy.pharmacist, "BAL-1", "Ohaus PX224", "0.1", context.clock())
    view = WeighingView(context, record.batch_number, typed_balance="BAL-7")
    qtbot.add_widget(view)
    assert view.message.text() == "this station's balance BAL-7 is not registered in the balance log: weights will be refused"
