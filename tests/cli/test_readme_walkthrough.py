"""The README's records walk-through runs as pasted, in a temporary folder on a fresh database:
a lot received at 95.0 % makes the lidocaine target 2.400 g ÷ 0.950 = 2.526 g, and the batch's
worksheet and label are written (issue 28, "done when")."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pdf_text import pdf_text

ROOT = Path(__file__).parents[2]
PASSWORD = "tryout-password-1"


def walkthrough() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Try the records from the command line", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


@pytest.mark.skipif(shutil.which("bash") is None, reason="the README's commands are for a POSIX shell")
def test_the_readme_walkthrough_runs_and_the_lot_sets_the_weight(tmp_path):
    script = walkthrough()
    assert "--potency 95.0" in script and "target 2.526 g" in script
    # Each command reads its passwords from its own copy of a file (no terminal here); at a
    # terminal they are asked for without echo.
    (tmp_path / "pw").write_text(f"{PASSWORD}\n" * 4, encoding="utf-8")
    runnable = re.sub(r"(^|[\s(])compounder ", r"\1< pw compounder ", script, flags=re.MULTILINE)
    runnable = runnable.replace("$PWD/.venv/bin", str(Path(sys.executable).parent))
    env = {
        "HOME": str(tmp_path), "PATH": os.environ["PATH"], "COMPOUNDER_SETTINGS_DIR": str(tmp_path / "settings"),
        "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache"), "LANG": "C.UTF-8",
    }
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", runnable], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    # 4 % of 60 g = 2.400 g lidocaine; from a lot assayed at 95.0 %: 2.400 / 0.950 = 2.526 g; the base 60 − 2.526 = 57.474 g
    assert f"{2.400 / 0.950:.3f}" == "2.526" and f"{60 - 2.526:.3f}" == "57.474"
    assert re.search(r"lot LB26-777\s+potency 95 %\s+target 2\.526 g", done.stderr + done.stdout)
    worksheet = pdf_text((tmp_path / "worksheet.pdf").read_bytes())
    assert "LB26-777" in worksheet and "2.526" in worksheet and "COMPOUNDING RECORD" in worksheet
    assert "Jane Doe" in pdf_text((tmp_path / "label.pdf").read_bytes())
