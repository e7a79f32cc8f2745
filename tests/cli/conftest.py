"""The command-line tests' own report: what the fuzz test's generated inputs ended in."""

from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter) -> None:
    fuzz = sys.modules.get("tests.cli.test_fuzz_documents")
    line = fuzz.summary() if fuzz is not None else None
    if line:
        terminalreporter.write_sep("-", "fuzz corpus (issue #14)")
        terminalreporter.write_line(line)
