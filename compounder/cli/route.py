"""Which of the two programs a command line asks for: a command, or the window (no command,
perhaps a formula file to open). Light on purpose: ``__main__`` decides before anything heavy
is imported, so the window starts as fast as it can."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from compounder.cli.errors import UsageError, one_line
from compounder.cli.parser import COMMANDS, DATABASE_HELP, REFERENCE_HELP, VALUE_OPTIONS

HELP_OPTIONS = frozenset({"-h", "--help", "--version"})

NO_DISPLAY = (
    "compounder: the window needs a display and none is set (DISPLAY or WAYLAND_DISPLAY); run it on the desktop, "
    "headless with `xvfb-run compounder` or QT_QPA_PLATFORM=offscreen, or give a COMMAND (see compounder --help)"
)


def wants_command(argv: Sequence[str]) -> bool:
    """True when ``argv`` names a command (or asks for help or the version): the first word that
    is neither an option nor an option's value is a command name; anything else is the window's."""
    skip = False
    for item in argv:
        if skip:
            skip = False
            continue
        if item == "--":
            return False
        if item in VALUE_OPTIONS:
            skip = True
            continue
        if item.startswith("-"):
            if item in HELP_OPTIONS:
                return True
            continue
        return item in COMMANDS
    return False


class _WindowParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"compounder: {message} (see --help)")


def check_window_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """The window's own options, strictly: an unknown option or a second file is a usage error
    (exit 2), not a file name or an option left for Qt to ignore."""
    parser = _WindowParser(prog="compounder", add_help=False)
    parser.add_argument("--database", metavar="URL", help=DATABASE_HELP)
    parser.add_argument("--reference", type=Path, help=REFERENCE_HELP)
    parser.add_argument("--screenshot", type=Path, metavar="PNG")
    parser.add_argument("file", nargs="?", type=Path)
    args = parser.parse_args(list(argv))
    if args.file is not None:
        _check_path(args.file)
    if args.file is not None and args.file.exists() and not args.file.is_file():
        raise UsageError(f"compounder: FILE: {args.file} is not a regular file; give a formula file (.json or .toml) to open in the window")
    if args.file is not None and not args.file.exists():
        if args.file.suffix.lower() in (".json", ".toml"):
            raise UsageError(f"compounder: FILE: {args.file} does not exist; give a formula file to open in the window")
        raise UsageError(
            f"compounder: {str(args.file)[:60]!r} is neither a command nor a formula file; "
            f"the commands are {', '.join(COMMANDS)} (see --help)"
        )
    if args.database is not None:
        check_url_kind(args.database, "--database")
    return args


def _check_path(path: Path) -> None:
    """A path the system refuses to look up (a name over 255 bytes, a path over 4,096, a folder
    that may not be entered) is a usage error; ``Path.exists`` raised it as a traceback."""
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return  # said below, with what to give instead
    except (OSError, ValueError) as error:  # ENAMETOOLONG, EACCES, ELOOP; ValueError: a NUL byte
        reason = getattr(error, "strerror", None) or str(error)
        shown = str(path)
        shown = shown if len(shown) <= 80 else shown[:40] + "…" + shown[-30:]
        raise UsageError(f"compounder: FILE: {shown!r} cannot be opened ({reason}); give the path of a formula file (.json or .toml)") from None


def check_url_kind(url: str, option: str) -> None:
    """A URL that is not SQLite or PostgreSQL is refused before the window starts (its modal
    error would wait forever on a headless screen). Only the kind is checked here, without
    loading SQLAlchemy; the rest when the database is opened."""
    scheme, separator, _rest = url.partition("://")
    if not separator or scheme.split("+", 1)[0].lower() not in ("sqlite", "postgresql"):
        kind = f"{scheme.split('+', 1)[0]!r} is not a database kind Compounder uses" if separator else "is not a URL"
        raise UsageError(
            f"compounder: {option}: {kind}; give sqlite:///PATH/compounder.sqlite or postgresql://USER@HOST/DATABASE"
        )


def display_problem(environ: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why the window cannot open here, or None. On Linux and the BSDs a window needs an X or
    Wayland display, unless a Qt platform (offscreen, vnc...) is chosen; Qt would otherwise abort
    with a hint about libxcb-cursor that misleads."""
    if platform.startswith(("win", "darwin", "cygwin")):
        return None
    if any(environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return None
    return NO_DISPLAY


def window_refusal(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> str | None:
    """The one line to print (exit 2) instead of starting the window, or None to start it."""
    try:
        check_window_arguments(argv)
    except UsageError as error:
        return one_line(str(error))  # an argument holding a newline stays on the one line
    return display_problem(os.environ if environ is None else environ)
