"""What the records commands (``records_commands``, ``batch_commands``) share: the signer's
password asked at a prompt or read from standard input (never an argument), the sign-in, the
pharmacy settings, lot numbers and ``--json`` output."""


from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from compounder.cli.errors import EXIT_OK, UsageError
from compounder.cli.inputs import (
    MAX_SETTINGS_BYTES,
    read_limited,
)

Ask = Callable[[str], str]


def now() -> dt.datetime:
    from compounder.records.library import utc_now

    return utc_now()


def password(args: argparse.Namespace, ask: Ask, who: str) -> str:
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        if not line:
            raise UsageError(f"compounder: --password-stdin: no password of {who} on standard input (one line each)")
        return line.rstrip("\r\n")
    return ask(f"password of {who}: ")


def sign_in(args: argparse.Namespace, engine, ask: Ask, username: str):
    return signed_in(args, engine, ask, username)[0]


def signed_in(args: argparse.Namespace, engine, ask: Ask, username: str):
    """(the account, its ``Credentials``) after one password asked at the prompt or read from
    standard input. The sign-in here tells a wrong password at once and counts it
    (``people.sign_in``); a signing command passes the credentials to the records, which check
    them again in the write that stores the signature (``signing.signer``)."""
    from compounder.records import people
    from compounder.records.database import session_factory
    from compounder.records.signing import Credentials

    typed = password(args, ask, username)
    return people.sign_in(session_factory(engine), username, typed, now()), Credentials(username, typed)


def signature(args: argparse.Namespace, engine, ask: Ask, username: str):
    """The signer's ``Credentials`` for a signing command (``signed_in``)."""
    return signed_in(args, engine, ask, username)[1]


@contextmanager
def library_errors() -> Iterator[None]:
    from compounder.records.library import LibraryError

    try:
        yield
    except LibraryError as error:
        raise UsageError(f"compounder: {error}") from None


def pharmacy_settings(args: argparse.Namespace):
    """The pharmacy settings, read now: a setting changed takes effect at the next command."""
    from compounder.settings import SettingsError, load_settings

    path = getattr(args, "pharmacy_settings", None)
    if path is not None:
        path = Path(path)
        read_limited(path, f"--pharmacy-settings {path}", "settings", MAX_SETTINGS_BYTES)
    try:
        return load_settings(path)
    except SettingsError as error:
        raise UsageError(f"compounder: pharmacy settings: {error.field}: {error.message}") from None


def pairs(values: list[str], option: str, what: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip() or not rest.strip():
            raise UsageError(f"compounder: {option}: {value!r} is not {what}")
        pairs.append((key.strip(), rest.strip()))
    return pairs


def lot_id(session, lot_number: str, option: str) -> int:
    from compounder.records.lots import lots

    found = lots(session, lot_number=lot_number.strip())
    if not found:
        raise UsageError(f"compounder: {option}: no lot {lot_number!r} in stock; receive it first (compounder lots receive)")
    if len(found) > 1:
        names = ", ".join(f"{lot.stock_form} from {lot.manufacturer}" for lot in found)
        raise UsageError(f"compounder: {option}: {len(found)} lots are numbered {lot_number!r} ({names})")
    return found[0].id


def emit(args: argparse.Namespace, out: TextIO, data: dict[str, Any], text: str) -> int:
    if args.json:
        json.dump(data, out, indent=2, ensure_ascii=False, default=plain)
        out.write("\n")
    else:
        out.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)

def formula_entry(library, name: str):
    wanted = " ".join(name.split()).casefold()
    found = [entry for entry in library.entries() if " ".join(entry.name.split()).casefold() == wanted]
    if not found:
        raise UsageError(f"compounder: --formula: no master formula named {name!r} in the library")
    return found[0]
