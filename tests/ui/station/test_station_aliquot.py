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
from compounder.records import station as station_records
from compounder.records.database import migrate, open_database
from compounder.records.library import FormulaLibrary
from compounder.ui.common.look import ERROR_TEXT
from compounder.ui.common.records_context import RecordsContext
from tests.conftest import TODAY
from tests.records.conftest import Clock
from tests.records.helpers import forget_aliquot_weighings, make_pharmacy, new_batch
from tests.records.signing_helpers import credentials_of
from tests.ui.conftest import sign_click
from tests.ui.station.test_weighing_view import Monotonic, line_in_db, make_view, scanner


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
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
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

    # the diluent: 13.80 g, ± 5 % 13.11 – 14.49 (13.80 × 0.95 = 13.11, × 1.05 = 14.49), but under 13.79 g the portion's target
    # 3.60 × (10.80 + d) / 10.80 rounds under the minimum weighable 8.2 g (13.78: 8.1933 → 8.19): accept 13.79 – 14.49
    assert view.step == "diluent" and view.position == 1
    assert (view.target.text(), view.band.text()) == (
        "13.80 g", "accept 13.79 – 14.49 g (± 5 %; less would leave the portion under the minimum weighable 8.2 g)")
    qtbot.waitUntil(lambda: view.live_state.text() == "stable — UNDER the band", timeout=3000)
    _stable_at(qtbot, view, simulated, "13.75")  # within ± 5 %, under the least diluent
    qtbot.waitUntil(lambda: view.live_state.text() == "stable — UNDER the band", timeout=3000)
    _stable_at(qtbot, view, simulated, "13.85")
    qtbot.waitUntil(lambda: view.live_state.text() == "stable — within tolerance", timeout=3000)
    _look(view, "2-diluent")
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    assert view.step == "portion"

    # the portion follows the mixture made: 3.60 × (10.80 + 13.85) / 10.80 = 8.2167 → 8.22 g, band 7.81 – 8.63
    # (8.22 × 0.95 = 7.809 up to 7.81, × 1.05 = 8.631 down to 8.63); 8.21 g is within it,
    # where against the drug's own 3.60 g it would be 128 % over
    # ... but under 8.2 g, the balance's minimum weighable, the portion would not weigh to the
    # plan's accuracy: the band starts there
    assert (view.target.text(), view.band.text()) == (
        "8.22 g", "accept 8.20 – 8.63 g (± 5 %; less is under the balance's minimum weighable 8.2 g)\nadapted to the mixture made (printed 8.20 g)"
    )
    _stable_at(qtbot, view, simulated, "8.21")
    qtbot.waitUntil(lambda: view.live_state.text() == "stable — within tolerance", timeout=3000)
    _look(view, "3-portion")
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    # 8.21 × 10.80 / (10.80 + 13.85) = 88.668 / 24.65 = 3.597079 g; (3.597079 − 3.60) / 3.60 = −0.08 %
    assert view.message.text().startswith("Line 1 recorded: its aliquot delivered 3.597079 g of diclofenac sodium (-0.08 %)")
    stored = line_in_db(context, record, 1)
    assert (stored.actual, stored.deviation_percent, stored.out_of_tolerance) == (Decimal("3.597079"), Decimal("-0.08"), False)
    assert [(step.step, step.actual, step.source, step.balance_id, step.by) for step in stored.steps] == [
        ("ingredient", Decimal("10.80"), "balance", "XS205-1", "tess"), ("diluent", Decimal("13.85"), "balance", "XS205-1", "tess"),
        ("portion", Decimal("8.21"), "balance", "XS205-1", "tess"),
    ]
    assert view.position == 2  # on to the next line, cyclobenzaprine, also by aliquot
    with context.sessions() as s:
        assert [(e.position, e.kind) for e in station_records.events(s, record.batch_number)] == [(1, "scan"), (1, "weight"), (1, "weight"), (1, "weight")]
    view.show_line(1)
    _look(view, "4-line-done")
    assert "Drug delivered: 3.597079 g of 3.60 g (-0.08 %)" in view.recorded.text()
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
    assert ERROR_TEXT.name() in view.message.styleSheet()
    assert view.step == "ingredient"
    _look(view, "5-outside")
    scanner(qtbot, view, "9.60")
    assert view.step == "diluent" and line_in_db(context, record, 2).step("ingredient").actual == Decimal("9.60")
    view.close()


def test_a_compensated_over_weighing_of_the_ingredient_goes_through(qtbot, aliquot_bench, simulated):
    context, pharmacy, record = aliquot_bench
    first = record.lines[0]
    view = make_view(qtbot, context, record, simulated, Monotonic())
    scanner(qtbot, view, pharmacy_lot_code(pharmacy.lots[first.name].id))
    # the ingredient 11.30 g, +4.63 % of 10.80 (0.50 / 10.80): within; the diluent in proportion 11.30 × 13.80 / 10.80 = 14.4389 → 14.44 g
    _stable_at(qtbot, view, simulated, "11.30")
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    assert view.message.text().startswith("Line 1, aliquot ingredient: 11.30 g (+4.63 %) recorded. Add 14.44 g of")
    # ± 5 %: 14.44 × 0.95 = 13.718 up to 13.72, × 1.05 = 15.162 down to 15.16; but the least diluent is 14.43
    # (3.60 × 25.73 / 11.30 = 8.1972 → 8.20; 14.42: 8.1940 → 8.19 < 8.2), so 14.43 – 15.16
    assert (view.step, view.target.text()) == ("diluent", "14.44 g")
    assert view.band.text() == (
        "accept 14.43 – 15.16 g (± 5 %; less would leave the portion under the minimum weighable 8.2 g)\n"
        "adapted to the ingredient weighed (printed 13.80 g)"
    )
    # the diluent to the old fixed 13.80 g: under the adapted band, and refused (3.60 × 25.10 / 11.30 = 7.9965 → 8.00 g < 8.2 g)
    _stable_at(qtbot, view, simulated, "13.80")
    qtbot.waitUntil(lambda: view.live_state.text() == "stable — UNDER the band", timeout=3000)
    _look(view, "6-diluent-after-over-weighed-ingredient")
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    assert "the portion would have to be 8.00 g, under the balance's minimum weighable 8.2 g" in view.message.text()
    assert "add base to at least 14.43 g of diluent" in view.message.text() and ERROR_TEXT.name() in view.message.styleSheet()
    assert view.step == "diluent" and line_in_db(context, record, 1).step("diluent").actual is None
    _stable_at(qtbot, view, simulated, "14.44")
    qtbot.waitUntil(lambda: view.live_state.text() == "stable — within tolerance", timeout=3000)
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    # the portion: 3.60 × (11.30 + 14.44) / 11.30 = 92.664 / 11.30 = 8.2004 → 8.20 g, as printed; band
    # 7.79 – 8.61, floored at the balance's minimum weighable 8.2 g
    assert (view.step, view.target.text(), view.band.text()) == (
        "portion", "8.20 g", "accept 8.20 – 8.61 g (± 5 %; less is under the balance's minimum weighable 8.2 g)"
    )
    _stable_at(qtbot, view, simulated, "8.20")
    qtbot.waitUntil(lambda: view.live_state.text() == "stable — within tolerance", timeout=3000)
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    # 8.20 × 11.30 / 25.74 = 92.66 / 25.74 = 3.599845 g, −0.0043 % → −0.00 %: the line within tolerance
    stored = line_in_db(context, record, 1)
    assert (stored.actual, stored.out_of_tolerance) == (Decimal("3.599845"), False)
    assert [(step.step, step.target, step.actual, step.out_of_tolerance) for step in stored.steps] == [
        ("ingredient", Decimal("10.80"), Decimal("11.30"), False), ("diluent", Decimal("14.44"), Decimal("14.44"), False),
        ("portion", Decimal("8.20"), Decimal("8.20"), False),
    ]
    view.close()


def test_f6_starts_the_aliquot_again_from_its_ingredient_until_the_diluent_is_recorded(qtbot, aliquot_bench):
    from sqlalchemy import select

    from compounder.records.model import AuditEntry

    context, pharmacy, record = aliquot_bench
    second = record.lines[1]  # cyclobenzaprine 2.40 g: weigh 9.60 g, dilute with 23.20 g
    view = make_view(qtbot, context, record)
    view.show_line(2)
    view.activateWindow()
    qtbot.waitUntil(lambda: view.entry.hasFocus(), timeout=2000)
    qtbot.keyClick(view.entry, Qt.Key.Key_F6)
    assert "ingredient is not recorded yet" in view.message.text()
    scanner(qtbot, view, pharmacy_lot_code(pharmacy.lots[second.name].id))
    scanner(qtbot, view, "9.40")  # (9.40 − 9.60) / 9.60 = −2.08 %: within; diluent 9.40 × 23.20 / 9.60 = 22.7167 → 22.72
    assert (view.step, view.target.text()) == ("diluent", "22.72 g")
    qtbot.keyClick(view.entry, Qt.Key.Key_F6)
    assert view.step == "ingredient" and view.message.text().startswith("Line 2: the aliquot starts again. Weigh 9.60 g of cyclobenzaprine")
    scanner(qtbot, view, "9.60")
    assert (view.step, view.target.text()) == ("diluent", "23.20 g")  # back to the printed 9.60 × 23.20 / 9.60
    scanner(qtbot, view, "23.20")
    qtbot.keyClick(view.entry, Qt.Key.Key_F6)
    assert "the mixture is made" in view.message.text() and view.step == "portion"
    assert line_in_db(context, record, 2).step("ingredient").actual == Decimal("9.60")
    with context.sessions() as s:
        assert list(s.scalars(select(AuditEntry.action).where(AuditEntry.action == "weigh aliquot again"))) == ["weigh aliquot again"]
    # lidocaine's diluent is the minimum itself (12.00 g diluted with 8.20 g): under 12.00 g the diluent would be under 8.2 g
    # (11.99 × 8.20 / 12.00 = 8.1932 → 8.19), so its ingredient's band starts at its target: 12.00 – 12.60 (12.00 × 1.05)
    view.show_line(3)
    assert view.band.text() == "accept 12.00 – 12.60 g (± 5 %; less would leave the diluent under the minimum weighable 8.2 g)"
    _look(view, "7-ingredient-least")
    view.close()





def test_the_batch_dialog_shows_the_weighings_and_prepares_only_when_all_are_recorded(qtbot, aliquot_bench, catalog):
    from compounder.records import aliquot_steps, batches
    from compounder.ui.records.batch_dialog import BatchDialog

    context, pharmacy, record = aliquot_bench
    number = record.batch_number
    with context.sessions.begin() as s:
        for line in record.lines:
            batches.assign_lot(s, pharmacy.technician, number, line.position, pharmacy.lots[line.name].id, context.clock())
            if not line.steps:
                batches.enter_weight(s, pharmacy.technician, number, line.position, str(line.target), context.clock())
        for step, grams in (("ingredient", "10.85"), ("diluent", "13.86"), ("portion", "8.21")):
            aliquot_steps.enter_step(s, pharmacy.technician, number, 1, step, grams, context.clock())
        aliquot_steps.enter_step(s, pharmacy.technician, number, 2, "ingredient", "9.60", context.clock())
    dialog = BatchDialog(context, FormulaLibrary(context.sessions, context.clock), catalog)
    qtbot.add_widget(dialog)
    dialog.open_batch(number)
    dialog.show()
    # line 1: the diluent's target 10.85 × 13.80 / 10.80 = 13.8639 → 13.86, the portion's 3.60 × 24.71 / 10.85 = 8.1987 → 8.20;
    # 8.21 × 10.85 / 24.71 = 3.604958 g delivered, +0.14 % of 3.60 g; its cell is not typed into
    assert dialog.weights[0].text() == "3.604958" and dialog.weights[0].isReadOnly() and not dialog.weights[0].isEnabled()
    assert dialog.deviations[0].text() == (
        "aliquot: ingredient 10.85 g of 10.80 g (+0.46 %) · diluent 13.86 g of 13.86 g (+0.00 %) · portion 8.21 g of 8.20 g (+0.12 %)"
        "<br>drug delivered +0.14 % of 3.60 g"
    )
    assert dialog.deviations[1].text() == "aliquot: ingredient 9.60 g of 9.60 g (+0.00 %) · diluent — (weigh 23.20 g) · portion — (weigh 8.20 g)"
    assert dialog.weights[1].text() == ""
    if os.environ.get("COMPOUNDER_KEEP_PNG"):
        dialog.layout().activate()
        dialog.grab().save(os.path.join(os.environ["COMPOUNDER_KEEP_PNG"], "batch-dialog.png"))
    dialog.save_lines()  # the aliquot lines' cells are left alone
    assert dialog.message.text() == ""
    said = sign_click(dialog.prepare_button)  # refused in the signing dialog: nothing is signed
    assert "line 2 (cyclobenzaprine hydrochloride): aliquot diluent weighing" in said and "nothing was signed" in said
    with context.sessions() as s:
        assert batches.batch_record(s, number).status.value == "draft"


def test_a_draft_batch_from_before_gets_its_weighings_at_the_station(qtbot, aliquot_bench):
    from sqlalchemy import select

    from compounder.records.model import BatchLine

    context, pharmacy, record = aliquot_bench
    # as stored by 0006: no weighing rows; line 1 weighed already (one weight), lines 2 and 3 not
    with context.sessions.begin() as s:
        ids = list(s.scalars(select(BatchLine.id).where(BatchLine.batch_id == record.id)))
        forget_aliquot_weighings(s, ids, context.clock())
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
