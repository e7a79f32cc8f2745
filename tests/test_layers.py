"""The engine stands alone: importing it loads neither Qt nor SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys


def test_calc_imports_neither_qt_nor_sqlalchemy():
    code = (
        "import sys, compounder.calc, compounder.calc.rules, compounder.calc.bud; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'sqlalchemy')); "
        "print(','.join(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
