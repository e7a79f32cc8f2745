"""``users list|add``: the accounts that sign records."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TextIO

from compounder.cli.errors import EXIT_OK, UsageError
from compounder.cli.inputs import on_database, search_texts


def prompt_password(prompt: str) -> str:
    """The password typed at the terminal, without echo; with no terminal on standard input (a
    script, a pipe), its next line, without a prompt or getpass's warning about echo. End of input
    before a password is a usage error in one line, not a crash."""
    import getpass
    import sys

    try:
        if sys.stdin is not None and sys.stdin.isatty():
            return getpass.getpass(prompt)
        line = sys.stdin.readline() if sys.stdin is not None else ""
    except EOFError:
        line = ""
    if not line:
        raise UsageError(
            f"compounder: {prompt.rstrip(': ')}: the input ended before a password was given; run the command at a terminal "
            "or give the password on standard input, one line"
        )
    return line.removesuffix("\n").removesuffix("\r")


def users_command(args: argparse.Namespace, out: TextIO, err: TextIO, ask_password: Callable[[str], str]) -> int:
    from compounder.records import people
    from compounder.records.boundary import reading, transaction
    from compounder.records.database import migrate, session_factory
    from compounder.records.library import utc_now

    if args.users_command == "add":
        search_texts(args, {"username": "username", "--name": "full_name"})
    with on_database(args.database, create=True, warnings=err) as (engine, where):
        migrate(engine)
        if args.users_command == "list":
            with reading(session_factory(engine)) as session:
                users = people.users(session)
            if not users:
                out.write(f"no user accounts in {where}; add the first, an administrator, with "
                          "`compounder users add USERNAME --name \"FULL NAME\" --role administrator`\n")
            for user in users:
                out.write(f"{user.username:<16} {user.role.value:<14} {'' if user.active else '(inactive) '}{user.full_name}\n")
            return EXIT_OK
        if args.users_command == "unlock":
            from compounder.records.audit_commands import unlock

            unlock(engine, args.admin, ask_password(f"password of {args.admin}: "), args.username, utc_now())
            out.write(f"unlocked {args.username.strip().lower()}\n")
            return EXIT_OK
        actor = None
        if args.admin:
            actor = people.sign_in(session_factory(engine), args.admin, ask_password(f"password of {args.admin}: "), utc_now())
        password = ask_password(f"new password for {args.username}: ")
        if ask_password(f"new password for {args.username} again: ") != password:
            raise UsageError("compounder: the two passwords differ; nothing was saved")
        with transaction(session_factory(engine)) as session:
            people.create_user(session, actor, args.username, args.name, args.role, password, utc_now())
        out.write(f"added {args.role} {args.username.strip().lower()}\n")
        return EXIT_OK

