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
HEAD_REVISION = "0003"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def database_url(option: str | None = None) -> str:
    """The URL from the option, else the environment, else the file in the user data dir."""
    if option:
        return option
    if os.environ.get(DATABASE_ENV):
        return os.environ[DATABASE_ENV]
    return f"sqlite:///{user_data_dir() / 'compounder.sqlite'}"


class MissingDatabase(FileNotFoundError):
    """``create=False`` and there is no database file at the path."""


def sqlite_path(engine: Engine) -> Path | None:
    """The file of an SQLite database, None for other databases and in-memory ones."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def open_database(url: str, *, create: bool = True) -> Engine:
    """An engine on ``url``; for SQLite the folder is created (unless ``create`` is false, when a
    missing file is ``MissingDatabase``) and WAL and foreign keys turned on."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        path = sqlite_path(engine)
        if path is not None:
            if not create and not path.is_file():
                raise MissingDatabase(f"there is no database at {path}")
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)

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


def migrate(engine: Engine) -> Path | None:
    """Bring the database to the newest schema; cheap when it is already there. An SQLite file
    that holds an older schema is first backed up beside itself; the backup's path is returned."""
    revision = current_revision(engine)
    if revision == HEAD_REVISION:
        return None
    from alembic import command

    saved = None
    path = sqlite_path(engine)
    if revision is not None and path is not None:
        from compounder.records.maintenance import backup

        stem, attempt = f"{path.stem}.before-{HEAD_REVISION}-from-{revision}", 1
        while (candidate := path.with_name(f"{stem}{'' if attempt == 1 else f'-{attempt}'}{path.suffix}")).exists():
            attempt += 1
        saved = backup(engine, candidate)

    with engine.begin() as connection, as_file(files("compounder.records").joinpath("migrations")) as location:
        config = alembic_config(location)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return saved


def alembic_config(location: Path):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(location))
    return config


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
