"""``users list|add``: the accounts that sign records."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TextIO

from compounder.cli.errors import EXIT_OK, UsageError
from compounder.cli.inputs import on_database, search_texts


def prompt_password(prompt: str) -> str:
    import getpass

    return getpass.getpass(prompt)


def users_command(args: argparse.Namespace, out: TextIO, err: TextIO, ask_password: Callable[[str], str]) -> int:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from compounder.records import people
    from compounder.records.database import migrate
    from compounder.records.library import utc_now
    from compounder.records.model import User

    if args.users_command == "add":
        search_texts(args, {"username": "username", "--name": "full_name"})
    with on_database(args.database, create=True, warnings=err) as (engine, where):
        migrate(engine)
        if args.users_command == "list":
            with Session(engine) as session:
                users = list(session.scalars(select(User).order_by(User.username)))
            if not users:
                out.write(f"no user accounts in {where}; add the first, an administrator, with "
                          "`compounder users add USERNAME --name \"FULL NAME\" --role administrator`\n")
            for user in users:
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

