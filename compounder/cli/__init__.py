"""The ``compounder`` command line: list the reference database, compute a formula file, print
its batch worksheet and patient label as PDF, and look after the pharmacy database.

Exit status: 0 no error finding; 1 the formula has error findings (the result is still
printed; a worksheet or label is not written, nor while a warning is not acknowledged);
2 unusable input, with one line on stderr naming the field and what is accepted.

The names below are loaded on first use, so that ``compounder.cli.route`` (which ``__main__``
imports to choose between the window and a command) loads neither the engine nor the records.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_NAMES = {
    "run": "compounder.cli.dispatch",
    "build_parser": "compounder.cli.parser",
    "evaluate_file": "compounder.cli.calc",
    "plan_to_text": "compounder.cli.calc",
    "plan_to_json": "compounder.calc.plan_data",
    "ingredient_records": "compounder.cli.ingredients",
    "read_formula_file": "compounder.cli.inputs",
    "EXIT_OK": "compounder.cli.errors",
    "EXIT_FINDINGS": "compounder.cli.errors",
    "EXIT_USAGE": "compounder.cli.errors",
    "UsageError": "compounder.cli.errors",
    "one_line": "compounder.cli.errors",
}

__all__ = [
    "EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "UsageError", "build_parser", "evaluate_file", "ingredient_records", "one_line",
    "plan_to_json", "plan_to_text", "read_formula_file", "run",
]


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module 'compounder.cli' has no attribute {name!r}")
    return getattr(import_module(_NAMES[name]), name)
