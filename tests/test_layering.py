"""The engine imports no Qt, SQLAlchemy or ReportLab; the documents import no Qt."""

from __future__ import annotations

import subprocess
import sys


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in result.stdout.split()}


def test_calc_is_pure():
    loaded = loaded_after("import compounder.calc, compounder.calc.record, compounder.calc.labeling, compounder.settings")
    assert not loaded & {"PySide6", "sqlalchemy", "reportlab"}


def test_documents_use_no_qt():
    loaded = loaded_after("import compounder.documents.worksheet, compounder.documents.label")
    assert "PySide6" not in loaded and "reportlab" in loaded
