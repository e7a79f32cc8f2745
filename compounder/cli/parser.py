"""The argument parser: every subcommand and option, and a parser that reports a usage error as
UsageError instead of exiting."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from compounder import __version__
from compounder.cli.errors import UsageError

#: The subcommands; any other first word (a file) opens the window. ``__main__`` routes on these
#: names without building the parser.
COMMANDS = (
    "ingredients", "screening-terms", "calc", "worksheet", "label", "db", "history", "recall", "users", "patients", "settings",
    "lots", "formulas", "batches", "logs",
)
#: Which commands use the pharmacy database and which the reference catalog: the global options
#: ``--database`` and ``--reference`` are taken before or after these subcommands.
DATABASE_COMMANDS = frozenset({"db", "history", "recall", "users", "patients", "lots", "formulas", "batches", "logs"})
CATALOG_COMMANDS = frozenset({"ingredients", "screening-terms", "calc", "worksheet", "label", "patients", "lots", "formulas", "batches"})
#: Options (of the window and the global ones) followed by a value.
VALUE_OPTIONS = frozenset({"--database", "--reference", "--screenshot"})

DATABASE_HELP = (
    "pharmacy database URL, sqlite:///FILE or postgresql://USER@HOST/DATABASE "
    "(default: $COMPOUNDER_DATABASE, else compounder.sqlite in the user data directory)"
)
REFERENCE_HELP = "reference database to use instead of the packaged one"
USAGE = "compounder [--database URL] [--reference FILE] [FILE]\n       compounder [--database URL] [--reference FILE] COMMAND ..."
DESCRIPTION = (
    "Formulation calculator for compounding pharmacists. With no COMMAND, opens the window "
    "(with FILE, a formula file .json or .toml, opened in it); with a COMMAND, runs it on the command line."
)
EPILOG = (
    "The window needs a display: run it on a desktop, or headless with xvfb-run or QT_QPA_PLATFORM=offscreen. "
    "Global options go before or after the COMMAND. `compounder COMMAND --help` describes each command. "
    "Exit status: 0 done, 1 the formula or database has error findings, 2 unusable input (one line on stderr)."
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="compounder", usage=USAGE, description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"compounder {__version__}")
    parser.add_argument("--database", metavar="URL", help=DATABASE_HELP)
    parser.add_argument("--reference", metavar="FILE", type=Path, help=REFERENCE_HELP)
    parser.add_argument_group(
        "the window (no COMMAND)",
        "FILE: a formula file (.json or .toml) to open in the window, as a file manager's \"Open with\" gives it. "
        "--screenshot PNG: open FILE, save a picture of the window and quit.",
    )
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND", title="commands (with none, the window opens)")

    ingredients = commands.add_parser("ingredients", help="list the reference ingredients, bases and balances")
    ingredients.add_argument("--json", action="store_true", help="print a JSON array")

    terms = commands.add_parser("screening-terms", help="list the allergies, conditions and medicines a patient section may name")
    terms.add_argument("--json", action="store_true", help="print a JSON array")

    calc = commands.add_parser("calc", help="compute a formula file (JSON or TOML)")
    calc.add_argument("file", type=Path, help="formula file")
    calc.add_argument("--json", action="store_true", help="print the result as JSON")
    calc.add_argument("--date", help="compounding date YYYY-MM-DD when the file gives none (default: today)")

    # A formula file has no batch: it prints a calculation sheet, never a compounding record or a
    # patient label (those come from a batch in the records: ``compounder batches worksheet|label``).
    sheet = commands.add_parser("worksheet", help="write a formula file's calculation sheet (not a compounding record) as PDF")
    sheet.add_argument("file", type=Path, help="formula file")
    sheet.add_argument("--out", type=Path, required=True, help="PDF file to write")
    sheet.add_argument("--date", help="compounding date YYYY-MM-DD when the file gives none (default: today)")
    sheet.add_argument("--pharmacy-settings", type=Path, help="pharmacy settings file (default: the user's settings)")
    sheet.add_argument("--paper", choices=("letter", "a4"), help="paper size (default: the pharmacy settings')")
    label = commands.add_parser("label", help="refused for a formula file: a patient label is printed from a batch, `compounder batches label NUMBER`")
    label.add_argument("file", type=Path, nargs="?", help="formula file (refused)")
    label.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    label.add_argument("--date", help=argparse.SUPPRESS)
    label.add_argument("--pharmacy-settings", type=Path, help=argparse.SUPPRESS)
    label.add_argument("--stock", help=argparse.SUPPRESS)
    label.add_argument("--position", type=int, default=1, help=argparse.SUPPRESS)

    db = commands.add_parser("db", help="the pharmacy database: backup, check, migrate")
    db.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=DATABASE_HELP)
    db_commands = db.add_subparsers(dest="db_command", parser_class=_Parser, required=True)
    backup = db_commands.add_parser("backup", help="make a consistent copy of the live database (SQLite)")
    backup.add_argument("path", type=Path, help="new file to write")
    check = db_commands.add_parser(
        "check", help="the audit trail since the last check (and the head this workstation recorded); exit 1 naming what is wrong",
    )
    check.add_argument(
        "--full", action="store_true", help="the whole trail, every record, and SQLite's integrity and foreign-key checks (reads everything)",
    )
    migrate = db_commands.add_parser("migrate", help="bring the database to this version's schema (on a shared server, once, from one workstation)")
    copy = db_commands.add_parser(
        "copy", help="copy every record into an empty, migrated database (SQLite file → PostgreSQL or back), verified by counts and the audit chain",
    )
    copy.add_argument("source", metavar="FROM_URL", help="database to copy from, e.g. sqlite:////home/rx/.local/share/compounder/compounder.sqlite")
    copy.add_argument("target", metavar="TO_URL", help="empty database at this version's schema, e.g. postgresql://compounder@server/compounder")
    export_head = db_commands.add_parser(
        "export-head", help="write the audit trail's head to a small file outside the database (db check compares it, "
        "to notice a rolled-back database; a clean db check also writes it)",
    )
    rotate_key = db_commands.add_parser(
        "rotate-key", help="add a new audit key to this workstation's key file and sign the trail with it from now on "
        "(an administrator; copy the file to every workstation)",
    )
    rotate_key.add_argument("--admin", required=True, help="the administrator rotating the key")
    for sub in (check, export_head):
        sub.add_argument("--head-file", type=Path, help="the exported-head file (default: audit-heads.json in the user data directory)")
    for sub in (backup, check, migrate, export_head, rotate_key):  # accepted after the subcommand too
        sub.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    found = commands.add_parser("history", help="search compounding records; every criterion given must match")
    found.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=DATABASE_HELP)
    found.add_argument("--patient", help="start of the patient's name (any case)")
    found.add_argument("--rx", help="Rx number")
    found.add_argument("--formula", help="start of the master formula's name")
    found.add_argument("--batch", help="batch number, or its start (YYMMDD for a day)")
    found.add_argument("--lot", help="ingredient lot number")
    found.add_argument("--since", help="compounded on or after YYYY-MM-DD")
    found.add_argument("--until", help="compounded on or before YYYY-MM-DD")
    found.add_argument("--json", action="store_true", help="print a JSON object: the batches, how many match in all, whether the list is cut")
    found.add_argument("--limit", type=int, default=None, help="at most this many batches (default 500); the output says when the list is cut")
    found.add_argument("--offset", type=int, default=0, help="skip this many of the newest batches first (the next page)")
    found.add_argument("--all", action="store_true", help="every matching batch, however many (for an export)")
    recall = commands.add_parser("recall", help="every batch and patient that received an ingredient lot, as CSV")
    recall.add_argument("lot", help="lot number")
    recall.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=DATABASE_HELP)
    recall.add_argument("--manufacturer", help="the lot's manufacturer, when two share the lot number")
    recall.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")
    from compounder.cli.privacy import add_reader_options

    for reader in (found, recall):
        add_reader_options(reader)

    users = commands.add_parser("users", help="user accounts: list them, add one (the first must be an administrator)")
    users.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=DATABASE_HELP)
    user_commands = users.add_subparsers(dest="users_command", parser_class=_Parser, required=True)
    listing = user_commands.add_parser("list", help="every account with its role")
    add = user_commands.add_parser("add", help="add an account; the password is asked for, never given on the command line")
    unlock = user_commands.add_parser("unlock", help="let an account locked after 5 failed sign-ins sign in again (an administrator)")
    unlock.add_argument("username")
    unlock.add_argument("--admin", required=True, help="the administrator unlocking the account")
    for sub in (listing, add, unlock):
        sub.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    add.add_argument("username")
    add.add_argument("--name", required=True, help="full name as it is to appear on records")
    add.add_argument("--role", required=True, choices=("technician", "pharmacist", "administrator"))
    add.add_argument("--admin", help="the administrator adding the account (not needed for the very first one)")

    _patients_parser(commands)
    from compounder.cli.records_commands import add_records_parsers

    add_records_parsers(commands, DATABASE_HELP)
    from compounder.cli.quality_logs import add_logs_parser

    add_logs_parser(commands, DATABASE_HELP)

    settings = commands.add_parser("settings", help="show where the pharmacy settings are, print an example, or write it there to edit")
    either = settings.add_mutually_exclusive_group()
    either.add_argument("--example", action="store_true", help="print an example settings file to edit")
    either.add_argument("--init", action="store_true", help="write the example where the settings are read (never over existing settings); then edit it")
    _reference_after_command(commands)
    return parser


def _reference_after_command(commands) -> None:
    """``--reference`` taken after each command that reads the catalog (and after its subcommands)."""
    for name, sub in commands.choices.items():
        if name not in CATALOG_COMMANDS:
            continue
        for each in (sub, *_subcommand_parsers(sub)):
            each.add_argument("--reference", metavar="FILE", type=Path, default=argparse.SUPPRESS, help=REFERENCE_HELP if each is sub else argparse.SUPPRESS)


def _subcommand_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    return [p for action in parser._actions if isinstance(action, argparse._SubParsersAction) for p in action.choices.values()]


def _stock_keys() -> list[str]:
    from compounder.calc.label_stock import LABEL_STOCKS

    return list(LABEL_STOCKS)


def _patients_parser(commands) -> None:
    patients = commands.add_parser("patients", help="a patient's screening profile: show it, or set it from a JSON file")
    patients.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=DATABASE_HELP)
    sub = patients.add_subparsers(dest="patients_command", parser_class=_Parser, required=True)
    show = sub.add_parser("show", help="the stored profile (what a batch is screened against) and contact details")
    contact = sub.add_parser("contact", help="record the patient's address and phone (a recall must reach them); the password is asked")
    contact.add_argument("--address", required=True, help="street, city, state and ZIP code (a new line or '; ' between lines)")
    contact.add_argument("--phone", required=True)
    contact.add_argument("--user", required=True, help="who records it (signs the audit entry)")
    set_profile = sub.add_parser(
        "set-profile", help="replace the profile with a JSON file shaped like a formula file's patient section; the password is asked for",
    )
    for command in (show, set_profile, contact):
        command.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        command.add_argument("name", help="the patient's name")
        command.add_argument("--born", help="date of birth YYYY-MM-DD, when two patients share the name")
    show.add_argument("--json", action="store_true", help="print the profile as a patient section (JSON)")
    from compounder.cli.privacy import add_reader_options

    add_reader_options(show)
    set_profile.add_argument("--profile", type=Path, required=True, help='JSON such as {"weight": "62 kg", "allergies": [], ...}; a list left out is "not recorded"')
    set_profile.add_argument("--user", required=True, help="who records it (signs the audit entry)")

