"""The records screens on a real migrated database: sign in, lots with expiry warnings and
receiving, history search, recall with CSV export, and the menu in the main window."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy.orm import sessionmaker

from compounder.records import batches
from compounder.records.database import migrate, open_database
from compounder.ui.records_window import (
    ERROR_HUE, HISTORY_HEADERS, WARNING_HUE, HistoryDialog, LotsDialog, RecallDialog, RecordsContext, RowsModel, SignInDialog,
)
from tests.records.conftest import Clock
from tests.records.helpers import PASSWORD, make_pharmacy, new_batch, weigh_all


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def records(tmp_path, clock, catalog):
    engine = open_database(f"sqlite:///{tmp_path / 'pharmacy.sqlite'}")
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog, expires=dt.date(2026, 12, 10))
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, pharmacy.technician, record.batch_number, clock())
    yield RecordsContext(sessions, clock), pharmacy, record
    engine.dispose()


def test_rows_model_passes_the_model_tester(qtmodeltester):
    model = RowsModel(HISTORY_HEADERS)
    qtmodeltester.check(model, force_py=True)
    model.set_rows([tuple(str(i) for i in range(len(HISTORY_HEADERS)))] * 3, [None, WARNING_HUE, ERROR_HUE], ["a", None, "c"])
    qtmodeltester.check(model, force_py=True)


def test_rows_model_resets_in_order(qtbot):
    model = RowsModel(("a",))
    with qtbot.wait_signals([model.modelAboutToBeReset, model.modelReset], order="strict"):
        model.set_rows([("x",)])


def test_sign_in_says_wrong_password_and_stays_open(qtbot, records):
    context, pharmacy, _record = records
    dialog = SignInDialog(context)
    qtbot.add_widget(dialog)
    dialog.username.setText("paula")
    dialog.password.setText("not the password")
    dialog.try_sign_in()
    assert dialog.message.text() == "wrong user name or password"
    assert dialog.password.text() == "" and context.actor is None and dialog.result() == 0
    dialog.password.setText(PASSWORD)
    with qtbot.wait_signal(context.signed_in):
        dialog.try_sign_in()
    assert context.actor == pharmacy.pharmacist and dialog.result() == 1


def test_lots_are_listed_soonest_expiry_first_with_warnings_and_a_lot_is_received(qtbot, records, clock):
    context, pharmacy, _record = records
    dialog = LotsDialog(context)
    qtbot.add_widget(dialog)
    assert dialog.model.rowCount() == len(pharmacy.lots)
    status = dialog.model.index(0, 8)
    assert status.data() == "expires in 17 days"
    assert status.data(0x0009) == WARNING_HUE  # ForegroundRole
    assert not dialog.receive_button.isEnabled()

    context.sign_in("tess", PASSWORD)
    assert dialog.receive_button.isEnabled()
    dialog.ingredient.setText("lidocaine")
    dialog.stock_form.setText("lidocaine hydrochloride monohydrate")
    dialog.manufacturer.setText("Spectrum")
    dialog.lot_number.setText("SP-1")
    dialog.quantity.setText("-5")
    dialog.receive()
    assert "cannot be negative" in dialog.message.text()
    assert dialog.model.rowCount() == len(pharmacy.lots)
    dialog.quantity.setText("250")
    dialog.potency.setText("99.1")
    dialog.receive()
    assert dialog.message.text() == ""
    assert dialog.received.text() == "Received lot SP-1 of lidocaine hydrochloride monohydrate: 250 g."
    rows = [dialog.model.row(r) for r in range(dialog.model.rowCount())]
    assert rows[-1][:2] == ("SP-1", "lidocaine hydrochloride monohydrate") and rows[-1][-1] == "usable"

    clock.advance(days=30)
    dialog.refresh()
    assert dialog.model.index(0, 8).data() == "expired 2026-12-10 — do not use"
    assert dialog.model.index(0, 8).data(0x0009) == ERROR_HUE


def test_history_search(qtbot, records):
    context, _pharmacy, record = records
    dialog = HistoryDialog(context)
    qtbot.add_widget(dialog)
    dialog.patient.setText("jane q")
    dialog.search()
    assert dialog.model.rowCount() == 1
    assert dialog.model.row(0)[:4] == (record.batch_number, "2026-11-23", "prepared", "Jane Q. Doe")
    dialog.patient.setText("john")
    dialog.search()
    assert dialog.model.rowCount() == 0 and dialog.message.text() == "No batch matches."
    dialog.since.setText("23/11/2026")
    dialog.search()
    assert "is not a date; type YYYY-MM-DD" in dialog.message.text()


def test_recall_lists_batches_and_patients_and_exports_csv(qtbot, records, tmp_path):
    context, pharmacy, record = records
    target = tmp_path / "out" / "recall.csv"
    target.parent.mkdir()
    dialog = RecallDialog(context, ask_path=lambda _parent, _suggested: target)
    qtbot.add_widget(dialog)
    dialog.lot_number.setText("NOPE")
    dialog.find()
    assert dialog.message.text() == "no lot NOPE in stock records" and not dialog.export_button.isEnabled()
    dialog.lot_number.setText("L000A")
    dialog.find()
    assert dialog.summary.text().endswith("1 batch, 1 patient.")
    assert dialog.model.row(0)[:4] == (record.batch_number, "2026-11-23", "prepared", "Jane Q. Doe")
    dialog.export()
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(r["batch number"], r["patient"]) for r in rows] == [(record.batch_number, "Jane Q. Doe")]
    assert "Exported to" in dialog.summary.text()


def test_the_main_window_has_the_records_menu(qtbot, tmp_path):
    from compounder.ui.app import build_workbench, parse_args

    workbench = build_workbench(parse_args(["--database", f"sqlite:///{tmp_path / 'app.sqlite'}"]), dt.date(2026, 11, 23))
    qtbot.add_widget(workbench.window)
    try:
        titles = [a.text().replace("&", "") for a in workbench.window.menuBar().actions()]
        assert titles.index("Records") == titles.index("Help") - 1
    finally:
        workbench.engine.dispose()
