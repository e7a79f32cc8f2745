"""Save a picture of the main window with a seed formula loaded: docs/screenshot-main-window.png.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot.py [FORMULA.json] [PNG]

Runs on a throw-away database and settings folder, so it leaves the user's own untouched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    formula = Path(argv[0]) if argv else ROOT / "examples" / "diclofenac-cyclobenzaprine-lidocaine.json"
    picture = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "screenshot-main-window.png"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="compounder-screenshot-") as scratch:
        os.environ["COMPOUNDER_SETTINGS_DIR"] = str(Path(scratch) / "settings")
        os.environ["COMPOUNDER_DATABASE"] = f"sqlite:///{Path(scratch) / 'pharmacy.sqlite'}"
        os.environ["XDG_DATA_HOME"] = str(Path(scratch) / "data")
        from compounder.ui.app import run_app

        return run_app(["--screenshot", str(picture), str(formula)])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
