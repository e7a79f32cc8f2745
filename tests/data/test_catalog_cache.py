"""The catalog snapshot gives back exactly the catalog the database holds, and a changed
database is read afresh."""

from __future__ import annotations

import shutil
import sqlite3

from compounder.data.catalog import load_catalog, packaged_reference
from compounder.data.catalog_cache import cached_catalog, catalog_from_data, catalog_to_data


def test_snapshot_round_trip_is_exact(catalog):
    assert catalog_from_data(catalog_to_data(catalog)) == catalog


def test_second_load_comes_from_the_snapshot(tmp_path, catalog):
    first = cached_catalog(None, tmp_path)
    [snapshot] = tmp_path.glob("catalog-*.json")
    assert first == catalog
    assert cached_catalog(None, tmp_path) == catalog
    assert list(tmp_path.glob("catalog-*.json")) == [snapshot]


def test_a_changed_database_misses_the_snapshot(tmp_path):
    database = tmp_path / "ref.sqlite"
    shutil.copy(packaged_reference(), database)
    cache = tmp_path / "cache"
    before = cached_catalog(database, cache)
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE base SET name = 'Lipoderm (renamed)' WHERE name = 'Lipoderm'")
    conn.close()
    after = cached_catalog(database, cache)
    assert after == load_catalog(database) and after != before
    assert after.base("Lipoderm (renamed)").name == "Lipoderm (renamed)"
    assert len(list(cache.glob("catalog-*.json"))) == 1  # the stale snapshot is gone


def test_a_corrupt_snapshot_is_ignored(tmp_path, catalog):
    cached_catalog(None, tmp_path)
    [snapshot] = tmp_path.glob("catalog-*.json")
    snapshot.write_text('{"forms": [', encoding="utf-8")
    assert cached_catalog(None, tmp_path) == catalog
