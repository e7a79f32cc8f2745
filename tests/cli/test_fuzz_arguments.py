"""The fuzz corpus over the command line's arguments (issue #14): every command with hostile
options, values and database URLs ends in exit 0, 1 or 2 with at most one line of refusal;
never an exception out of ``run``. Files are only written inside the test's folder.

Examples per run: COMPOUNDER_FUZZ_EXAMPLES (default 40)."""

from __future__ import annotations

import io
import json
import os
import sys
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compounder.cli import run
from compounder.cli.parser import COMMANDS
from compounder.cli.users import prompt_password
from tests.conftest import TODAY
from tests.documents.helpers import issue_formula

DEVICES = ("/dev/zero", "/dev/null", "/dev/full")
EXAMPLES = int(os.environ.get("COMPOUNDER_FUZZ_EXAMPLES", "40"))
COUNTS: Counter[int] = Counter()

WORDS = [
    *COMMANDS, "check", "migrate", "backup", "copy", "list", "add", "show", "set-profile", "export-head", "rotate-key", "unlock",
    "--help", "--version", "-h", "--", "-",
]
OPTIONS = [
    "--database", "--reference", "--json", "--date", "--out", "--paper", "--stock", "--position", "--pharmacy-settings", "--patient",
    "--rx", "--formula", "--batch", "--lot", "--since", "--until", "--manufacturer", "--name", "--role", "--admin", "--born",
    "--profile", "--user", "--example", "--init", "--bogus", "--screenshot", "--head-file", "--limit", "--offset", "--all",
]
TEXTS = [
    "", " ", "\u200b", "\u202e", "a" * 100_000, "Jane Doe", "ada", "L123", "RX-104233", "261123", "administrator", "pharmacist",
    "a4", "letter", "thermal-4x2", "avery-5163", "-1", "0", "1", "99999999999999999999", "2026-11-23", "9999-12-31", "0001-01-01",
    "yesterday", "%s", "\x00", "李", "mysql://x/y", "postgresql://u@127.0.0.1:1/x", "sqlite:////dev/zero", "sqlite:///", "sqlite://",
    "file:///etc/passwd", "/dev/zero", "/dev/null", "/nonexistent/f.json", "{FOLDER}", "{FORMULA}", "{DB}", "{OUT}", "{MISSING_DB}",
    "{PROFILE}", "{FIFO}",
    # issue 21: bytes that are not UTF-8 (as Python decodes them from argv), over-long paths, devices and deep settings
    "caf\udce9", "L\udcff", "sqlite:///caf\udce9.sqlite", "a" * 300 + ".json", "/proc/x.sqlite", "/dev/full", "{DEEP}",
    "120 g ** 9**9**9", "{RUNAWAY}", "-5", "100001", "1000000000000",
]


@st.composite
def argvs(draw):
    argv = [draw(st.sampled_from(WORDS))]
    for _ in range(draw(st.integers(0, 6))):
        argv.append(draw(st.one_of(st.sampled_from(WORDS), st.sampled_from(OPTIONS), st.sampled_from(TEXTS), st.text(max_size=12))))
    return argv


def summary() -> str | None:
    if not COUNTS:
        return None
    line = ", ".join(f"exit {code}: {n}" for code, n in sorted(COUNTS.items()))
    return f"{sum(COUNTS.values())} generated command lines; {line}"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(argv=argvs(), password=st.sampled_from(["", "secret-password-1", "\u200b", "x" * 10_000, None]))
def test_no_command_line_ends_other_than_0_1_or_2(catalog, tmp_path_factory, argv, password):
    folder = tmp_path_factory.mktemp("argv")
    formula = folder / "formula.json"
    formula.write_text(json.dumps(issue_formula()), encoding="utf-8")
    profile = folder / "profile.json"
    profile.write_text(json.dumps({"weight": "62 kg", "allergies": []}), encoding="utf-8")
    fifo = folder / "fifo"
    os.mkfifo(fifo)
    deep = folder / "deep.json"
    deep.write_text('{"name": ' + "[" * 10_000 + "]" * 10_000 + "}", encoding="utf-8")
    runaway = folder / "runaway.json"
    runaway.write_text(json.dumps({**issue_formula(), "batch": "120 g ** 9**9**9"}), encoding="utf-8")
    places = {
        "{FOLDER}": str(folder), "{FORMULA}": str(formula), "{DB}": f"sqlite:///{folder / 'p.sqlite'}", "{OUT}": str(folder / "out.pdf"),
        "{MISSING_DB}": f"sqlite:///{folder / 'missing' / 'p.sqlite'}", "{PROFILE}": str(profile), "{FIFO}": str(fifo),
        "{DEEP}": str(deep), "{RUNAWAY}": str(runaway),
    }
    argv = [places.get(item, item) for item in argv]
    # Written files stay inside the folder: an absolute path elsewhere is not handed to a writing option.
    for i, item in enumerate(argv[:-1]):
        if item in ("--out", "backup", "--init") and argv[i + 1].startswith("/") and not argv[i + 1].startswith(str(folder)):
            argv[i + 1] = str(folder / "written")
        elif item == "--head-file" and argv[i + 1].startswith("/") and not argv[i + 1].startswith(str(folder)) \
                and argv[i + 1] not in DEVICES:  # a device is refused unread and never replaced: kept, to test that
            argv[i + 1] = str(folder / "written")
    if "--init" in argv:
        return  # writes the user's settings file: covered by its own test
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)  # a relative path written lands in the folder
    try:
        # None: the input ends at the prompt (the real prompt, reading an empty standard input)
        ask = prompt_password if password is None else (lambda _prompt: password)
        sys.stdin = io.StringIO("")
        status = run(argv, load_catalog=lambda _p: catalog, today=TODAY, stdout=out, stderr=err, ask_password=ask)
    except SystemExit as stop:  # --help and --version print and stop, as argparse does
        status = stop.code if isinstance(stop.code, int) else 2
    finally:
        os.chdir(cwd)
        sys.stdin = sys.__stdin__
    COUNTS[status] += 1
    message = err.getvalue()
    assert status in (0, 1, 2), (argv, message)
    assert "Traceback" not in message and "internal error" not in message
    if status == 2:
        assert message.count("\n") == 1, (argv, message)
