"""Reading what the command line is given: formula files, dates, database URLs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from compounder.calc.formula_file import decode_formula_file
from compounder.cli.errors import UsageError


def read_formula_file(path: Path) -> Any:
    """The file's data; refuses an unreadable or malformed file in one line."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: cannot read the file ({error.strerror or error})") from None
    try:
        return decode_formula_file(raw, path.suffix)
    except ValueError as error:
        raise UsageError(f"{path}: {error}") from None


def optional_date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"compounder: {option} {text!r} is not a date; give YYYY-MM-DD") from None


def date_argument(text: str | None, today: dt.date) -> dt.date:
    if text is None:
        return today
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--date: {text!r} is not a date; write YYYY-MM-DD") from None


def open_engine(url_option: str | None, *, create: bool):
    """The engine on the URL given (or the default one); a URL that cannot be used is UsageError."""
    from compounder.records.database import BadDatabaseUrl, database_url, open_database

    try:
        return open_database(database_url(url_option), create=create)
    except BadDatabaseUrl as error:
        raise UsageError(f"compounder: {error}") from None
