"""A plain (non-editable) install carries the reference database: `compounder ingredients`
works from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_with_its_reference_database(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    [wheel] = wheels.glob("compounder-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "compounder/refdata/ingredients.sqlite" in names
    assert "compounder/calc/pharmacy_units.txt" in names

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True, capture_output=True, text=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import compounder.data.catalog as c; print(c.__file__); print(c.packaged_reference())"],
        check=True, capture_output=True, text=True, cwd=elsewhere, env=env,
    ).stdout.split()
    assert all(path.startswith(str(target)) for path in where), where  # the installed copy, not the checkout
    done = subprocess.run(
        [sys.executable, "-m", "compounder", "ingredients", "--json"], capture_output=True, text=True, cwd=elsewhere, env=env
    )
    assert done.returncode == 0, done.stderr
    assert any(record["name"] == "lidocaine hydrochloride (monohydrate, USP)" for record in json.loads(done.stdout))
