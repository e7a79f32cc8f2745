"""The hostile-input corpus at scale (issues 14 and 21): formula files and command lines drawn
from the fuzz tests' strategies (tests/cli/test_fuzz_documents.py and test_fuzz_arguments.py,
which hold every known cause), each run through ``compounder.__main__.main`` as the installed
command runs it, and the exit statuses counted. A case that does not finish within ``--timeout``
seconds is counted as a hang (its worker is killed and replaced).

    .venv/bin/python benchmarks/hostile_corpus.py --files 5000 --commands 2000 --workers 2

Each worker is a child process of this script running cases in turn, each in a folder of its
own with HOME, the data, settings and cache folders inside it, and no display (a command line
that would open the window is refused for want of one). Prints a table of exit statuses, and
the command line of every case that ended other than 0, 1 or 2 (70 is an internal error).
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- generating cases


def generate(files: int, commands: int, seed: int) -> list[dict]:
    """``files`` formula cases and ``commands`` command lines, as JSON-able dicts."""
    import random

    from hypothesis import strategies as st
    from hypothesis.errors import NonInteractiveExampleWarning

    sys.path.insert(0, str(ROOT))
    from tests.cli import test_fuzz_arguments as arguments
    from tests.cli import test_fuzz_documents as documents

    random.seed(seed)
    cases: list[dict] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        formula_cases = st.lists(documents.cases(), min_size=50, max_size=50)
        while len(cases) < files:  # .example() draws one at a time: 50 to a list is faster
            for data, raw, pharmacy, command, options in formula_cases.example():
                cases.append({
                    "kind": "file", "raw": (raw if raw is not None else json.dumps(data).encode("utf-8", "surrogatepass")).hex(),
                    "pharmacy": (pharmacy if isinstance(pharmacy, bytes) else json.dumps(pharmacy).encode("utf-8")).hex(),
                    "command": command, "options": options,
                })
        cases = cases[:files]
        line_cases = st.lists(st.tuples(arguments.argvs(), st.sampled_from(["", "secret-password-1\n" * 2, "\u200b\n", None])),
                              min_size=50, max_size=50)
        lines: list[dict] = []
        while len(lines) < commands:
            for argv, stdin in line_cases.example():
                lines.append({"kind": "argv", "argv": [_encode(item) for item in argv], "stdin": stdin})
    return cases + lines[:commands]


def _encode(text: str) -> str:
    """An argument as the hex of its bytes (a lone surrogate is the byte Python decoded it from)."""
    return os.fsencode(text).hex()


# ----------------------------------------------------------------------------- running one case


def run_case(case: dict, folder: Path) -> int:
    """One case in ``folder`` (made empty before): its exit status as the command gives it."""
    import io

    from compounder.__main__ import main
    from tests.documents.helpers import issue_formula

    formula = folder / "formula.json"
    settings_file = folder / "pharmacy.json"
    if case["kind"] == "file":
        formula.write_bytes(bytes.fromhex(case["raw"]))
        settings_file.write_bytes(bytes.fromhex(case["pharmacy"]))
        argv = [*case["command"].split(), str(formula), *case["options"]]
        if case["command"] in ("worksheet", "label"):
            argv += ["--out", str(folder / "out.pdf"), "--pharmacy-settings", str(settings_file)]
        stdin = ""
    else:
        formula.write_text(json.dumps(issue_formula()), encoding="utf-8")
        profile = folder / "profile.json"
        profile.write_text(json.dumps({"weight": "62 kg", "allergies": []}), encoding="utf-8")
        os.mkfifo(folder / "fifo")
        (folder / "deep.json").write_text('{"name": ' + "[" * 10_000 + "]" * 10_000 + "}", encoding="utf-8")
        (folder / "runaway.json").write_text(json.dumps({**issue_formula(), "batch": "120 g ** 9**9**9"}), encoding="utf-8")
        places = {
            "{FOLDER}": str(folder), "{FORMULA}": str(formula), "{DB}": f"sqlite:///{folder / 'p.sqlite'}", "{OUT}": str(folder / "out.pdf"),
            "{MISSING_DB}": f"sqlite:///{folder / 'missing' / 'p.sqlite'}", "{PROFILE}": str(profile), "{FIFO}": str(folder / "fifo"),
            "{DEEP}": str(folder / "deep.json"), "{RUNAWAY}": str(folder / "runaway.json"),
        }
        argv = [places.get(item, item) for item in (os.fsdecode(bytes.fromhex(a)) for a in case["argv"])]
        for i, item in enumerate(argv[:-1]):  # written files stay in the folder, as in the fuzz test
            outside = argv[i + 1].startswith("/") and not argv[i + 1].startswith(str(folder))
            if outside and (item in ("--out", "backup", "--screenshot") or (item == "--head-file" and argv[i + 1] not in ("/dev/zero", "/dev/null", "/dev/full"))):
                argv[i + 1] = str(folder / "written")
        stdin = case["stdin"] or ""
    for stream in (sys.stdout, sys.stderr):  # the worker's captures (``run`` holds them as its defaults)
        stream.seek(0)
        stream.truncate()
    sys.stdin = io.StringIO(stdin)
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        status = main(argv)
    except SystemExit as stop:  # --help and --version
        status = stop.code if isinstance(stop.code, int) else 2
    finally:
        os.chdir(cwd)
    err = sys.stderr.getvalue()
    if status == 2 and err.count("\n") != 1:
        return -2  # a refusal of more than one line
    return status


def worker() -> None:
    """Read one case a line from stdin, answer its status a line on stdout."""
    base = Path(tempfile.mkdtemp(prefix="hostile-corpus-"))
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "COMPOUNDER_DATABASE", "COMPOUNDER_AUDIT_KEY", "COMPOUNDER_AUDIT_KEY_FILE"):
        os.environ.pop(name, None)
    home = base / "home"
    os.environ.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
                      XDG_CACHE_HOME=str(base / "cache"), COMPOUNDER_SETTINGS_DIR=str(home / "settings"))
    import io

    reply, cases = sys.stdout, sys.stdin
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()  # before compounder is imported: its defaults bind these
    for line in cases:
        folder = base / "case"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
        folder.mkdir(parents=True)
        home.mkdir()
        try:
            status = run_case(json.loads(line), folder)
        except BaseException as error:  # noqa: BLE001 - anything out of main is what this counts
            status = 70 if not isinstance(error, KeyboardInterrupt) else 130
        sys.stdout.seek(0)  # main may have replaced nothing, but a reconfigured stream is dropped here
        sys.stdout.truncate()
        reply.write(f"{status}\n")
        reply.flush()
    shutil.rmtree(base, ignore_errors=True)


# ----------------------------------------------------------------------------- the parent


class Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.case: dict | None = None
        self.started = 0.0

    def give(self, case: dict) -> None:
        self.case, self.started = case, time.monotonic()
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(case) + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def run_all(cases: list[dict], workers: int, timeout: float) -> tuple[Counter, Counter, list[tuple[str, dict]]]:
    pending = list(reversed(cases))
    by_kind: dict[str, Counter] = {"file": Counter(), "argv": Counter()}
    odd: list[tuple[str, dict]] = []
    pool = [Worker() for _ in range(workers)]
    selector = selectors.DefaultSelector()
    for each in pool:
        selector.register(each.process.stdout, selectors.EVENT_READ, each)
        each.give(pending.pop())
    done, started = 0, time.monotonic()
    while any(each.case is not None for each in pool):
        for key, _ in selector.select(timeout=1.0):
            each = key.data
            answer = each.process.stdout.readline()
            status = int(answer) if answer.strip() else 70  # a worker that died mid-case
            by_kind[each.case["kind"]][status] += 1
            if status not in (0, 1, 2):
                odd.append((str(status), each.case))
            done += 1
            each.case = None
            if answer.strip() and pending:
                each.give(pending.pop())
            elif not answer.strip():
                selector.unregister(each.process.stdout)
                each.stop()
                fresh = Worker()
                pool[pool.index(each)] = fresh
                selector.register(fresh.process.stdout, selectors.EVENT_READ, fresh)
                if pending:
                    fresh.give(pending.pop())
        for index, each in enumerate(pool):  # a case past its time: a hang
            if each.case is not None and time.monotonic() - each.started > timeout:
                by_kind[each.case["kind"]]["hang"] += 1
                odd.append(("hang", each.case))
                done += 1
                selector.unregister(each.process.stdout)
                each.stop()
                pool[index] = fresh = Worker()
                selector.register(fresh.process.stdout, selectors.EVENT_READ, fresh)
                if pending:
                    fresh.give(pending.pop())
        if done and done % 500 == 0:
            print(f"  {done:,} of {len(cases):,} cases, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    for each in pool:
        each.process.stdin.close()
        each.process.wait(timeout=60)
    return by_kind["file"], by_kind["argv"], odd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5000, help="formula-file cases (calc, worksheet, label)")
    parser.add_argument("--commands", type=int, default=2000, help="command-line cases")
    parser.add_argument("--workers", type=int, default=2, help="cases run at once (the machine is shared: keep it modest)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a case counts as a hang")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    started = time.monotonic()
    cases = generate(args.files, args.commands, args.seed)
    print(f"generated {len(cases):,} cases in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    files, lines, odd = run_all(cases, args.workers, args.timeout)
    elapsed = time.monotonic() - started
    statuses = sorted(set(files) | set(lines), key=str)
    print(f"{'exit status':<14}{'formula files':>15}{'command lines':>15}")
    for status in statuses:
        shown = {-2: "2 (not 1 line)"}.get(status, str(status)) if isinstance(status, int) else status
        print(f"{shown:<14}{files[status]:>15,}{lines[status]:>15,}")
    print(f"{'total':<14}{sum(files.values()):>15,}{sum(lines.values()):>15,}")
    print(f"{elapsed:.0f} s with {args.workers} workers")
    for status, case in odd:
        shown = case.get("argv") and [os.fsdecode(bytes.fromhex(a))[:80] for a in case["argv"]]
        print(f"exit {status}: {case['kind']} {shown or (case['command'], bytes.fromhex(case['raw'])[:200])}")


if __name__ == "__main__":
    main()
