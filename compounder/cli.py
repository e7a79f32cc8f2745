"""The ``compounder`` command line: list the reference database, compute a formula file, print
its batch worksheet and patient label as PDF.

Exit status: 0 no error finding; 1 the formula has error findings (the result is still
printed; a worksheet or label is not written, nor while a warning is not acknowledged);
2 unusable input, with one line on stderr naming the field and what is accepted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from compounder import __version__
from compounder.calc import BatchPlan, Catalog, InputError, evaluate, parse_formula
from compounder.calc.units import format_quantity
from compounder.calc.formula_file import decode_formula_file
from compounder.calc.plan_data import plan_to_json
from compounder.calc.weighing import decimals, format_grams

__all__ = ["build_parser", "evaluate_file", "ingredient_records", "plan_to_json", "plan_to_text", "read_formula_file", "run"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Unusable input outside the formula itself (arguments, files)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="compounder", description="Formulation calculator for compounding pharmacists.")
    parser.add_argument("--version", action="version", version=f"compounder {__version__}")
    parser.add_argument("--reference", type=Path, help="reference database to use instead of the packaged one")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    ingredients = commands.add_parser("ingredients", help="list the reference ingredients, bases and balances")
    ingredients.add_argument("--json", action="store_true", help="print a JSON array")

    terms = commands.add_parser("screening-terms", help="list the allergies, conditions and medicines a patient section may name")
    terms.add_argument("--json", action="store_true", help="print a JSON array")

    calc = commands.add_parser("calc", help="compute a formula file (JSON or TOML)")
    calc.add_argument("file", type=Path, help="formula file")
    calc.add_argument("--json", action="store_true", help="print the result as JSON")
    calc.add_argument("--date", help="compounding date YYYY-MM-DD when the file gives none (default: today)")

    for name, what in (("worksheet", "the batch worksheet (compounding record)"), ("label", "the patient label")):
        document = commands.add_parser(name, help=f"write {what} of a formula file as PDF")
        document.add_argument("file", type=Path, help="formula file with batch_number and prescription")
        document.add_argument("--out", type=Path, required=True, help="PDF file to write")
        document.add_argument("--date", help="compounding date YYYY-MM-DD when the file gives none (default: today)")
        document.add_argument("--pharmacy-settings", type=Path, help="pharmacy settings file (default: the user's settings)")
        if name == "worksheet":
            document.add_argument("--paper", choices=("letter", "a4"), help="paper size (default: the pharmacy settings')")
        else:
            document.add_argument("--stock", help="label stock (default: the pharmacy settings'); one of " + ", ".join(_stock_keys()))
            document.add_argument("--position", type=int, default=1, help="label position on a sheet of labels, 1 = top left (default 1)")

    db = commands.add_parser("db", help="the pharmacy database: backup, check, migrate")
    db.add_argument("--database", metavar="URL", help="database URL, sqlite:///FILE or postgresql://USER@HOST/DATABASE (default: $COMPOUNDER_DATABASE, else compounder.sqlite in the user data directory)")
    db_commands = db.add_subparsers(dest="db_command", parser_class=_Parser, required=True)
    backup = db_commands.add_parser("backup", help="make a consistent copy of the live database (SQLite)")
    backup.add_argument("path", type=Path, help="new file to write")
    check = db_commands.add_parser("check", help="integrity and foreign-key checks and the audit trail; exit 1 naming what is wrong")
    migrate = db_commands.add_parser("migrate", help="bring the database to this version's schema (on a shared server, once, from one workstation)")
    copy = db_commands.add_parser(
        "copy", help="copy every record into an empty, migrated database (SQLite file → PostgreSQL or back), verified by counts and the audit chain",
    )
    copy.add_argument("source", metavar="FROM_URL", help="database to copy from, e.g. sqlite:////home/rx/.local/share/compounder/compounder.sqlite")
    copy.add_argument("target", metavar="TO_URL", help="empty database at this version's schema, e.g. postgresql://compounder@server/compounder")
    export_head = db_commands.add_parser("export-head", help="write the audit trail's head to a small file outside the database (db check compares it, to notice a rolled-back database; a clean db check also writes it)")
    rotate_key = db_commands.add_parser("rotate-key", help="add a new audit key to this workstation's key file and sign the trail with it from now on (an administrator; copy the file to every workstation)")
    rotate_key.add_argument("--admin", required=True, help="the administrator rotating the key")
    for sub in (check, export_head):
        sub.add_argument("--head-file", type=Path, help="the exported-head file (default: audit-heads.json in the user data directory)")
    for sub in (backup, check, migrate, export_head, rotate_key):  # accepted after the subcommand too
        sub.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    database_help = "database URL, sqlite:///FILE or postgresql://USER@HOST/DATABASE (default: $COMPOUNDER_DATABASE, else compounder.sqlite in the user data directory)"
    found = commands.add_parser("history", help="search compounding records; every criterion given must match")
    found.add_argument("--database", metavar="URL", help=database_help)
    found.add_argument("--patient", help="start of the patient's name (any case)")
    found.add_argument("--rx", help="Rx number")
    found.add_argument("--formula", help="start of the master formula's name")
    found.add_argument("--batch", help="batch number, or its start (YYMMDD for a day)")
    found.add_argument("--lot", help="ingredient lot number")
    found.add_argument("--since", help="compounded on or after YYYY-MM-DD")
    found.add_argument("--until", help="compounded on or before YYYY-MM-DD")
    found.add_argument("--json", action="store_true", help="print a JSON array")
    recall = commands.add_parser("recall", help="every batch and patient that received an ingredient lot, as CSV")
    recall.add_argument("lot", help="lot number")
    recall.add_argument("--database", metavar="URL", help=database_help)
    recall.add_argument("--manufacturer", help="the lot's manufacturer, when two share the lot number")
    recall.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")

    users = commands.add_parser("users", help="user accounts: list them, add one (the first must be an administrator)")
    users.add_argument("--database", metavar="URL", help=database_help)
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

    _patients_parser(commands, database_help)

    settings = commands.add_parser("settings", help="show where the pharmacy settings are, or print an example")
    settings.add_argument("--example", action="store_true", help="print an example settings file to edit")
    return parser


def _stock_keys() -> list[str]:
    from compounder.documents.stock import LABEL_STOCKS

    return list(LABEL_STOCKS)


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
        if args.command == "settings":
            return _settings(args, stdout)
        if args.command == "db":
            return _db(args, stdout, stderr, ask_password or _getpass)
        if args.command in ("history", "recall"):
            return _records_query(args, stdout, stderr)
        if args.command == "users":
            return _users(args, stdout, stderr, ask_password or _getpass)
        catalog = load_catalog(args.reference)
        if args.command == "patients":
            return _patients(args, catalog, stdout, stderr, ask_password or _getpass)
        if args.command == "ingredients":
            return _ingredients(catalog, args.json, stdout)
        if args.command == "screening-terms":
            return _screening_terms(catalog, args.json, stdout)
        if args.command in ("worksheet", "label"):
            return _document(args, catalog, today, stdout, stderr)
        return _calc(args, catalog, today, stdout)
    except InputError as error:
        print(one_line(f"{_where(args)}{error.field}: {error.message}"), file=stderr)
        return EXIT_USAGE
    except UsageError as error:
        print(one_line(str(error)), file=stderr)
        return EXIT_USAGE
    except FileNotFoundError as error:
        print(one_line(f"compounder: {error}"), file=stderr)
        return EXIT_USAGE


def one_line(text: str) -> str:
    """The message with control characters (a newline inside a key, say) shown escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _where(args: argparse.Namespace | None) -> str:
    file = getattr(args, "file", None)
    return f"{file}: " if file else ""


# --------------------------------------------------------------------------- documents


def _db(args: argparse.Namespace, out: TextIO, err: TextIO, ask_password: Callable[[str], str] = input) -> int:
    """``db backup|check|migrate|copy``. A database that cannot be used is one line on stderr:
    exit 2 for a URL or server that cannot be used as given, 1 for a database that is damaged,
    locked or fails its checks."""
    from sqlalchemy.exc import SQLAlchemyError

    from compounder.records.database import DatabaseUnavailable, migrate, sqlite_path
    from compounder.records.maintenance import DatabaseProblem, backup, describe
    from compounder.records.rules import RecordError

    if args.db_command == "copy":
        return _db_copy(args, out, err)
    engine = _open(args.database, create=args.db_command == "migrate")
    where = engine.url.render_as_string(hide_password=True)
    try:
        if args.db_command == "migrate":
            saved = migrate(engine)
            if sqlite_path(engine) is None:
                note = " (no file backup is made of a server database: back it up with pg_dump before an upgrade)"
            else:
                note = f" (the schema before was copied to {saved})" if saved else ""
            out.write(f"{where}: schema up to date{note}\n")
            return EXIT_OK
        if args.db_command == "backup":
            if sqlite_path(engine) is None:
                raise UsageError(
                    f"compounder: db backup copies an SQLite file; back up the {engine.dialect.name} database {where} with pg_dump "
                    "(pg_dump --format=custom --file=compounder.dump DATABASE)"
                )
            written = backup(engine, args.path)
            out.write(f"backed up to {written}\n")
            return EXIT_OK
        from compounder.records import audit_commands
        from compounder.records.library import utc_now

        if args.db_command == "export-head":
            head = audit_commands.export(engine, audit_commands.head_path(args.head_file), utc_now())
            out.write(f"exported the audit head (entry {head.sequence}) to {audit_commands.head_path(args.head_file)}\n")
            return EXIT_OK
        if args.db_command == "rotate-key":
            key, path = audit_commands.rotate(engine, args.admin, ask_password(f"password of {args.admin}: "), utc_now())
            out.write(f"the audit trail is signed with key {key} from now on; copy {path} to every workstation (keep its old lines)\n")
            return EXIT_OK
        problems = audit_commands.check_and_export(engine, audit_commands.head_path(args.head_file), utc_now())
        for problem in problems:
            print(one_line(problem), file=out)
        if problems:
            print(f"compounder: {len(problems)} problem(s) found in {where}", file=err)
            return EXIT_FINDINGS
        what = "integrity check passed, foreign keys hold" if engine.dialect.name == "sqlite" else "foreign keys are enforced by the server"
        out.write(f"ok: {what}, the audit trail is unbroken and matches every record\n")
        return EXIT_OK
    except RecordError as error:
        print(one_line(f"compounder: {error}"), file=err)
        return EXIT_USAGE
    except DatabaseUnavailable as error:
        raise UsageError(f"compounder: {error}; check the server and the --database URL") from None
    except DatabaseProblem as error:
        print(one_line(f"compounder: {error}"), file=err)
        return EXIT_FINDINGS
    except SQLAlchemyError as error:
        print(one_line(f"compounder: {describe(error, where)}"), file=err)
        return EXIT_FINDINGS
    finally:
        engine.dispose()


def _open(url_option: str | None, *, create: bool):
    """The engine on the URL given (or the default one); a URL that cannot be used is UsageError."""
    from compounder.records.database import BadDatabaseUrl, database_url, open_database

    try:
        return open_database(database_url(url_option), create=create)
    except BadDatabaseUrl as error:
        raise UsageError(f"compounder: {error}") from None


def _db_copy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from compounder.records.copy import CopyFailed, CopyRefused, copy_database
    from compounder.records.database import DatabaseUnavailable, masked
    from compounder.records.maintenance import describe

    source = _open(args.source, create=False)
    try:
        target = _open(args.target, create=False)
    except BaseException:
        source.dispose()
        raise
    try:
        if source.url == target.url:
            raise UsageError(f"compounder: FROM_URL and TO_URL are the same database ({masked(source.url)}); give two databases")
        summary = copy_database(source, target)
        out.write(f"copied {masked(source.url)} → {masked(target.url)}\n")
        for line in summary.lines():
            out.write(line + "\n")
        return EXIT_OK
    except CopyRefused as error:
        raise UsageError(f"compounder: {error}") from None
    except DatabaseUnavailable as error:
        raise UsageError(f"compounder: {error}; check the server and the URL") from None
    except CopyFailed as error:
        print(one_line(f"compounder: {error}"), file=err)
        return EXIT_FINDINGS
    except SQLAlchemyError as error:
        print(one_line(f"compounder: {describe(error, masked(target.url))}"), file=err)
        return EXIT_FINDINGS
    finally:
        source.dispose()
        target.dispose()


def _records_query(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``history`` and ``recall``: read-only queries of the records."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from compounder.records import history
    from compounder.records.database import HEAD_REVISION, DatabaseUnavailable, current_revision
    from compounder.records.maintenance import describe
    from compounder.records.rules import RecordError

    engine = _open(args.database, create=False)
    where = engine.url.render_as_string(hide_password=True)
    try:
        if current_revision(engine) != HEAD_REVISION:
            raise UsageError(f"compounder: the database {where} is not at this version's schema; run `compounder db migrate`")
        with Session(engine) as session:
            if args.command == "history":
                found = history.search(
                    session, patient=args.patient, rx_number=args.rx, formula=args.formula, batch_number=args.batch,
                    lot_number=args.lot, since=_optional_date(args.since, "--since"), until=_optional_date(args.until, "--until"),
                )
                _print_history(found, args.json, out)
                return EXIT_OK
            lots = [lot for lot in history.lots_numbered(session, args.lot) if args.manufacturer in (None, lot.manufacturer)]
            if not lots:
                raise UsageError(f"compounder: no lot {args.lot}{' from ' + args.manufacturer if args.manufacturer else ''} in {where}")
            if len(lots) > 1:
                makers = ", ".join(sorted({lot.manufacturer for lot in lots}))
                raise UsageError(f"compounder: lot {args.lot} is held from several manufacturers ({makers}); give --manufacturer")
            rows = history.recall(session, lots[0].id)
            if args.out is None:
                history.write_recall_csv(lots[0], rows, out)
            else:
                with args.out.open("w", encoding="utf-8", newline="") as stream:
                    history.write_recall_csv(lots[0], rows, stream)
                print(f"{len(rows)} batch(es) with lot {args.lot} written to {args.out}", file=err)
            return EXIT_OK
    except RecordError as error:
        raise UsageError(f"compounder: {error}") from None
    except DatabaseUnavailable as error:
        raise UsageError(f"compounder: {error}; check the server and the --database URL") from None
    except SQLAlchemyError as error:
        print(one_line(f"compounder: {describe(error, where)}"), file=err)
        return EXIT_FINDINGS
    finally:
        engine.dispose()


def _getpass(prompt: str) -> str:
    import getpass

    return getpass.getpass(prompt)


def _users(args: argparse.Namespace, out: TextIO, err: TextIO, ask_password: Callable[[str], str]) -> int:
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from compounder.records import people
    from compounder.records.database import DatabaseUnavailable, migrate
    from compounder.records.library import utc_now
    from compounder.records.maintenance import describe
    from compounder.records.model import User
    from compounder.records.rules import RecordError

    engine = _open(args.database, create=True)
    where = engine.url.render_as_string(hide_password=True)
    try:
        migrate(engine)
        if args.users_command == "list":
            with Session(engine) as session:
                for user in session.scalars(select(User).order_by(User.username)):
                    out.write(f"{user.username:<16} {user.role:<14} {'' if user.active else '(inactive) '}{user.full_name}\n")
            return EXIT_OK
        if args.users_command == "unlock":
            from compounder.records.audit_commands import unlock

            unlock(engine, args.admin, ask_password(f"password of {args.admin}: "), args.username, utc_now())
            out.write(f"unlocked {args.username.strip().lower()}\n")
            return EXIT_OK
        actor = None
        if args.admin:
            actor = people.sign_in(lambda: Session(engine), args.admin, ask_password(f"password of {args.admin}: "), utc_now())
        password = ask_password(f"new password for {args.username}: ")
        if ask_password(f"new password for {args.username} again: ") != password:
            raise UsageError("compounder: the two passwords differ; nothing was saved")
        with Session(engine) as session, session.begin():
            people.create_user(session, actor, args.username, args.name, args.role, password, utc_now())
        out.write(f"added {args.role} {args.username.strip().lower()}\n")
        return EXIT_OK
    except RecordError as error:
        print(one_line(f"compounder: {error}"), file=err)
        return EXIT_USAGE
    except DatabaseUnavailable as error:
        raise UsageError(f"compounder: {error}; check the server and the --database URL") from None
    except SQLAlchemyError as error:
        print(one_line(f"compounder: {describe(error, where)}"), file=err)
        return EXIT_FINDINGS
    finally:
        engine.dispose()


def _patients_parser(commands, database_help: str) -> None:
    patients = commands.add_parser("patients", help="a patient's screening profile: show it, or set it from a JSON file")
    patients.add_argument("--database", metavar="URL", help=database_help)
    sub = patients.add_subparsers(dest="patients_command", parser_class=_Parser, required=True)
    show = sub.add_parser("show", help="the stored profile (what a batch is screened against)")
    set_profile = sub.add_parser(
        "set-profile", help="replace the profile with a JSON file shaped like a formula file's patient section; the password is asked for",
    )
    for command in (show, set_profile):
        command.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        command.add_argument("name", help="the patient's name")
        command.add_argument("--born", help="date of birth YYYY-MM-DD, when two patients share the name")
    show.add_argument("--json", action="store_true", help="print the profile as a patient section (JSON)")
    set_profile.add_argument("--profile", type=Path, required=True, help='JSON such as {"weight": "62 kg", "allergies": [], ...}; a list left out is "not recorded"')
    set_profile.add_argument("--user", required=True, help="who records it (signs the audit entry)")


def _patients(args: argparse.Namespace, catalog: Catalog, out: TextIO, err: TextIO, ask_password: Callable[[str], str]) -> int:
    """``patients show`` / ``patients set-profile``: the records' own functions, in one transaction."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from compounder.calc.patient import parse_patient, profile_data
    from compounder.calc.record import patient_facts
    from compounder.records import people
    from compounder.records.database import database_url, migrate, open_database
    from compounder.records.library import utc_now
    from compounder.records.maintenance import describe
    from compounder.records.patients import entry_from_profile, find_patient, save_profile
    from compounder.records.rules import RecordError

    born = _optional_date(args.born, "--born")
    engine = open_database(database_url(args.database))
    where = engine.url.render_as_string(hide_password=True)
    try:
        migrate(engine)
        if args.patients_command == "set-profile":
            profile = parse_patient(read_formula_file(args.profile), catalog)
            actor = people.sign_in(lambda: Session(engine), args.user, ask_password(f"password of {args.user}: "), utc_now())
            with Session(engine) as session, session.begin():
                stored = save_profile(session, actor, find_patient(session, args.name, born).patient_id, entry_from_profile(profile), catalog, utc_now())
            out.write(f"saved the profile of {stored.name}\n")
            return EXIT_OK
        with Session(engine) as session:
            stored = find_patient(session, args.name, born)
        profile = stored.screening()
        if args.json:
            json.dump(profile_data(profile), out, indent=2, ensure_ascii=False)
            out.write("\n")
            return EXIT_OK
        facts = patient_facts(profile, catalog, utc_now().date())
        changed = f"{stored.updated_by}, {stored.updated_at.isoformat(timespec='minutes')}" if stored.updated_at else "never recorded"
        for label, value in (("patient", stored.name), ("age", facts.age), ("weight", facts.weight), ("allergies", facts.allergies),
                             ("conditions", facts.conditions), ("medicines", facts.medications), ("medication notes", facts.medication_notes),
                             ("last changed", changed)):
            out.write(f"{label + ':':<18}{value}\n")
        return EXIT_OK
    except RecordError as error:
        print(one_line(f"compounder: {error}"), file=err)
        return EXIT_USAGE
    except SQLAlchemyError as error:
        print(one_line(f"compounder: {describe(error, where)}"), file=err)
        return EXIT_FINDINGS
    finally:
        engine.dispose()


def _optional_date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"compounder: {option} {text!r} is not a date; give YYYY-MM-DD") from None


def _print_history(found, as_json: bool, out: TextIO) -> None:
    import dataclasses

    if as_json:
        json.dump([{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in dataclasses.asdict(b).items()} for b in found], out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    if not found:
        out.write("no batch matches\n")
        return
    for b in found:
        out.write(f"{b.batch_number}  {b.compounded_on.isoformat()}  {b.status:<9}  {b.rx_number:<12}  {b.patient}  —  {b.formula} v{b.formula_version}\n")


def _settings(args: argparse.Namespace, out: TextIO) -> int:
    from compounder.settings import EXAMPLE, settings_path

    if args.example:
        json.dump(EXAMPLE, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        path = settings_path()
        out.write(f"{path}{'' if path.is_file() else ' (not written yet; see --example)'}\n")
    return EXIT_OK


def _document(args: argparse.Namespace, catalog: Catalog, today: dt.date, out: TextIO, err: TextIO) -> int:
    """Write the worksheet or the label; nothing is written unless the batch may be printed."""
    from compounder.calc.prescription import parse_order, require
    from compounder.calc.release import BatchBlocked
    from compounder.documents.batch import label_pdf, worksheet_pdf
    from compounder.documents.common import UnprintableText
    from compounder.documents.label import LabelOverflow
    from compounder.documents.stock import LABEL_STOCKS
    from compounder.settings import SettingsError, load_settings

    data = read_formula_file(args.file)
    formula = parse_formula(data)
    order = parse_order(data)
    require(order, args.command)
    today = _date_argument(args.date, today)
    try:
        pharmacy = load_settings(args.pharmacy_settings)
    except SettingsError as error:
        raise UsageError(f"pharmacy settings: {error.field}: {error.message}") from None
    plan = evaluate_file(data, formula, catalog, today)
    compounded_on = formula.compounded_on or today
    try:
        if args.command == "worksheet":
            from compounder.calc.patient import screening_inputs

            pdf = worksheet_pdf(plan, order, catalog, compounded_on, pharmacy, args.paper, patient=screening_inputs(data, catalog).patient)
        else:
            key = args.stock or pharmacy.label_stock
            if key not in LABEL_STOCKS:
                raise UsageError(f"--stock: {key!r} is not a label stock; choose one of {', '.join(LABEL_STOCKS)}")
            stock = LABEL_STOCKS[key]
            if not 1 <= args.position <= stock.per_page:
                raise UsageError(f"--position: {args.position} is not on a {stock.title}; give 1 to {stock.per_page}")
            pdf = label_pdf(plan, order, catalog, compounded_on, pharmacy, stock, args.position)
    except BatchBlocked as blocked:
        print(f"{args.file}: no {args.command} written: {blocked.reason}", file=err)
        for f in blocked.findings:
            print(f"  {f.severity.value.upper():<8} {f.code}: {f.message}", file=err)
        return EXIT_FINDINGS
    except (LabelOverflow, UnprintableText) as error:
        raise InputError(error.field, error.message) from None
    try:
        args.out.write_bytes(pdf)
    except OSError as error:
        raise UsageError(f"--out: cannot write {args.out} ({error.strerror or error})") from None
    out.write(f"wrote {args.out}\n")
    return EXIT_OK


def _date_argument(text: str | None, today: dt.date) -> dt.date:
    if text is None:
        return today
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--date: {text!r} is not a date; write YYYY-MM-DD") from None


# --------------------------------------------------------------------------- ingredients


def ingredient_records(catalog: Catalog) -> list[dict[str, Any]]:
    """The reference database as JSON-ready records, one per ingredient form, base and balance."""
    records: list[dict[str, Any]] = []
    for form in catalog.forms:
        substance = catalog.substance(form.substance)
        record: dict[str, Any] = {
            "name": form.name,
            "kind": form.role,
            "aliases": list(form.aliases),
            "physical_form": form.physical_form,
        }
        if form.role == "active":
            record["moiety"] = form.substance
            record["therapeutic_class"] = substance.therapeutic_class if substance else None
        else:
            record["role"] = form.excipient_role
        if form.formula:
            record["formula"] = form.formula
        if form.molecular_weight:
            record["molecular_weight"] = form.molecular_weight.value.magnitude
            record["molecular_weight_source"] = form.molecular_weight.source.cite() if form.molecular_weight.source else None
        if form.density is not None:
            record["density"] = form.density.describe()
        records.append(record)
    for base in catalog.bases:
        records.append(
            {
                "name": base.name,
                "kind": "base",
                "maker": base.maker,
                "aliases": list(base.aliases),
                "dosage_form": base.dosage_form,
                "contains_water": base.contains_water.value if base.contains_water else None,
                "preserved": base.preserved.value if base.preserved else None,
                "density": format_quantity(base.density.value) if base.density else None,
                "max_powder_load": format_quantity(base.max_powder_load.value) if base.max_powder_load else None,
            }
        )
    for balance in catalog.balances:
        records.append(
            {
                "name": balance.name,
                "kind": "balance",
                "readability": format_quantity(balance.readability.value, 4),
                "minimum_weighable_quantity": format_quantity(balance.minimum_weighable.value, 4),
            }
        )
    return records


def _ingredients(catalog: Catalog, as_json: bool, out: TextIO) -> int:
    records = ingredient_records(catalog)
    if as_json:
        json.dump(records, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    for kind, title in (("active", "Actives"), ("excipient", "Excipients"), ("base", "Bases"), ("balance", "Balances")):
        rows = [r for r in records if r["kind"] == kind]
        out.write(f"{title}\n")
        for r in rows:
            detail = {
                "active": lambda r: f"{r['therapeutic_class'] or ''}; {r['physical_form']}; MW {r.get('molecular_weight', 'unknown')}",
                "excipient": lambda r: f"{r['role'] or ''}; {r['physical_form']}; density {r.get('density', 'unknown')}",
                "base": lambda r: f"{r['maker'] or ''} {r['dosage_form']}; water {_yn(r['contains_water'])}; preserved {_yn(r['preserved'])}",
                "balance": lambda r: f"readability {r['readability']}; minimum weighable {r['minimum_weighable_quantity']}",
            }[kind](r)
            out.write(f"  {r['name']:<42} {detail}\n")
        out.write("\n")
    return EXIT_OK


def _screening_terms(catalog: Catalog, as_json: bool, out: TextIO) -> int:
    records = [{"key": t.key, "kind": t.kind, "name": t.name, "aliases": list(t.aliases)} for t in catalog.screening_terms]
    if as_json:
        json.dump(records, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    for kind, title in (("allergy", "Allergies"), ("condition", "Conditions"), ("medication", "Medicines")):
        out.write(f"{title} (patient.{ {'allergy': 'allergies', 'condition': 'conditions', 'medication': 'medications'}[kind] })\n")
        for r in records:
            if r["kind"] == kind:
                also = f"  (also: {', '.join(r['aliases'])})" if r["aliases"] else ""
                out.write(f"  {r['name']}{also}\n")
        out.write("\n")
    return EXIT_OK


def _yn(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


# --------------------------------------------------------------------------- calc


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


def evaluate_file(data: Any, formula, catalog: Catalog, today: dt.date) -> BatchPlan:
    """Evaluate a formula file's formula, screened for its ``patient`` when it has one."""
    from compounder.calc.patient import screening_inputs

    inputs = screening_inputs(data, catalog)
    return evaluate(formula, catalog, today, inputs.patient, dispensed=inputs.dispensed, refills=inputs.refills)


def _calc(args: argparse.Namespace, catalog: Catalog, today: dt.date, out: TextIO) -> int:
    data = read_formula_file(args.file)
    formula = parse_formula(data)
    if args.date is not None:
        try:
            today = dt.date.fromisoformat(args.date)
        except ValueError:
            raise UsageError(f"--date: {args.date!r} is not a date; write YYYY-MM-DD") from None
    plan = evaluate_file(data, formula, catalog, today)
    if args.json:
        json.dump(plan_to_json(plan), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(plan_to_text(plan))
    return EXIT_FINDINGS if plan.has_errors else EXIT_OK


def plan_to_text(plan: BatchPlan) -> str:
    digits = decimals(plan.balance)
    title = plan.formula.name or "Formula"
    rows = [f"{title}: {format_quantity(plan.formula.quantity)} (prepare {plan.prepared.to('g').magnitude:.3f} g)", ""]
    header = f"{'Weigh':<44} {'Written as':<28} {'Strength':>10} {'Grams':>12}"
    rows += [header, "-" * len(header)]
    for line in plan.lines:
        grams = format_grams(line.grams, plan.balance)
        strength = format_quantity(line.strength) if line.strength is not None else "q.s."
        rows.append(f"{line.name:<44} {line.written_as or '':<28} {strength:>10} {grams:>12}")
    rows.append("-" * len(header))
    rows.append(f"{'Total':<44} {'':<28} {'':>10} {plan.total.to('g').magnitude:>12.{digits}f}")
    rows.append(f"Balance: {plan.balance.name} (readability {format_quantity(plan.balance.readability.value, 4)})")
    rows.append("")
    for line in plan.lines:
        if line.doses is not None:
            d = line.doses
            parts = [f"{d.per_gram.to('mg/g').magnitude:.2f} mg/g"]
            parts.append(f"{d.per_click.to('mg').magnitude:.2f} mg/click" if d.per_click is not None else "mg/click unknown (no density)")
            if d.per_day is not None:
                parts.append(f"{d.per_day.to('mg/day').magnitude:.1f} mg/day")
            rows.append(f"{line.written_as}: " + ", ".join(parts))
    rows.append("")
    rows.append("Calculation")
    for line in plan.lines:
        rows.append(f"  {line.name}: " + "; ".join(step.text for step in line.trail))
    if plan.bud is not None:
        rows += ["", f"Beyond-use date: {plan.bud.date.isoformat()} ({plan.bud.days} days) — {plan.bud.reason}", f"Storage: {plan.bud.storage}"]
    rows.append("")
    if plan.findings:
        rows.append("Findings")
        for f in plan.findings:
            rows.append(f"  {f.severity.value.upper():<8} {f.code}: {f.message}")
    else:
        rows.append("Findings: none")
    return "\n".join(rows) + "\n"
