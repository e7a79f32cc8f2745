"""Reading what the command line is given: formula files, dates, database URLs.

A file is checked before it is opened: only a regular file no larger than its stated limit is
read (a FIFO would hang, /dev/zero would fill the memory), and at most that many bytes are read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from compounder.calc.errors import InputError
from compounder.calc.field_limits import prints_nothing, text_limit
from compounder.calc.fields import check_date_range
from compounder.calc.formula_file import MAX_FORMULA_FILE_BYTES, decode_formula_file
from compounder.cli.errors import DatabaseFailure, UsageError, one_line
from compounder.files import FileRefused, read_regular_file

if TYPE_CHECKING:
    from compounder.calc.label_stock import LabelStock
    from compounder.records.boundary import Engine

#: The packaged reference database is about 150 kB; a hundred times that is not a reference database.
MAX_REFERENCE_BYTES = 16 * 1024 * 1024
#: A pharmacy settings file is under 2 kB.
MAX_SETTINGS_BYTES = 1_000_000
SQLITE_HEADER = b"SQLite format 3\x00"


def read_limited(path: Path, label: str, kind: str, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes; else UsageError
    starting with ``label`` and saying what a ``kind`` file is."""
    try:
        return read_regular_file(path, limit, kind)
    except FileRefused as error:
        raise UsageError(f"{label}: {error}") from None
    except OSError as error:
        raise UsageError(f"{label}: cannot read the file ({error.strerror or error})") from None


def read_formula_file(path: Path) -> Any:
    """The file's data; refuses an unreadable, oversized or malformed file in one line."""
    raw = read_limited(path, str(path), "formula", MAX_FORMULA_FILE_BYTES)
    try:
        return decode_formula_file(raw, path.suffix)
    except ValueError as error:
        raise UsageError(f"{path}: {error}") from None


def reference_path(path: Path | None) -> Path | None:
    """``--reference``: a regular SQLite file of a sane size, checked before the catalog reads it."""
    if path is None:
        return None
    head = read_limited(path, f"--reference {path}", "reference database", MAX_REFERENCE_BYTES)[: len(SQLITE_HEADER)]
    if head != SQLITE_HEADER:
        raise UsageError(f"--reference: {path} is not an SQLite reference database (build one with compounder.data.build)")
    return path


def _in_range(day: dt.date, option: str, kind: str | None = None) -> dt.date:
    try:
        check_date_range(day, option, kind)
    except InputError as error:
        raise UsageError(f"compounder: {error.field}: {error.message}") from None
    return day


def optional_date(text: str | None, option: str, kind: str | None = None) -> dt.date | None:
    """A date option (``None`` when not given), refused outside the range ``kind`` of date allows."""
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"compounder: {option}: {text[:40]!r} is not a date; give YYYY-MM-DD") from None
    return _in_range(day, option, kind)


def date_argument(text: str | None, today: dt.date) -> dt.date:
    """``--date``, the compounding date (today when not given); not before today: a compounding
    date typed into the past would count the beyond-use date and the lot checks from it."""
    day = optional_date(text, "--date", "compounded_on")
    if day is not None and day < today:
        raise UsageError(f"compounder: --date: {day.isoformat()} is before today, {today.isoformat()}; give today or a later date")
    return today if day is None else day


def search_texts(args: argparse.Namespace, options: dict[str, str]) -> None:
    """Texts given as options (``--patient`` and the like, option → the field it is) no longer
    than the field itself may be, and not text that prints as nothing; refused before the
    database is opened."""
    for option, field in options.items():
        value = getattr(args, option.lstrip("-").replace("-", "_"), None)
        if value is None:
            continue
        if prints_nothing(value):
            raise UsageError(f"compounder: {option}: prints as nothing (only spaces, zero-width or direction characters); give the text")
        limit = text_limit(field)
        if len(value) > limit:
            raise UsageError(f"compounder: {option}: {len(value):,} characters is too long; give at most {limit} characters")


@contextmanager
def on_database(
    url_option: str | None, *, create: bool, warn_of_loss: bool = True, warnings: TextIO | None = None,
) -> Iterator[tuple[Engine, str]]:
    """The engine on the URL given (or the default one) with its URL as said in messages
    (password masked), disposed after. The records' refusals and an unreachable server become
    ``UsageError`` (exit 2); a damaged, locked or failing database ``DatabaseFailure`` (exit 1):
    each command says them the same way, in one line. A database behind the head this
    workstation last wrote is said first, on ``warnings`` (stderr), before any work."""
    from compounder.records.boundary import database_errors
    from compounder.records.database import DatabaseProblem, DatabaseUnavailable
    from compounder.records.errors import DatabaseFailed
    from compounder.records.maintenance import describe
    from compounder.records.policy import RecordError

    engine = open_engine(url_option, create=create)
    where = engine.url.render_as_string(hide_password=True)
    try:
        with database_errors():
            if warn_of_loss:
                _warn_of_loss(engine, warnings)
            yield engine, where
    except RecordError as error:
        raise UsageError(f"compounder: {error}") from None
    except DatabaseUnavailable as error:
        raise UsageError(f"compounder: {error}; check the server and the --database URL") from None
    except DatabaseProblem as error:
        raise DatabaseFailure(f"compounder: {error}") from None
    except DatabaseFailed as error:
        raise DatabaseFailure(f"compounder: {describe(error, where)}") from None
    except OSError as error:  # a file beside the database (the audit head) that cannot be written: disk full, no permission
        raise DatabaseFailure(f"compounder: {_os_error(error)}") from None
    finally:
        engine.dispose()


def _warn_of_loss(engine: Engine, warnings: TextIO | None) -> None:
    """The start-up comparison with the recorded head (``head_file.loss_at_start``); a database
    not migrated yet has nothing to compare."""
    from compounder.records.boundary import database_errors
    from compounder.records.errors import DatabaseFailed
    from compounder.records.head_file import loss_at_start

    try:
        with database_errors():
            lost = loss_at_start(engine)
    except DatabaseFailed:
        return
    for problem in lost:
        print(one_line(f"compounder: WARNING: {problem}"), file=warnings if warnings is not None else sys.stderr)


def open_engine(url_option: str | None, *, create: bool):
    """The engine on the URL given (or the default one); a URL that cannot be used is UsageError."""
    from compounder.records.database import BadDatabaseUrl, database_url, open_database

    try:
        return open_database(database_url(url_option), create=create)
    except BadDatabaseUrl as error:
        raise UsageError(f"compounder: {error}") from None


def _os_error(error: OSError) -> str:
    """An operating-system error in one sentence: what failed (its own words when it has them) and the file."""
    if error.strerror and error.filename:
        return f"{error.filename}: {error.strerror}"
    return error.strerror or str(error)


def chosen_label_stock(stock_option: str | None, default: str, position: int) -> LabelStock:
    """The label stock ``--stock`` names (else the pharmacy's ``default``), with ``--position``
    checked against its labels per page; either out of range is ``UsageError``."""
    from compounder.calc.label_stock import LABEL_STOCKS

    key = stock_option or default
    if key not in LABEL_STOCKS:
        raise UsageError(f"compounder: --stock: {key!r} is not a label stock; choose one of {', '.join(LABEL_STOCKS)}")
    stock = LABEL_STOCKS[key]
    if not 1 <= position <= stock.per_page:
        raise UsageError(f"compounder: --position: {position} is not on a {stock.title}; give 1 to {stock.per_page}")
    return stock
