"""The layers stay apart at run time: the engine loads no Qt, SQLAlchemy or ReportLab; the documents
and the records load no Qt. The import contracts in pyproject.toml (``lint-imports``) check the
source's own imports; this checks what importing a layer really loads, third-party imports included."""

from __future__ import annotations

import subprocess
import sys

import pytest


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in result.stdout.split()}


@pytest.mark.parametrize(
    ("statement", "forbidden"),
    [
        (
            "import compounder.calc, compounder.calc.rules, compounder.calc.bud, compounder.calc.record, "
            "compounder.calc.labeling, compounder.calc.batch_document, compounder.settings",
            {"PySide6", "shiboken6", "sqlalchemy", "reportlab"},
        ),
        ("import compounder.documents.worksheet, compounder.documents.label, compounder.documents.stored", {"PySide6", "shiboken6", "sqlalchemy"}),
        ("import compounder.records", {"PySide6", "shiboken6"}),
        ("import compounder.records.policy", {"PySide6", "shiboken6", "sqlalchemy", "alembic"}),
        # The records' errors are caught above the records without SQLAlchemy (issue 20).
        ("import compounder.records.errors", {"PySide6", "shiboken6", "sqlalchemy", "alembic"}),
        ("import compounder.calc.print_gate", {"PySide6", "shiboken6", "sqlalchemy", "reportlab"}),
        (
            "import compounder.records.batches, compounder.records.history, compounder.records.maintenance, compounder.records.audit, "
            "compounder.records.printing",
            {"PySide6", "shiboken6", "reportlab"},
        ),
    ],
)
def test_layer_does_not_load(statement, forbidden):
    assert not loaded_after(statement) & forbidden
