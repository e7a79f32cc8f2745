"""`compounder --self-test` passes on a working installation, one line per check."""

from __future__ import annotations

import subprocess
import sys


def test_self_test_passes_every_check(tmp_path):
    done = subprocess.run([sys.executable, "-m", "compounder", "--self-test"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "ok   reference database", "ok   pharmacy database", "ok   engine", "ok   main window", "ok   worksheet", "ok   label",
        "self-test",
    ]
    assert "7.432" in done.stdout and lines[-1] == "self-test: all checks passed"
    assert "Fatal" not in done.stderr and "Traceback" not in done.stderr
