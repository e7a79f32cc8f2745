"""Issue 28, observation 1, on the weighing screen: the lot picked sets the target at once. Picking
lidocaine lot LB26-777 (CoA 95.0 %) on a line planned at the master formula's 99.8 % shows the
target worked out from that lot before anything is weighed, so the weight typed against it is
saved with the lot in one Save (before: the lot was saved, the weight refused as typed against
the old target, and the technician had to weigh again)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import sessionmaker

from compounder.records import batches
from compounder.records.database import open_database
from compounder.records.library import FormulaLibrary
from compounder.ui.common.records_context import RecordsContext
from compounder.ui.records.batch_dialog import BatchDialog
from tests.records.helpers import PASSWORD
from tests.records.lidocaine_lot import BASE_AT_LOT, TARGET_AT_FORMULA, TARGET_AT_LOT, make_lidocaine_batch, receive_lidocaine_lot


@pytest.fixture
def weighing(qtbot, tmp_path, clock, catalog, migrated_sqlite, pharmacy_settings):
    """Tess at the batch dialog on a draft of lidocaine 4 % in Lipoderm planned at 99.8 %, with
    lot LB26-777 (95.0 %) and a Lipoderm lot received: the dialog, sessions, batch number, lots."""
    engine = open_database(migrated_sqlite(tmp_path / "pharmacy.sqlite"))
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy, version_id, lot, base = receive_lidocaine_lot(sessions, clock, catalog)
    with sessions.begin() as s:
        number = make_lidocaine_batch(s, pharmacy, version_id, clock, catalog).batch_number
    context = RecordsContext(sessions, clock)
    dialog = BatchDialog(context, FormulaLibrary(sessions, clock), catalog, pharmacy=lambda: pharmacy_settings["current"])
    qtbot.add_widget(dialog)
    context.sign_in("tess", PASSWORD)
    dialog.open_batch(number)
    yield dialog, sessions, number, lot, base
    engine.dispose()


def test_picking_a_lot_shows_its_target_and_the_weight_typed_against_it_is_saved_with_it(weighing):
    dialog, sessions, number, lot, base = weighing
    lidocaine, lipoderm = dialog.record.lines
    assert lidocaine.target == TARGET_AT_FORMULA  # 2.400 / 0.998 = 2.40481 → 2.405 g, planned before a lot was chosen

    dialog.lot_boxes[0].setCurrentIndex(dialog.lot_boxes[0].findData(lot.id))
    # By hand (tests/records/lidocaine_lot.py): 2.400 / 0.950 = 2.52632 → 2.526 g; base 60.000 − 2.526 = 57.474 g.
    assert dialog.target_labels[0].text() == "<b>2.526</b>" and dialog.target_labels[1].text() == "<b>57.474</b>"
    assert "the record holds 2.405 g until they are saved" in dialog.target_labels[0].toolTip()
    assert dialog.shown_targets == {1: TARGET_AT_LOT, 2: BASE_AT_LOT}

    dialog.lot_boxes[1].setCurrentIndex(dialog.lot_boxes[1].findData(base.id))  # the base's lot: same targets
    assert dialog.shown_targets == {1: TARGET_AT_LOT, 2: BASE_AT_LOT}
    dialog.weights[0].setText("2.526")
    dialog.weights[1].setText("57.474")
    dialog.save_lines()

    assert dialog.message.text() == ""
    with sessions() as s:
        saved = batches.batch_record(s, number)
    assert [(line.lot_id, line.target, line.actual) for line in saved.lines] == [
        (lot.id, TARGET_AT_LOT, TARGET_AT_LOT), (base.id, BASE_AT_LOT, BASE_AT_LOT),
    ]
    assert dialog.target_labels[0].text() == "2.526" and dialog.target_labels[0].toolTip() == ""  # now the record's own


def test_back_to_no_lot_shows_the_records_target_again(weighing):
    dialog, _sessions, _number, lot, _base = weighing
    dialog.lot_boxes[0].setCurrentIndex(dialog.lot_boxes[0].findData(lot.id))
    dialog.lot_boxes[0].setCurrentIndex(0)  # "— choose a lot —"
    assert dialog.target_labels[0].text() == "2.405" and dialog.shown_targets[1] == TARGET_AT_FORMULA
