"""Where the pharmacy database lives, how it is opened, and its migration to the current schema.

The location is, first found: the ``--database`` option, ``COMPOUNDER_DATABASE``, or
``compounder.sqlite`` in the user's data directory. SQLite runs with write-ahead logging and
foreign keys on.
"""

from __future__ import annotations

import os
from importlib.resources import as_file, files
from pathlib import Path

import platformdirs
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

APP_NAME = "compounder"
DATABASE_ENV = "COMPOUNDER_DATABASE"

# The newest migration in compounder/records/migrations/versions. Start-up compares the
# database with it and only loads Alembic when they differ (a test keeps it in step).
HEAD_REVISION = "0002"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def database_url(option: str | None = None) -> str:
    """The URL from the option, else the environment, else the file in the user data dir."""
    if option:
        return option
    if os.environ.get(DATABASE_ENV):
        return os.environ[DATABASE_ENV]
    return f"sqlite:///{user_data_dir() / 'compounder.sqlite'}"


def open_database(url: str) -> Engine:
    """An engine on ``url``; for SQLite the folder is created and WAL and foreign keys turned on."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.close()

    return engine


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema; cheap when it is already there."""
    if current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    with engine.begin() as connection, as_file(files("compounder.records").joinpath("migrations")) as location:
        config = alembic_config(location)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def alembic_config(location: Path):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(location))
    return config


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
