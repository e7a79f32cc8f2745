"""Fixtures shared by every test: the packaged catalog, and user paths kept inside tmp_path."""

from __future__ import annotations

import datetime as dt

import pytest

from compounder.calc import Catalog

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    from compounder.data.catalog import load_catalog

    return load_catalog()


@pytest.fixture(autouse=True)
def _private_user_dirs(tmp_path, monkeypatch):
    """Nothing a test does touches the real user's data, settings or cache."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("COMPOUNDER_SETTINGS_DIR", str(tmp_path / "settings"))


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throw-away PostgreSQL server on loopback for the whole session, stopped at its end
    (also when tests fail). Fails with what to install when the server binaries are missing."""
    from tests.pgcluster import Cluster, ClusterUnavailable

    try:
        cluster = Cluster().start()
    except ClusterUnavailable as error:
        pytest.fail(f"PostgreSQL tests need a server: {error}", pytrace=False)
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory, postgres_cluster):
    """``make(backend, name)``: the URL of a new, empty database on SQLite or on PostgreSQL."""
    made = []

    def make(backend: str, name: str) -> str:
        made.append(name)
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp(name) / (name + '.sqlite')}"
        return postgres_cluster.create_database(f"{name}_{len(made)}")

    return make
