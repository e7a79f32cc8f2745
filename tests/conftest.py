"""Fixtures shared by every test: the packaged catalog, and user paths kept inside tmp_path."""

from __future__ import annotations

import datetime as dt
import sys

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


# ------------------------------------------------------------------ the fuzz tests' report
# What the fuzz tests' generated inputs ended in (issue #14), printed after the run. Under
# pytest-xdist each fuzz test runs whole on one worker, which hands its lines to the controller.
_FUZZ_MODULES = ("tests.cli.test_fuzz_documents", "tests.cli.test_fuzz_arguments")
_fuzz_lines_from_workers: list[str] = []


def _fuzz_lines() -> list[str]:
    modules = (sys.modules.get(name) for name in _FUZZ_MODULES)
    return [line for module in modules if module is not None for line in [module.summary()] if line]


def pytest_sessionfinish(session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker
        workeroutput["fuzz_lines"] = _fuzz_lines()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # the xdist controller, as each worker ends
    _fuzz_lines_from_workers.extend(getattr(node, "workeroutput", {}).get("fuzz_lines", []))


def pytest_terminal_summary(terminalreporter) -> None:
    lines = _fuzz_lines() + _fuzz_lines_from_workers
    if lines:
        terminalreporter.write_sep("-", "fuzz corpus (issue #14)")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def cups_spooler():
    """A throw-away CUPS scheduler with PDF printers (tests/cupsd.py) for the session. Skipped on
    a machine without CUPS and cups-pdf, except where COMPOUNDER_REQUIRE_CUPS is set (.ci/run sets
    it): there a missing spooler fails the tests."""
    import os

    from tests.cupsd import Spooler, SpoolerUnavailable

    try:
        spooler = Spooler().start()
    except SpoolerUnavailable as error:
        if os.environ.get("COMPOUNDER_REQUIRE_CUPS"):
            pytest.fail(f"the printing tests need CUPS: {error}", pytrace=False)
        pytest.skip(f"the printing tests need CUPS: {error}")
    try:
        yield spooler
    finally:
        spooler.remove()
