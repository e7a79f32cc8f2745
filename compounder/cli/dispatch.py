"""``run``: one command line parsed and handed to its command; every refusal is one line on
stderr and exit 2."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from compounder.calc import Catalog, InputError
from compounder.cli.calc import calc_command
from compounder.cli.db import db_command
from compounder.cli.documents import document_command
from compounder.cli.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, DatabaseFailure, UsageError, file_prefix, one_line
from compounder.cli.history import history_command
from compounder.cli.ingredients import ingredients_command, screening_terms_command
from compounder.cli.inputs import reference_path
from compounder.cli.parser import CATALOG_COMMANDS, DATABASE_COMMANDS, build_parser
from compounder.cli.patients import patients_command
from compounder.cli.settings import settings_command
from compounder.cli.users import prompt_password, users_command


def run(
    argv: Sequence[str],
    *,
    load_catalog: Callable[[Path | None], Catalog],
    today: dt.date,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
    ask_password: Callable[[str], str] | None = None,
) -> int:
    """Run one command. The catalog loader, the date and the password prompt are passed in, so
    tests control them."""
    try:
        args = build_parser().parse_args(list(argv))
        if args.command is None:
            build_parser().print_help(stdout)
            return EXIT_OK
        _refuse_unused_global_options(args)
        _refuse_undecodable_text(args, argv)
        if args.command == "settings":
            return settings_command(args, stdout)
        if args.command == "db":
            return db_command(args, stdout, stderr, ask_password or prompt_password)
        if args.command in ("history", "recall"):
            return history_command(args, stdout, stderr, ask_password or prompt_password)
        if args.command == "users":
            return users_command(args, stdout, stderr, ask_password or prompt_password)
        if args.command == "logs":
            from compounder.cli.quality_logs import logs_command

            return logs_command(args, stdout, stderr, ask_password or prompt_password)
        catalog = _catalog(load_catalog, reference_path(args.reference))
        if args.command in ("lots", "formulas", "batches"):
            from compounder.cli.records_commands import records_command

            return records_command(args, catalog, stdout, stderr, ask_password or prompt_password)
        if args.command == "patients":
            return patients_command(args, catalog, stdout, stderr, ask_password or prompt_password)
        if args.command == "ingredients":
            return ingredients_command(catalog, args.json, stdout)
        if args.command == "screening-terms":
            return screening_terms_command(catalog, args.json, stdout)
        if args.command in ("worksheet", "label"):
            return document_command(args, catalog, today, stdout, stderr)
        return calc_command(args, catalog, today, stdout, stderr)
    except InputError as error:
        print(one_line(f"{file_prefix(args)}{error.field}: {error.message}"), file=stderr)
        return EXIT_USAGE
    except UsageError as error:
        print(one_line(str(error)), file=stderr)
        return EXIT_USAGE
    except DatabaseFailure as error:
        print(one_line(str(error)), file=stderr)
        return EXIT_FINDINGS
    except FileNotFoundError as error:
        print(one_line(f"compounder: {error}"), file=stderr)
        return EXIT_USAGE



def _refuse_unused_global_options(args) -> None:
    """A global option the command does not use is refused rather than silently ignored."""
    if args.database is not None and args.command not in DATABASE_COMMANDS:
        raise UsageError(f"compounder: --database: `{args.command}` does not use the pharmacy database; leave the option out")
    if args.reference is not None and args.command not in CATALOG_COMMANDS:
        raise UsageError(f"compounder: --reference: `{args.command}` does not use the reference database; leave the option out")


def _refuse_undecodable_text(args, argv: Sequence[str]) -> None:
    """Text that is not UTF-8 (a Latin-1 byte from a terminal in another encoding) is refused
    naming its option; it reached the database as a lone surrogate and ended in exit 70. A file
    path is bytes on Linux and stays as given (Python keeps such bytes through ``surrogateescape``)."""
    for dest, value in vars(args).items():
        if not isinstance(value, str) or not _has_surrogate(value):
            continue
        option = f"--{dest.replace('_', '-')}"
        name = option if option in argv else dest
        shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise UsageError(
            f"compounder: {name}: {shown[:60]!r} is not UTF-8 text; type it again in a UTF-8 terminal (its bytes are not letters Compounder can store)"
        )


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _catalog(load_catalog: Callable[[Path | None], Catalog], path: Path | None) -> Catalog:
    """The catalog; a ``--reference`` file that is SQLite but not a reference database (another
    program's, or one of an older layout) is a usage error naming the option."""
    if path is None:
        return load_catalog(None)
    try:
        return load_catalog(path)
    except Exception as error:  # noqa: BLE001 - SQLAlchemy's errors, a table or column missing, a value of the wrong kind
        raise UsageError(
            f"--reference {path}: not a usable reference database ({type(error).__name__}); build one with compounder.data.build"
        ) from None
