"""``compounder``: the window with no command (a formula file may be given to open), the command
line with one. Imports nothing heavy before it knows which: the window starts as fast as it can."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_USAGE, EXIT_INTERNAL = 2, 70


def _load_catalog(path: Path | None):
    """The reference catalog, through the snapshot in the user's cache folder when it is current."""
    from platformdirs import user_cache_path

    from compounder.data.catalog_cache import cached_catalog

    return cached_catalog(path, user_cache_path("compounder", appauthor=False))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # answered before anything heavy is imported
        from compounder import __version__

        print(f"compounder {__version__}")
        return 0
    if argv == ["--self-test"]:
        from compounder.self_test import run_self_test

        return run_self_test()
    from compounder.cli.route import wants_command, window_refusal

    if not wants_command(argv):
        refusal = window_refusal(argv)
        if refusal is not None:
            print(refusal, file=sys.stderr)
            return EXIT_USAGE
        from compounder.ui.app import run_app

        return run_app(argv)
    from compounder.cli import run

    _keep_undecodable_bytes(sys.stdout)
    try:
        return run(argv, load_catalog=_load_catalog, today=dt.date.today())
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        print(f"compounder: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_INTERNAL


def _keep_undecodable_bytes(stream) -> None:
    """A file name with a byte that is not UTF-8 (``caf\\xe9.sqlite``) printed back as the bytes it
    is, as ``ls`` does, rather than a UnicodeEncodeError when the locale's stdout is strict."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None and getattr(stream, "errors", None) == "strict":
        reconfigure(errors="surrogateescape" if (stream.encoding or "").lower().replace("-", "") == "utf8" else "backslashreplace")


if __name__ == "__main__":
    raise SystemExit(main())
