"""A snapshot of the catalog in the user's cache folder, so a command-line run need not load
SQLAlchemy (about half a second here) to read a database that has not changed.

The snapshot is keyed by the SHA-256 of the database file and the program's version: a
changed database or a new release simply misses and is read again through the SQLAlchemy
models. A snapshot that cannot be read is ignored, never trusted in part.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from compounder import __version__
from compounder.calc import model
from compounder.calc.catalog import Catalog
from compounder.calc.units import Quantity, quantity_in, ureg
from compounder.data.reference_file import packaged_reference

FORMAT = 1
_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        model.Source, model.Sourced, model.Density, model.StrengthRange, model.Limit, model.Caution,
        model.Substance, model.Form, model.Base, model.Balance, model.BudCategory, model.ScreeningTerm,
        model.ScreeningRule, model.ControlledLimit, model.ScreeningClass, model.CommercialProduct,
    )
}


def cached_catalog(path: Path | None, cache_dir: Path) -> Catalog:
    """The catalog of the database at ``path`` (default: the packaged one), from the snapshot
    in ``cache_dir`` when it matches the file, else read afresh and snapshotted."""
    path = path or packaged_reference()
    try:
        digest = hashlib.sha256(path.read_bytes() + f"\0{__version__}\0{FORMAT}".encode()).hexdigest()
    except OSError:
        digest = None  # let the loader give its own message
    snapshot = cache_dir / f"catalog-{digest}.json" if digest else None
    if snapshot is not None:
        try:
            return catalog_from_data(json.loads(snapshot.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            pass
    from compounder.data.catalog import load_catalog  # loads SQLAlchemy

    catalog = load_catalog(path)
    if snapshot is not None:
        _write(snapshot, json.dumps(catalog_to_data(catalog), separators=(",", ":")))
    return catalog


def _write(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for stale in target.parent.glob("catalog-*.json"):
            stale.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, delete=False, suffix=".tmp") as handle:
            handle.write(text)
        os.replace(handle.name, target)  # readers see the old file or the whole new one
    except OSError:
        pass  # a cache that cannot be written only costs speed


def catalog_to_data(catalog: Catalog) -> dict[str, Any]:
    return {
        field.name: _encode(getattr(catalog, field.name))
        for field in dataclasses.fields(catalog)
        if field.init
    }


def catalog_from_data(data: dict[str, Any]) -> Catalog:
    return Catalog(**{name: _decode(value) for name, value in data.items()})


def _encode(value: Any) -> Any:
    if isinstance(value, Quantity):
        return {"$q": [value.magnitude, str(value.units)]}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if dataclasses.is_dataclass(value):
        return {"$t": type(value).__name__, **{f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot snapshot {type(value).__name__}")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(item) for item in value)
    if isinstance(value, dict):
        if "$q" in value:
            magnitude, unit = value["$q"]
            return quantity_in(magnitude, _unit(unit))
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        cls = _TYPES[value["$t"]]
        return cls(**{key: _decode(item) for key, item in value.items() if key != "$t"})
    return value


_UNITS: dict[str, Any] = {}


def _unit(text: str):
    if text not in _UNITS:
        _UNITS[text] = ureg.Unit(text)
    return _UNITS[text]
