"""Where the shipped reference database is (without loading SQLAlchemy to find out)."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def packaged_reference() -> Path:
    """Path of the reference database shipped in the package (``data/ingredients.sqlite``)."""
    resource = files("compounder.refdata").joinpath("ingredients.sqlite")
    with as_file(resource) as path:  # a real file for an installed or editable package
        return Path(path)
