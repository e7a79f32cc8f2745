"""The layers stay apart: the engine imports neither Qt nor SQLAlchemy; the records no Qt."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("compounder.calc", ("PySide6", "sqlalchemy")),
        ("compounder.records", ("PySide6",)),
    ],
)
def test_module_does_not_load(module, forbidden):
    code = f"import sys, {module}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert not loaded & set(forbidden)
