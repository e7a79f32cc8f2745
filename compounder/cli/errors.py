"""Exit statuses and the one-line error every command reports through."""

from __future__ import annotations

import argparse

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Unusable input outside the formula itself (arguments, files)."""


class DatabaseFailure(Exception):
    """A database that is damaged, locked or fails its checks: one line, exit 1."""


def one_line(text: str) -> str:
    """The message with control characters (a newline inside a key, say) shown escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def file_prefix(args: argparse.Namespace | None) -> str:
    """The formula file a message is about, as its prefix."""
    file = getattr(args, "file", None)
    return f"{file}: " if file else ""
