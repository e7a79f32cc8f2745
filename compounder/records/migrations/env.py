"""Alembic environment: runs on the connection ``database.migrate`` passes in, or on the URL
``COMPOUNDER_DATABASE`` names when run from the ``alembic`` command."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from compounder.records import model_formulation as _model_formulation  # noqa: F401 - its tables on the same metadata (issue 25)
from compounder.records import model_quality as _model_quality  # noqa: F401 - its tables on Base's metadata
from compounder.records import model_stock as _stock_tables  # noqa: F401 - migration 0017's tables on Base.metadata
from compounder.records.database import database_url, open_database
from compounder.records.model import Base, include_object_on

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection, target_metadata=Base.metadata, render_as_batch=True, include_object=include_object_on(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = open_database(database_url())
    with engine.begin() as connection:
        run(connection)
    engine.dispose()
