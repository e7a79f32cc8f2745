"""The ``compounder`` command line: list the reference database, compute a formula file, print
its batch worksheet and patient label as PDF, and look after the pharmacy database.

Exit status: 0 no error finding; 1 the formula has error findings (the result is still
printed; a worksheet or label is not written, nor while a warning is not acknowledged);
2 unusable input, with one line on stderr naming the field and what is accepted.
"""

from __future__ import annotations

from compounder.calc.plan_data import plan_to_json
from compounder.cli.calc import evaluate_file, plan_to_text
from compounder.cli.dispatch import run
from compounder.cli.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, one_line
from compounder.cli.ingredients import ingredient_records
from compounder.cli.inputs import read_formula_file
from compounder.cli.parser import build_parser

__all__ = [
    "EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "UsageError", "build_parser", "evaluate_file", "ingredient_records",
    "one_line", "plan_to_json", "plan_to_text", "read_formula_file", "run",
]
