"""Run the benchmark scripts once and write docs/benchmarks.md from that one run.

The page holds a summary table (each script, its settings, how long it ran, whether it finished)
and each script's own table exactly as it printed it, under the date, the machine, its load and
the commit measured. The developer's guide links to the page; figures are never typed into the
docs by hand, so two pages cannot disagree about one number.

  .venv/bin/python benchmarks/report.py             # the scripts' own settings (hours: 100,000 batches, twice)
  .venv/bin/python benchmarks/report.py --quick     # small settings, a few minutes on a busy 2-core machine
  .venv/bin/python benchmarks/report.py --only calc,ui --out /tmp/benchmarks.md

A script that fails (no PostgreSQL server binaries, no built bundle) is reported as such on the
page, with the end of what it wrote on stderr, and the exit status is 1.

The headline figures (``HEADLINES``: start-up, an edit, documents, records screens) are taken
from the scripts' own tables in the same run and written twice: at the top of the page, and into
the README between its ``benchmarks:start`` and ``benchmarks:end`` marks, so the README's figures
are those of the page and cannot contradict it. The README is written only when every script
with a headline figure ran and finished.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "benchmarks.md"
README = ROOT / "README.md"
README_START, README_END = "<!-- benchmarks:start (written by benchmarks/report.py) -->", "<!-- benchmarks:end -->"
QUICK = "quick (`--quick`): fewer runs and a smaller database than the scripts' defaults"
FULL = "the scripts' own defaults"


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    measures: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    qt: bool = False  # needs QT_QPA_PLATFORM=offscreen


BENCHES = (
    Bench("calc", "bench_calc.py", "the engine warm, and `compounder calc` as a process, beside their floors", (), ("--runs", "3")),
    Bench("documents", "bench_documents.py", "worksheet + label of a six-line formula, warm, beside a one-page ReportLab table (target under 60 ms)",
          (), ("40",)),
    Bench("ui", "bench_ui.py", "start-up to the window drawn beside the same imports in the app's order, and edit to repaint with 10, 30 and 60 rows beside the repaint alone",
          (), ("--runs", "9", "--edits", "40"), qt=True),
    Bench("weighing", "bench_weighing.py", "scan to confirmed line, stable reading to recorded weight (target under 100 ms); the simulated faults",
          (), ("--repeat", "10"), qt=True),
    Bench("screens", "bench_screens.py", "the records screens (Ingredient lots, Batch history, Recall) over a filled database, SQLite beside PostgreSQL, beside the queries behind them",
          ("--batches", "100000"), ("--batches", "3000"), qt=True),
    Bench("records", "bench_records.py", "history, recall and `db check` on a filled database; start-up beside an empty one",
          (), ("--batches", "2000")),
    Bench("concurrency", "bench_concurrency.py", "8 workstations making batches at once, and history search, SQLite beside PostgreSQL",
          (), ("--batches", "2000", "--per-process", "10")),
    Bench("bundle", "bench_bundle.py", "size and start-up of the built one-folder bundle", (), ("--runs", "3")),
)


@dataclass(frozen=True)
class Headline:
    """One row of the headline table: ``measurement`` is the first cell of a row of ``bench``'s
    table (as ``measure.print_table`` prints it: measurement | figure | floor | ratio | target),
    or its start when the rest names the run's own size (``bench_screens``' "lots: open (2,004
    lots)"); ``database`` picks the table of a script that prints one per database. ``before``
    is the figure issue 27 measured on main before the work, quoted from the issue (it is not
    measured again: that code is gone)."""

    section: str
    bench: str
    measurement: str
    before: str
    database: str = ""


SECTIONS = ("Start-up", "An edit", "Documents", "Records screens")
# Issue 27 measured start-up before the window was drawn (the benchmark asked for a repaint in the
# event loop's first round, before the window was exposed); measured to the window drawn, the code
# before the work (cffde6a) took 1.44–1.92× of the same floor (five runs of 11–15 beside this one's).
BEFORE_STARTUP = "1.42–1.51× of the same floor (to before the window was drawn); 1.44–1.92× to drawn"
HEADLINES = (
    Headline("Start-up", "ui", "start-up to window drawn, wall clock", BEFORE_STARTUP),
    Headline("Start-up", "ui", "start-up to window drawn, wall clock (90th percentile)", BEFORE_STARTUP),
    Headline("Start-up", "ui", "start-up to window drawn, CPU time", BEFORE_STARTUP),
    Headline("Start-up", "ui", "start-up to window drawn, CPU time (90th percentile)", BEFORE_STARTUP),
    Headline("An edit", "ui", "edit → repaint, 10 rows (median)", "23.9–27.1 ms"),
    Headline("An edit", "ui", "edit → repaint, 10 rows (90th percentile)", "27–48 ms"),
    Headline("An edit", "ui", "edit → repaint, 60 rows (median)", "—"),
    Headline("Documents", "documents", "worksheet + label (median)", "78–109 ms"),
    Headline("Documents", "documents", "worksheet + label (90th percentile)", "122–127 ms"),
    Headline("Documents", "documents", "worksheet + label (median CPU time)", "—"),
    Headline("Records screens", "screens", "lots: open (", "1.2 s CPU", "SQLite"),
    Headline("Records screens", "screens", "lots: open (", "994 ms", "PostgreSQL"),
    Headline("Records screens", "screens", "recall: a lot in 1,000 batches, first rows", "1.4 s", "SQLite"),
    Headline("Records screens", "screens", "recall: a lot in 1,000 batches, first rows", "1,451 ms", "PostgreSQL"),
    Headline("Records screens", "screens", "recall: each next page while scrolling", "—", "SQLite"),
    Headline("Records screens", "screens", "recall: each next page while scrolling", "—", "PostgreSQL"),
    Headline("Records screens", "screens", "history: search every batch, first rows (first time)", "858 ms", "SQLite"),
    Headline("Records screens", "screens", "history: search every batch, first rows (first time)", "—", "PostgreSQL"),
    Headline("Records screens", "screens", "history: search every batch (", "255 ms", "SQLite"),
    Headline("Records screens", "screens", "history: search every batch (", "182 ms", "PostgreSQL"),
)


def table_rows(output: str) -> dict[str, tuple[str, ...]]:
    """The rows of the Markdown tables a script printed, by their first cell, and again by the
    first word of the line above the table and that cell ("SQLite lots: open (2,004 lots), …"),
    for a script that prints one table per database."""
    rows: dict[str, tuple[str, ...]] = {}
    caption = ""
    for line in output.splitlines():
        if line.startswith("|") and not line.startswith("|-"):
            cells = tuple(cell.strip() for cell in line.strip().strip("|").split("|"))
            rows.setdefault(cells[0], cells)
            if caption:
                rows.setdefault(f"{caption} {cells[0]}", cells)
        elif line.strip() and not line.startswith("|"):
            caption = line.split()[0].rstrip(",:")
    return rows


def headline_row(rows: dict[str, tuple[str, ...]], headline: Headline) -> tuple[str, ...] | None:
    """The row ``headline`` names: the one whose first cell is its measurement, else the one
    whose first cell starts with it (in its database's table when it names one)."""
    key = f"{headline.database} {headline.measurement}" if headline.database else headline.measurement
    if key in rows:
        return rows[key]
    starting = [row for name, row in rows.items() if name.startswith(key)]
    return starting[0] if len(starting) == 1 else None


def headline_table(results: list[tuple[Bench, str, str, float, str]]) -> list[str] | None:
    """The headline figures as a Markdown table, from the scripts' output of this run (the
    "before" column quoted from issue 27); None when a script with a headline figure did not run
    or did not finish."""
    outputs = {bench.name: (outcome, output) for bench, _shown, outcome, _seconds, output in results}
    lines = ["| | figure | before | result | floor | ratio | target |", "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for section in SECTIONS:
        for headline in (h for h in HEADLINES if h.section == section):
            outcome, output = outputs.get(headline.bench, ("not run", ""))
            if outcome != "finished":
                return None
            row = headline_row(table_rows(output), headline)
            if row is None or len(row) < 5:
                raise SystemExit(f"report: {headline.bench} printed no row {headline.measurement!r} {headline.database}".rstrip())
            name = f"{headline.database}, {row[0]}" if headline.database else row[0]
            lines.append(f"| {section} | {name} | {headline.before} | {row[1]} | {row[2]} | {row[3]} | {row[4]} |")
    return lines


def write_readme(table: list[str], began: dt.datetime) -> None:
    """Replace the README's figures between its marks with ``table`` and where it comes from."""
    text = README.read_text(encoding="utf-8")
    start, end = text.index(README_START), text.index(README_END)
    cpu = dict(machine())["machine"]
    block = [
        README_START, "",
        f"From one run of `benchmarks/report.py` on {began:%Y-%m-%d} ({cpu}; the whole run: "
        "[Benchmark figures](docs/benchmarks.md)). Each figure stands beside its floor from the same run; "
        "\"before\" is what issue 27 measured before the work:",
        "", *table, "",
    ]
    README.write_text(text[:start] + "\n".join(block) + text[end:], encoding="utf-8")


def bundle_folder() -> Path | None:
    """The bundle .ci/run builds (build/dist), else the one the packaging instructions build (dist)."""
    for folder in (ROOT / "build" / "dist" / "compounder", ROOT / "dist" / "compounder"):
        if (folder / "compounder").exists() or (folder / "compounder.exe").exists():
            return folder
    return None


def first_line(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip().splitlines()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown"


def machine() -> list[tuple[str, str]]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kib = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    commit = first_line(["git", "rev-parse", "--short", "HEAD"])
    if first_line(["git", "status", "--porcelain", "--untracked-files=no"]) != "unknown":
        commit += " with uncommitted changes"
    return [
        ("machine", f"{platform.system()} {platform.release()} ({platform.machine()}), {cpu}, {os.cpu_count()} logical cores, {memory}"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("commit", commit),
    ]


def run(bench: Bench, quick: bool, timeout: float | None) -> tuple[str, str, float, str]:
    """(settings shown, outcome, seconds, output) of one script."""
    args = list(bench.quick if quick else bench.full)
    if bench.name == "bundle":
        folder = bundle_folder()
        if folder is None:
            return " ".join(args) or "defaults", "not run: no bundle in build/dist/compounder or dist/compounder (build it first)", 0.0, ""
        args += ["--bundle", str(folder)]
    env = dict(os.environ)
    if bench.qt:
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    command = [sys.executable, str(ROOT / "benchmarks" / bench.script), *args]
    shown = " ".join(args).replace(str(ROOT) + os.sep, "") or "defaults"
    print(f"report: {bench.script} {shown}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout.decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        return shown, f"FAILED: stopped after {timeout:.0f} s", time.perf_counter() - started, output
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-8:])
        return shown, f"FAILED: exit status {done.returncode}", seconds, done.stdout + ("\n--- stderr (end) ---\n" + tail if tail else "")
    return shown, "finished", seconds, done.stdout


def page(results: list[tuple[Bench, str, str, float, str]], quick: bool, began: dt.datetime, loads: tuple[tuple[float, ...], tuple[float, ...]]) -> str:
    lines = [
        "# Benchmark figures",
        "",
        "<!-- Generated by benchmarks/report.py: do not edit by hand; run it again. -->",
        "",
        "Written by `benchmarks/report.py` from one run of the benchmark scripts; how each is measured, and",
        "the targets, are in the developer's guide: [Benchmarks](developer-guide/benchmarks.md).",
        "",
        "| run | |",
        "| --- | --- |",
        f"| date | {began:%Y-%m-%d %H:%M} UTC |",
        *(f"| {key} | {value} |" for key, value in machine()),
        f"| load average (1, 5, 15 min) | {' / '.join(f'{v:.1f}' for v in loads[0])} at the start, {' / '.join(f'{v:.1f}' for v in loads[1])} at the end |",
        f"| settings | {QUICK if quick else FULL} |",
        "",
        "Figures from a shared, busy machine move from run to run: read each beside its floor (the ratio), which",
        "the scripts measure in the same run.",
        "",
    ]
    headlines = headline_table(results)
    if headlines is not None:
        lines += ["## Headline figures", "", *headlines, ""]
    lines += [
        "## The scripts",
        "",
        "| benchmark | what it measures | arguments | took | outcome |",
        "| --- | --- | --- | ---: | --- |",
    ]
    for bench, shown, outcome, seconds, _output in results:
        lines.append(f"| [{bench.name}](#{bench.name}) | {bench.measures} | `{shown}` | {seconds:.0f} s | {outcome} |")
    for bench, shown, outcome, _seconds, output in results:
        command = f"benchmarks/{bench.script}" + (f" {shown}" if shown != "defaults" else "")
        lines += ["", f"## {bench.name}", "", f"`{command}`", ""]
        if output.strip():
            lines += ["```text", output.rstrip("\n"), "```"]
        else:
            lines.append(outcome)
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small settings: a few minutes instead of hours")
    parser.add_argument("--only", help="comma-separated names: " + ",".join(b.name for b in BENCHES))
    parser.add_argument("--timeout", type=float, default=None, help="seconds one script may take (default: no limit)")
    parser.add_argument("--out", type=Path, default=PAGE, help=f"where to write the page (default {PAGE.relative_to(ROOT)})")
    args = parser.parse_args()
    names = [b.name for b in BENCHES]
    chosen = names if not args.only else [name.strip() for name in args.only.split(",")]
    unknown = [name for name in chosen if name not in names]
    if unknown:
        print(f"report: --only: {', '.join(unknown)} is not a benchmark; use {', '.join(names)}", file=sys.stderr)
        return 2
    began = dt.datetime.now(dt.UTC)
    load_before = os.getloadavg()
    # Every script has a row on the page; one left out by --only is said to be, with no figures.
    results = [
        (bench, *run(bench, args.quick, args.timeout)) if bench.name in chosen else (bench, "-", "not run in this run (--only)", 0.0, "")
        for bench in BENCHES
    ]
    args.out.write_text(page(results, args.quick, began, (load_before, os.getloadavg())), encoding="utf-8")
    print(f"report: wrote {args.out}", file=sys.stderr)
    headlines = headline_table(results)
    if headlines is not None and args.out == PAGE:
        write_readme(headlines, began)
        print(f"report: wrote the headline figures into {README.relative_to(ROOT)}", file=sys.stderr)
    else:
        print(f"report: {README.relative_to(ROOT)} left as it was (its figures come from a run of every script with a headline figure, written to the page)", file=sys.stderr)
    return 0 if all(outcome == "finished" or outcome.startswith("not run") for _b, _s, outcome, _t, _o in results) else 1


if __name__ == "__main__":
    sys.exit(main())
