"""The PostgreSQL prefix-search indexes: made in byte order (``text_pattern_ops``) by the
migration and by the model alike, and declared so that importing the model does not load
SQLAlchemy's PostgreSQL dialect (start-up on SQLite, issue #16)."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import create_engine, text

from compounder.records.database import migrate, open_database
from compounder.records.model import Base

PREFIX_INDEXES = ("ix_batch_batch_number_prefix", "ix_patient_search_key_prefix")


def index_definitions(engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"))
        return {name: definition for name, definition in rows}


def test_importing_the_model_does_not_load_the_postgresql_dialect():
    code = "import sys, compounder.records.model; print('sqlalchemy.dialects.postgresql' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_model_makes_the_same_postgresql_indexes_as_the_migrations(database_urls):
    migrated = open_database(database_urls("postgresql", "indexes_migrated"))
    migrate(migrated)
    created = create_engine(database_urls("postgresql", "indexes_created"))
    Base.metadata.create_all(created)
    try:
        from_migrations, from_model = index_definitions(migrated), index_definitions(created)
    finally:
        migrated.dispose()
        created.dispose()
    for name in PREFIX_INDEXES:
        assert "text_pattern_ops" in from_migrations[name], from_migrations[name]
        assert from_model[name] == from_migrations[name]
    # Every index the model makes on PostgreSQL is the migrations' own, word for word.
    assert {name: from_model[name] for name in from_model} == {name: from_migrations[name] for name in from_model}


def test_sqlite_gets_no_prefix_index_from_the_model(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'model.sqlite'}")
    Base.metadata.create_all(engine)
    with engine.connect() as connection:
        names = set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars())
    engine.dispose()
    assert not names & set(PREFIX_INDEXES)
