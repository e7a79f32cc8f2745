"""The batch dialog when the database server cannot be reached: it says so, keeps every entry,
saves nothing, and its Retry button does the step again once the server is back."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from compounder.records.database import open_database
from compounder.records.model import Batch, BatchLine
from tests.pgcluster import free_port
from tests.records.helpers import PASSWORD
from tests.ui.records.test_batch_records import order


def test_a_lost_server_is_said_the_entries_are_kept_and_retry_saves_them(batch_dialog):
    dialog, context, pharmacy = batch_dialog
    reachable = context.sessions
    unreachable = open_database(f"postgresql://rx:secret@127.0.0.1:{free_port()}/compounder")
    context.sign_in("tess", PASSWORD)
    order(dialog, pharmacy.version_id, rx="RX-3003")
    typed_order = [f.text() for f in (dialog.patient, dialog.born, dialog.rx, dialog.prescriber, dialog.directions, dialog.quantity, dialog.refills)]

    context.sessions = sessionmaker(unreachable, expire_on_commit=False)  # the server goes away
    dialog.create_button.click()
    assert dialog.message.text().startswith("the database server cannot be reached: postgresql+psycopg://rx:***@127.0.0.1:")
    assert "your entries are kept" in dialog.message.text() and "secret" not in dialog.message.text()
    assert dialog.record is None and dialog.retry_button.isVisibleTo(dialog)
    assert [f.text() for f in (dialog.patient, dialog.born, dialog.rx, dialog.prescriber, dialog.directions, dialog.quantity, dialog.refills)] == typed_order
    assert typed_order[:4] == ["Jane Q. Doe", "1948-03-02", "RX-3003", "Dr. A. Smith"]

    context.sessions = reachable  # back
    dialog.retry_button.click()
    assert dialog.message.text() == "" and not dialog.retry_button.isVisibleTo(dialog)
    record = dialog.record
    assert (record.batch_number, record.rx_number, record.patient.name) == ("261123-002", "RX-3003", "Jane Q. Doe")

    # Lots and weights typed, then the server goes away while saving them: nothing saved, nothing cleared.
    typed = []
    for index, line in enumerate(record.lines):
        dialog.lot_boxes[index].setCurrentIndex(dialog.lot_boxes[index].findData(pharmacy.lots[line.name].id))
        dialog.weights[index].setText(f"{line.target:f}")
        typed.append(f"{line.target:f}")
    context.sessions = sessionmaker(unreachable, expire_on_commit=False)
    dialog.save_button.click()
    assert dialog.message.text().startswith("the database server cannot be reached") and dialog.message.text().endswith("nothing was saved")
    assert [w.text() for w in dialog.weights] == typed
    with reachable() as session:
        weighed = session.scalar(select(func.count()).select_from(BatchLine).join(Batch).where(Batch.batch_number == "261123-002", BatchLine.actual_ug.is_not(None)))
    assert weighed == 0

    context.sessions = reachable
    dialog.retry_button.click()
    assert dialog.message.text() == ""
    assert [line.actual for line in dialog.record.lines] == [line.target for line in record.lines]
    unreachable.dispose()
