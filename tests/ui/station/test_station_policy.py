"""Issue 28 at the weighing station: a new certified minimum applies while the station is open
(observation 10), and a weight typed where the pharmacy requires the balance is recorded only
with a pharmacist's signed reason, asked there and then (observation 9)."""

from __future__ import annotations

import dataclasses
import os

from PySide6.QtCore import Qt

from compounder.calc.scan import pharmacy_lot_code
from compounder.calc.units import Q_
from compounder.records import batches, pharmacy_rules
from compounder.ui.station.weighing_view import WeighingView, open_station
from tests.records.helpers import PASSWORD, PHARMACY

SHOTS = os.environ.get("COMPOUNDER_SHOTS")


def scanner(qtbot, view, text: str) -> None:
    qtbot.keyClicks(view.entry, text)
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)


def test_a_new_certified_minimum_applies_while_the_station_is_open(qtbot, bench, catalog):
    from compounder.records.library import FormulaLibrary
    from compounder.ui.records.batch_dialog import BatchDialog

    context, pharmacy, record = bench
    settings = [PHARMACY]  # the window's settings, as File ▸ Pharmacy settings… replaces them
    dialog = BatchDialog(context, FormulaLibrary(context.sessions, context.clock), catalog, pharmacy=lambda: settings[0], open_station=open_station)
    qtbot.add_widget(dialog)
    dialog.open_batch(record.batch_number)
    qtbot.mouseClick(dialog.station_button, Qt.MouseButton.LeftButton)
    view = dialog.station
    assert isinstance(view, WeighingView)
    # A line weighed directly whose target is under 3 g (cyclobenzaprine HCl: 120 g × 2 % = 2.400 g).
    line = next(line for line in record.lines if not line.steps and line.target < 3)
    view.show_line(line.position)
    scanner(qtbot, view, pharmacy_lot_code(pharmacy.lots[line.name].id))
    # The balance certified from 3 g now, the station still open.
    settings[0] = dataclasses.replace(PHARMACY, balances=((record.plan["balance"]["name"], Q_(3, "g")),))
    scanner(qtbot, view, f"{line.target:f}")
    assert "now certified from 3 g" in view.message.text()
    with context.sessions() as s:
        assert batches.batch_record(s, record.batch_number).lines[line.position - 1].actual is None
    view.close()


def test_a_typed_weight_where_the_balance_is_required_asks_a_pharmacist_there_and_then(qtbot, bench):
    context, pharmacy, record = bench
    with context.sessions.begin() as s:
        pharmacy_rules.set_rules(s, pharmacy.admin, dataclasses.replace(PHARMACY, weighing_tolerance=Q_(5, "percent"), balance_required=True), context.clock())
    view = WeighingView(context, record.batch_number)
    qtbot.add_widget(view)
    view.show()
    first = record.lines[0]
    scanner(qtbot, view, pharmacy_lot_code(pharmacy.lots[first.name].id))
    scanner(qtbot, view, f"{first.target:f}")
    dialog = view.hand_dialog
    assert dialog is not None and dialog.isVisible() and dialog.windowTitle() == "Typed weight — pharmacist signs"
    assert dialog.objectName() == "signingDialog" and dialog.meaning == "typed weight"
    assert not dialog.reason_messages[0].isVisible()  # the Enter that typed the weight did not press its button
    with context.sessions() as s:
        assert batches.batch_record(s, record.batch_number).lines[0].actual is None  # nothing until a pharmacist signs
    dialog.username.setText("paula")
    dialog.password.setText(PASSWORD)
    dialog.reasons[0].setText("balance out for calibration; read from the backup balance")
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "typed-weight-reason.png"))
    dialog.accept()
    with context.sessions() as s:
        stored = batches.batch_record(s, record.batch_number).lines[0]
    assert (stored.actual, stored.weight_source, stored.weight_reason_by) == (first.target, "typed", "Paula Pharmacist, RPh")
    assert stored.weight_reason == "balance out for calibration; read from the backup balance"
    assert view.position == 2  # on to the next line
    view.close()
