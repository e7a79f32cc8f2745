"""Size of the built bundle and how fast it starts. Prints a table; asserts nothing.

Build first: .venv/bin/pyinstaller --noconfirm packaging/compounder.spec (or pass --bundle DIR).
Start-up is measured as the process that starts the bundle, shows the main window with a
formula under Xvfb (offscreen when Xvfb is missing), grabs it to a PNG and exits: the time a
pharmacist waits for a usable window, plus one picture's save. The first run after the build
comes from a cold page cache as far as this machine allows; later runs are warm.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "compounder")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    program = args.bundle / "compounder"
    if not program.exists():
        raise SystemExit(f"no bundle at {args.bundle}; build it with pyinstaller packaging/compounder.spec")
    formula = ROOT / "examples" / "diclofenac-cyclobenzaprine-lidocaine.json"
    with tempfile.TemporaryDirectory() as home:
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"}  # no virtual environment, no project paths
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            env["QT_QPA_PLATFORM"] = "offscreen"
        prefix = [xvfb, "-a", "-s", "-screen 0 1440x900x24"] if xvfb else []

        def start() -> float:
            begin = time.perf_counter()
            subprocess.run([*prefix, str(program), "--screenshot", str(Path(home) / "shot.png"), str(formula)], env=env, check=True, capture_output=True)
            return time.perf_counter() - begin

        def version() -> float:
            begin = time.perf_counter()
            subprocess.run([str(program), "--version"], env=env, check=True, capture_output=True)
            return time.perf_counter() - begin

        xvfb_alone = []
        if xvfb:
            for _ in range(3):
                begin = time.perf_counter()
                subprocess.run([*prefix, "/bin/true"], env=env, check=True)
                xvfb_alone.append(time.perf_counter() - begin)
        first = start()
        warm = [start() for _ in range(args.runs)]
        versions = [version() for _ in range(args.runs)]

    rows = [("bundle size on disk", f"{folder_size(args.bundle) / 2**20:.1f} MiB"),
            ("start -> window shown -> PNG -> exit, first run", f"{first * 1000:.0f} ms"),
            (f"same, warm (median of {args.runs})", f"{statistics.median(warm) * 1000:.0f} ms")]
    if xvfb_alone:
        rows.append(("  of which xvfb-run itself (median of 3)", f"{statistics.median(xvfb_alone) * 1000:.0f} ms"))
    rows.append((f"`compounder --version` (median of {args.runs})", f"{statistics.median(versions) * 1000:.0f} ms"))
    rows.append(("platform", f"{'xcb under Xvfb' if xvfb else 'offscreen'}, {os.cpu_count()} cores"))
    print(f"| {'measurement':<50} | {'value':>22} |")
    print(f"|{'-' * 52}|{'-' * 24}|")
    for name, value in rows:
        print(f"| {name:<50} | {value:>22} |")

if __name__ == "__main__":
    main()
