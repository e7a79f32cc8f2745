"""After the PostgreSQL server restarts, an idle workstation's first actions work: the dead
pooled connections are replaced, none of them costs the user an error (issue 21, observation 4)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from compounder.records.database import DatabaseUnavailable, migrate, open_database
from tests.pgcluster import Cluster


@pytest.fixture
def own_cluster():
    cluster = Cluster().start()
    yield cluster
    cluster.remove()


@pytest.mark.slow
def test_a_server_restart_costs_no_action_an_error_with_1_3_or_5_idle_connections(own_cluster):
    engine = open_database(own_cluster.create_database("restarted"))
    migrate(engine)
    sessions = sessionmaker(engine)
    try:
        for idle in (1, 3, 5):
            held = [engine.connect() for _ in range(idle)]  # the workstation was busy …
            for connection in held:
                connection.execute(text("SELECT 1"))
                connection.close()  # … then idle: `idle` connections wait in the pool
            assert engine.pool.checkedin() == idle

            own_cluster.stop("fast")
            own_cluster.start()

            failures = []
            for action in range(idle + 1):  # every pooled connection is dead: each action meets one
                try:
                    with sessions() as session:
                        assert session.scalar(text("SELECT sequence FROM audit_head")) == 0
                except DatabaseUnavailable as error:
                    failures.append(f"action {action}: {error}")
            assert failures == [], f"{idle} idle connections"
            engine.dispose()
    finally:
        engine.dispose()
