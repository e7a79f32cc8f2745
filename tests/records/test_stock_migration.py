"""Migration 0017 carries a database at 0014 forward: its lots (which were released on receipt)
count as released, and their stock on hand is worked out again from the receipt and the
prepared batches, equal to what the lot recorded."""

from __future__ import annotations

import datetime as dt
from importlib.resources import as_file, files

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.orm import sessionmaker

from compounder.records import lots
from compounder.records.batch_signoff import sign_prepared
from compounder.records.database import HEAD_REVISION, alembic_config, current_revision, migrate, open_database
from compounder.records.stock_ledger import ledgers, reconcile
from tests.records.helpers import make_pharmacy, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_0014_database_is_carried_forward_with_its_lots_released_and_their_stock_reconstructed(backend, database_urls, clock, catalog):
    engine = open_database(database_urls(backend, "stock0014"))
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    pharmacy = make_pharmacy(sessions, clock, catalog)
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        held = lots.receive_lot(s, credentials_of(pharmacy.technician), ingredient="Lipoderm", stock_form="Lipoderm", manufacturer="PCCA", lot_number="LD-9",
                                expires=dt.date(2027, 12, 31), quantity="250", potency_percent=None, now=clock())
    line = record.lines[0]
    with engine.begin() as connection, as_file(files("compounder.records").joinpath("migrations")) as location:
        config = alembic_config(location)
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")  # the lots as a 0014 database holds them: no status, no events
        assert "lot_status" not in inspect(connection).get_table_names()
        assert connection.execute(text("SELECT remaining_ug FROM ingredient_lot WHERE id = :id"), {"id": held.id}).scalar() == 250_000_000
    migrate(engine)
    assert current_revision(engine) == HEAD_REVISION
    with sessions.begin() as s:
        carried = lots.get_lot(s, held.id)
        used = lots.get_lot(s, pharmacy.lots[line.name].id)
        [ledger] = ledgers(s, [used])
        problems = reconcile(s, lots.lots(s))
    # The technician's receipt was in quarantine at head; at 0014 there was no quarantine: released.
    assert carried.status == "released" and carried.problem(clock().date()) is None
    # By hand: each lot received 500 g; line 1 weighed at its target, drawn at the preparer's signature.
    assert used.status == "released" and used.received == 500
    assert [(entry.kind, entry.quantity_ug) for entry in ledger.lines] == [("receipt", 500_000_000), ("use", -int(line.target * 1_000_000))]
    assert used.remaining == 500 - line.target and problems == []
    engine.dispose()
