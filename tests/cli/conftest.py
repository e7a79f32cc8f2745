"""The command-line tests' own report: what the fuzz tests' generated inputs ended in."""

from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter) -> None:
    lines = [
        module.summary()
        for module in (sys.modules.get("tests.cli.test_fuzz_documents"), sys.modules.get("tests.cli.test_fuzz_arguments"))
        if module is not None
    ]
    if any(lines):
        terminalreporter.write_sep("-", "fuzz corpus (issue #14)")
        for line in filter(None, lines):
            terminalreporter.write_line(line)
