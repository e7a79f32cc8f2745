"""The balance is polled only while the weighing station is open (defect found in the last
round): closing the station, closing the batch dialog with it open, closing the main window with
both open, or the dialogs being destroyed stops the polling thread and closes the serial port.
The balance is the simulator on a real pseudo-terminal; it lists every command it receives."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from compounder.balance.simulator import SimulatedBalance
from compounder.records.library import FormulaLibrary
from compounder.settings import EXAMPLE, settings_from_data
from compounder.ui.records.batch_dialog import BatchDialog
from compounder.ui.station.weighing_view import WeighingView, open_station

BALANCE_ID = "XS205-1"


@pytest.fixture
def simulated():
    with SimulatedBalance("mt-sics", grams="0.000") as balance:
        yield balance


def _balance_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"balance {BALANCE_ID}"]


def _open(qtbot, bench, catalog, simulated, *, qtbot_closes=True):
    context, _pharmacy, record = bench
    settings = dataclasses.replace(settings_from_data(EXAMPLE), balance_port=simulated.port, balance_driver="mt-sics", balance_id=BALANCE_ID)
    window = QMainWindow()
    if qtbot_closes:
        qtbot.add_widget(window)
    window.show()
    dialog = BatchDialog(context, FormulaLibrary(context.sessions, context.clock), catalog, window, pharmacy=lambda: settings, open_station=open_station)
    dialog.open_batch(record.batch_number)
    dialog.show()
    qtbot.mouseClick(dialog.station_button, Qt.MouseButton.LeftButton)
    station = dialog.station
    assert isinstance(station, WeighingView) and station.poller is not None
    port = station.poller.driver._port
    # polled: commands keep arriving (every 0.2 s) and readings reach the view
    qtbot.waitUntil(lambda: station.last_reading is not None and len(simulated.commands) >= 3, timeout=5000)
    assert port.is_open and len(_balance_threads()) == 1
    return window, dialog, station, port


def _assert_stopped(qtbot, simulated, port) -> None:
    qtbot.waitUntil(lambda: not _balance_threads(), timeout=6000)
    assert not port.is_open
    sent = len(simulated.commands)
    time.sleep(1.0)  # five polling periods
    assert len(simulated.commands) == sent, simulated.commands[sent:]


def test_closing_the_station_stops_the_polling_and_closes_the_port(qtbot, bench, catalog, simulated):
    _window, _dialog, station, port = _open(qtbot, bench, catalog, simulated)
    qtbot.keyClick(station, Qt.Key.Key_Escape)
    _assert_stopped(qtbot, simulated, port)


def test_closing_the_batch_dialog_closes_its_station(qtbot, bench, catalog, simulated):
    _window, dialog, station, port = _open(qtbot, bench, catalog, simulated)
    dialog.close()
    _assert_stopped(qtbot, simulated, port)
    assert not station.isVisible()


def test_closing_the_main_window_with_both_open_stops_the_balance(qtbot, bench, catalog, simulated):
    window, _dialog, station, port = _open(qtbot, bench, catalog, simulated)
    window.close()
    _assert_stopped(qtbot, simulated, port)
    assert not station.isVisible()


def test_the_station_destroyed_with_its_window_stops_the_balance(qtbot, bench, catalog, simulated):
    window, _dialog, _station, port = _open(qtbot, bench, catalog, simulated, qtbot_closes=False)
    window.deleteLater()  # the window, the batch dialog and the station are deleted without being closed
    qtbot.waitUntil(lambda: not _balance_threads(), timeout=6000)
    _assert_stopped(qtbot, simulated, port)
