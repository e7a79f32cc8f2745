"""The weighing station steps through an aliquot line's three weighings, each with its own target
and band, with the pty balance simulator: the 8.20 g portion reads within its band (not 128 %
over the drug's 3.60 g, the defect this fixes), Enter records each, then the drug delivered is
shown and the station moves on. A direct line behaves as before."""

from __future__ import annotations

import copy
import datetime as dt
import os
import time
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from sqlalchemy.orm import sessionmaker

from compounder.balance.simulator import SimulatedBalance
from compounder.calc import evaluate, parse_formula
from compounder.calc.plan_data import plan_to_json
from compounder.calc.scan import pharmacy_lot_code
from compounder.records import weighing
from compounder.records.database import migrate, open_database
from compounder.records.library import FormulaLibrary
from compounder.ui.records_window import ERROR_HUE, RecordsContext
from tests.conftest import TODAY
from tests.records.conftest import Clock
from tests.records.helpers import make_pharmacy, new_batch
from tests.ui.test_weighing_view import Monotonic, line_in_db, make_view, scanner


@pytest.fixture
def aliquot_bench(tmp_path, catalog):
    """The shipped diclofenac cream on the 0.01 g balance (minimum weighable 8.2 g): diclofenac
    sodium 3.60 g is made by aliquot: weigh 3 × 3.60 = 10.80 g, add 24.60 − 10.80 = 13.80 g of
    base, weigh 8.20 g of the 24.60 g mixture (8.20 × 10.80 / 24.60 = 3.60 g)."""
    clock = Clock()
    engine = open_database(f"sqlite:///{tmp_path / 'pharmacy.sqlite'}")
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog, expires=dt.date(2027, 6, 30))
    library = FormulaLibrary(sessions, clock)
    data = copy.deepcopy(library.version(pharmacy.version_id).data)
    data["balance"] = "Electronic balance, readability 0.01 g"
    entry = library.add("Our diclofenac cream on the 0.01 g balance", data)
    library.approve(entry.id, pharmacy.pharmacist)
    version = library.approved_version(entry.id)
    pharmacy.version_id = version.id
    pharmacy.plan = plan_to_json(evaluate(parse_formula(version.data), catalog, TODAY))
    record = new_batch(sessions, clock, pharmacy)
    context = RecordsContext(sessions, clock)
    context.actor = pharmacy.technician
    yield context, pharmacy, record
    engine.dispose()


@pytest.fixture
def simulated():
    with SimulatedBalance("mt-sics", grams="0.00") as balance:
        yield balance


def _stable_at(qtbot, view, simulated, grams: str) -> None:
    simulated.grams, simulated.state = Decimal(grams), "stable"
    qtbot.waitUntil(
        lambda: view.last_reading is not None and view.last_reading.grams == Decimal(grams) and time.monotonic() - view.last_reading.at < 0.5,
        timeout=3000,
    )


def _look(view, name: str) -> None:
    """Render the station as it is, to look at (COMPOUNDER_KEEP_PNG=a folder)."""
    folder = os.environ.get("COMPOUNDER_KEEP_PNG")
    if folder:
        view.layout().activate()
        view.grab().save(os.path.join(folder, f"station-{name}.png"))


def test_the_station_steps_through_an_aliquot_and_checks_each_weighing_against_its_own_target(qtbot, aliquot_bench, simulated):
    context, pharmacy, record = aliquot_bench
    first = record.lines[0]
    assert first.name == "diclofenac sodium" and first.target == Decimal("3.60") and first.steps
    view = make_view(qtbot, context, record, simulated, Monotonic())
    assert view.step == "ingredient"
    assert "Aliquot weighing 1 of 3: diclofenac sodium for the aliquot" in view.line_title.text()
    # 10.80 g at ± 5 %: 10.80 × 0.95 = 10.26, 10.80 × 1.05 = 11.34
    assert (view.target.text(), view.band.text()) == ("10.80 g", "accept 10.26 – 11.34 g (± 5 %)")
    scanner(qtbot, view, pharmacy_lot_code(pharmacy.lots[first.name].id))
    assert view.message.text().startswith("Line 1 confirmed: diclofenac sodium")
    _stable_at(qtbot, view, simulated, "10.80")
    qtbot.waitUntil(lambda: view.live_state.text() == "stable — within tolerance", timeout=3000)
    _look(view, "1-ingredient")
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    assert view.message.text().startswith("Line 1, aliquot ingredient: 10.80 g (+0.00 %) recorded. Add 13.80 g of")

    # the diluent: 13.80 g, band 13.11 – 14.49 (13.80 × 0.95 = 13.11, × 1.05 = 14.49); the 10.80 still on the balance is under it
    assert view.step == "diluent" and view.position == 1
    assert (view.target.text(), view.band.text()) == ("13.80 g", "accept 13.11 – 14.49 g (± 5 %)")
    qtbot.waitUntil(lambda: view.live_state.text() == "stable — UNDER the band", timeout=3000)
    _stable_at(qtbot, view, simulated, "13.75")
    qtbot.waitUntil(lambda: view.live_state.text() == "stable — within tolerance", timeout=3000)
    _look(view, "2-diluent")
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    assert view.step == "portion"

    # the portion: 8.20 g, band 7.79 – 8.61 (8.20 × 0.95 = 7.79, × 1.05 = 8.61); 8.21 g is within it,
    # where against the drug's own 3.60 g it would be 128 % over
    assert (view.target.text(), view.band.text()) == ("8.20 g", "accept 7.79 – 8.61 g (± 5 %)")
    _stable_at(qtbot, view, simulated, "8.21")
    qtbot.waitUntil(lambda: view.live_state.text() == "stable — within tolerance", timeout=3000)
    _look(view, "3-portion")
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    # 8.21 × 10.80 / (10.80 + 13.75) = 88.668 / 24.55 = 3.611731 g; (3.611731 − 3.60) / 3.60 = +0.33 %
    assert view.message.text().startswith("Line 1 recorded: its aliquot delivered 3.611731 g of diclofenac sodium (+0.33 %)")
    stored = line_in_db(context, record, 1)
    assert (stored.actual, stored.deviation_percent, stored.out_of_tolerance) == (Decimal("3.611731"), Decimal("0.33"), False)
    assert [(step.step, step.actual, step.source, step.balance_id, step.by) for step in stored.steps] == [
        ("ingredient", Decimal("10.80"), "balance", "XS205-1", "tess"), ("diluent", Decimal("13.75"), "balance", "XS205-1", "tess"),
        ("portion", Decimal("8.21"), "balance", "XS205-1", "tess"),
    ]
    assert view.position == 2  # on to the next line, cyclobenzaprine, also by aliquot
    with context.sessions() as s:
        assert [(e.position, e.kind) for e in weighing.events(s, record.batch_number)] == [(1, "scan"), (1, "weight"), (1, "weight"), (1, "weight")]
    view.show_line(1)
    _look(view, "4-line-done")
    assert "Drug delivered: 3.611731 g of 3.60 g (+0.33 %)" in view.recorded.text()
    assert view.message.text() == "All three aliquot weighings of line 1 are recorded; PgDn: next line"
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)  # nothing more is recorded for it
    assert "nothing more is weighed for it" in view.message.text()
    assert line_in_db(context, record, 1).step("portion").actual == Decimal("8.21")
    view.close()


def test_a_weighing_outside_its_band_stays_on_show_to_be_weighed_again(qtbot, aliquot_bench):
    context, pharmacy, record = aliquot_bench
    second = record.lines[1]  # cyclobenzaprine 2.40 g: weigh 4 × 2.40 = 9.60 g
    view = make_view(qtbot, context, record)
    view.show_line(2)
    scanner(qtbot, view, pharmacy_lot_code(pharmacy.lots[second.name].id))
    assert view.step == "ingredient" and view.target.text() == "9.60 g"
    scanner(qtbot, view, "8.20")  # the portion's weight by mistake: (8.20 − 9.60) / 9.60 = −14.58 %
    assert "OUTSIDE ± 5 %" in view.message.text() and "-14.58 %" in view.message.text()
    assert ERROR_HUE.name() in view.message.styleSheet()
    assert view.step == "ingredient"
    _look(view, "5-outside")
    scanner(qtbot, view, "9.60")
    assert view.step == "diluent" and line_in_db(context, record, 2).step("ingredient").actual == Decimal("9.60")
    view.close()





def test_the_batch_dialog_shows_the_weighings_and_prepares_only_when_all_are_recorded(qtbot, aliquot_bench, catalog):
    from compounder.records import aliquot_steps, batches
    from compounder.ui.batch_dialog import BatchDialog

    context, pharmacy, record = aliquot_bench
    number = record.batch_number
    with context.sessions.begin() as s:
        for line in record.lines:
            batches.assign_lot(s, pharmacy.technician, number, line.position, pharmacy.lots[line.name].id, context.clock())
            if not line.steps:
                batches.enter_weight(s, pharmacy.technician, number, line.position, str(line.target), context.clock())
        for step, grams in (("ingredient", "10.85"), ("diluent", "13.75"), ("portion", "8.21")):
            aliquot_steps.enter_step(s, pharmacy.technician, number, 1, step, grams, context.clock())
        aliquot_steps.enter_step(s, pharmacy.technician, number, 2, "ingredient", "9.60", context.clock())
    dialog = BatchDialog(context, FormulaLibrary(context.sessions, context.clock), catalog)
    qtbot.add_widget(dialog)
    dialog.open_batch(number)
    dialog.show()
    # line 1: 8.21 × 10.85 / 24.60 = 3.621077 g delivered, +0.59 % of 3.60 g; its cell is not typed into
    assert dialog.weights[0].text() == "3.621077" and dialog.weights[0].isReadOnly() and not dialog.weights[0].isEnabled()
    assert dialog.deviations[0].text() == (
        "aliquot: ingredient 10.85 g (+0.46 %) · diluent 13.75 g (-0.36 %) · portion 8.21 g (+0.12 %)<br>drug delivered +0.59 % of 3.60 g"
    )
    assert dialog.deviations[1].text() == "aliquot: ingredient 9.60 g (+0.00 %) · diluent — · portion —"
    assert dialog.weights[1].text() == ""
    if os.environ.get("COMPOUNDER_KEEP_PNG"):
        dialog.layout().activate()
        dialog.grab().save(os.path.join(os.environ["COMPOUNDER_KEEP_PNG"], "batch-dialog.png"))
    dialog.save_lines()  # the aliquot lines' cells are left alone
    assert dialog.message.text() == ""
    qtbot.mouseClick(dialog.prepare_button, Qt.MouseButton.LeftButton)
    assert "line 2 (cyclobenzaprine hydrochloride): aliquot diluent weighing" in dialog.message.text()
    with context.sessions() as s:
        assert batches.batch_record(s, number).status.value == "draft"


def test_a_draft_batch_from_before_gets_its_weighings_at_the_station(qtbot, aliquot_bench):
    from sqlalchemy import delete, select

    from compounder.records.model import AliquotWeighing, BatchLine

    context, pharmacy, record = aliquot_bench
    # as stored by 0006: no weighing rows; line 1 weighed already (one weight), lines 2 and 3 not
    with context.sessions.begin() as s:
        ids = list(s.scalars(select(BatchLine.id).where(BatchLine.batch_id == record.id)))
        s.execute(delete(AliquotWeighing).where(AliquotWeighing.batch_line_id.in_(ids)))
        from compounder.records import batches

        batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, pharmacy.lots[record.lines[0].name].id, context.clock())
        batches.enter_weight(s, pharmacy.technician, record.batch_number, 1, "3.60", context.clock())
    view = make_view(qtbot, context, record)
    assert not line_in_db(context, record, 1).steps  # weighed before: keeps its one weight
    second = line_in_db(context, record, 2)
    assert [(step.step, step.target) for step in second.steps] == [
        ("ingredient", Decimal("9.60")), ("diluent", Decimal("23.20")), ("portion", Decimal("8.20")),
    ]
    assert view.position == 2 and view.step == "ingredient" and view.target.text() == "9.60 g"
    view.close()
