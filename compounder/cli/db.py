"""``db backup|check|migrate|copy``: maintenance of the pharmacy database."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TextIO

from compounder.cli.errors import EXIT_FINDINGS, EXIT_OK, UsageError, one_line
from compounder.cli.inputs import on_database, open_engine


def db_command(args: argparse.Namespace, out: TextIO, err: TextIO, ask_password: Callable[[str], str]) -> int:
    """``db backup|check|migrate|copy|export-head|rotate-key``. A database that cannot be used is one line on stderr:
    exit 2 for a URL or server that cannot be used as given, 1 for a database that is damaged,
    locked or fails its checks."""

    from compounder.records.database import backup, migrate, sqlite_path

    if args.db_command == "copy":
        if args.database is not None:
            raise UsageError("compounder: --database: db copy takes the two databases as FROM_URL and TO_URL; leave --database out")
        return _db_copy(args, out, err)
    with on_database(args.database, create=args.db_command == "migrate", warn_of_loss=False) as (engine, where):
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
        report = audit_commands.run_check(engine, audit_commands.head_path(args.head_file), utc_now(), full=args.full)
        for problem in report.problems:
            print(one_line(problem), file=out)
        if report.problems:
            print(f"compounder: {len(report.problems)} problem(s) found in {where}", file=err)
            return EXIT_FINDINGS
        if report.since is None:
            what = "integrity check passed, foreign keys hold" if engine.dialect.name == "sqlite" else "foreign keys are enforced by the server"
            out.write(f"ok: {what}; the audit trail is unbroken to entry {report.head} and replays to every record ({report.rows:,} rows)\n")
        else:
            out.write(
                f"ok: the audit trail is unbroken from the last check (entry {report.since}) to entry {report.head}, "
                f"and the {report.rows:,} rows changed since replay to the present; `db check --full` reads everything\n"
            )
        return EXIT_OK


def _db_copy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from compounder.records.boundary import database_errors
    from compounder.records.copy import CopyFailed, CopyRefused, copy_database
    from compounder.records.database import DatabaseUnavailable, masked
    from compounder.records.errors import DatabaseFailed
    from compounder.records.maintenance import describe

    source = open_engine(args.source, create=False)
    try:
        target = open_engine(args.target, create=False)
    except BaseException:
        source.dispose()
        raise
    try:
        if source.url == target.url:
            raise UsageError(f"compounder: FROM_URL and TO_URL are the same database ({masked(source.url)}); give two databases")
        with database_errors():
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
    except DatabaseFailed as error:
        print(one_line(f"compounder: {describe(error, masked(target.url))}"), file=err)
        return EXIT_FINDINGS
    finally:
        source.dispose()
        target.dispose()

