"""What the benchmark scripts share: timing processes beside their floor, and the table.

Every figure is printed beside its floor measured in the same run, and as a ratio, so a busy
machine (other people's tests on the same two cores) moves both and the ratio stays readable.
Processes are timed interleaved (figure, floor, figure, floor, …) and reported as medians, in
wall-clock time and in CPU time (user + system of the child, which waiting for a core does not
inflate).
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Timing:
    """Medians of several runs, in seconds."""

    wall: float
    cpu: float | None = None
    p90: float | None = None
    cpu_p90: float | None = None


def p90(values: list[float]) -> float:
    """The 90th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def installed_env(env: dict[str, str], scratch: str) -> dict[str, str]:
    """``env`` for child processes that read compiled bytecode as an installed program does
    (pip and PyInstaller ship it compiled): cached under ``scratch`` by the warm-up run, even
    where PYTHONDONTWRITEBYTECODE is set (as on the shared build machine, where every process
    would otherwise compile Compounder's modules from source, ~80 ms a process)."""
    env = {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(scratch) / "pycache")
    return env


MARK = "import time; print('MARK', time.perf_counter(), time.process_time(), flush=True)"
"""Code a child runs at the moment that ends the figure: CLOCK_MONOTONIC is shared by every
process, so the parent subtracts the moment it spawned the child; the child's own CPU clock
counts from its start (interpreter start-up included)."""


def run_process(argv: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one run of ``argv`` (which must succeed): until the child
    printed a ``MARK`` line if it does (the moment that ends the figure, before the process's
    teardown), else until it exited."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    output = subprocess.run(list(argv), capture_output=True, env=env, check=True, text=True).stdout
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    marks = [line.split() for line in output.splitlines() if line.startswith("MARK ")]
    if marks:
        _, at, cpu = marks[-1]
        return float(at) - began, float(cpu)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def interleaved(commands: dict[str, Sequence[str]], runs: int, env: dict[str, str] | None = None) -> dict[str, Timing]:
    """Each command ``runs`` times, taking turns, after one unmeasured warm-up run each."""
    for argv in commands.values():
        run_process(argv, env)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            wall, cpu = run_process(argv, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return {name: Timing(statistics.median(walls[name]), statistics.median(cpus[name]), p90(walls[name]), p90(cpus[name])) for name in commands}


def in_process(function: Callable[[], object], runs: int, warm_up: int = 5) -> Timing:
    """Median wall-clock time, median CPU time of this process and 90th percentile (wall clock)
    of ``function`` called ``runs`` times."""
    for _ in range(warm_up):
        function()
    times, cpus = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        function()
        times.append(time.perf_counter() - began)
        cpus.append(time.process_time() - began_cpu)
    return Timing(statistics.median(times), statistics.median(cpus), p90(times), p90(cpus))


def ms(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds * 1000:.1f} ms"


def print_table(rows: list[tuple[str, str, str, str, str]]) -> None:
    """Rows of (measurement, figure, floor, ratio, target) as a Markdown table."""
    header = ("measurement", "figure", "floor", "ratio", "target")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(5)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)) + " |"  # noqa: E731
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))


def ratio(figure: float | None, floor: float | None) -> str:
    return "" if not figure or not floor else f"{figure / floor:.2f}×"
