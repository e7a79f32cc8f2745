"""The fuzz corpus over the command line's arguments (issue #14): every command with hostile
options, values and database URLs ends in exit 0, 1 or 2 with at most one line of refusal;
never an exception out of ``run``. Files are only written inside the test's folder.

Examples per run: COMPOUNDER_FUZZ_EXAMPLES (default 40)."""

from __future__ import annotations

import io
import json
import os
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compounder.cli import run
from compounder.cli.parser import COMMANDS
from tests.conftest import TODAY
from tests.documents.helpers import issue_formula

EXAMPLES = int(os.environ.get("COMPOUNDER_FUZZ_EXAMPLES", "40"))
COUNTS: Counter[int] = Counter()

WORDS = [*COMMANDS, "check", "migrate", "backup", "copy", "list", "add", "show", "set-profile", "--help", "--version", "-h", "--", "-"]
OPTIONS = [
    "--database", "--reference", "--json", "--date", "--out", "--paper", "--stock", "--position", "--pharmacy-settings", "--patient",
    "--rx", "--formula", "--batch", "--lot", "--since", "--until", "--manufacturer", "--name", "--role", "--admin", "--born",
    "--profile", "--user", "--example", "--init", "--bogus", "--screenshot",
]
TEXTS = [
    "", " ", "\u200b", "\u202e", "a" * 100_000, "Jane Doe", "ada", "L123", "RX-104233", "261123", "administrator", "pharmacist",
    "a4", "letter", "thermal-4x2", "avery-5163", "-1", "0", "1", "99999999999999999999", "2026-11-23", "9999-12-31", "0001-01-01",
    "yesterday", "%s", "\x00", "李", "mysql://x/y", "postgresql://u@127.0.0.1:1/x", "sqlite:////dev/zero", "sqlite:///", "sqlite://",
    "file:///etc/passwd", "/dev/zero", "/dev/null", "/nonexistent/f.json", "{FOLDER}", "{FORMULA}", "{DB}", "{OUT}", "{MISSING_DB}",
    "{PROFILE}", "{FIFO}",
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
@given(argv=argvs(), password=st.sampled_from(["", "secret-password-1", "\u200b", "x" * 10_000]))
def test_no_command_line_ends_other_than_0_1_or_2(catalog, tmp_path_factory, argv, password):
    folder = tmp_path_factory.mktemp("argv")
    formula = folder / "formula.json"
    formula.write_text(json.dumps(issue_formula()), encoding="utf-8")
    profile = folder / "profile.json"
    profile.write_text(json.dumps({"weight": "62 kg", "allergies": []}), encoding="utf-8")
    fifo = folder / "fifo"
    os.mkfifo(fifo)
    places = {
        "{FOLDER}": str(folder), "{FORMULA}": str(formula), "{DB}": f"sqlite:///{folder / 'p.sqlite'}", "{OUT}": str(folder / "out.pdf"),
        "{MISSING_DB}": f"sqlite:///{folder / 'missing' / 'p.sqlite'}", "{PROFILE}": str(profile), "{FIFO}": str(fifo),
    }
    argv = [places.get(item, item) for item in argv]
    # Written files stay inside the folder: an absolute path elsewhere is not handed to a writing option.
    for i, item in enumerate(argv[:-1]):
        if item in ("--out", "backup", "--init") and argv[i + 1].startswith("/") and not argv[i + 1].startswith(str(folder)):
            argv[i + 1] = str(folder / "written")
    if "--init" in argv:
        return  # writes the user's settings file: covered by its own test
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)  # a relative path written lands in the folder
    try:
        status = run(argv, load_catalog=lambda _p: catalog, today=TODAY, stdout=out, stderr=err, ask_password=lambda _prompt: password)
    except SystemExit as stop:  # --help and --version print and stop, as argparse does
        status = stop.code if isinstance(stop.code, int) else 2
    finally:
        os.chdir(cwd)
    COUNTS[status] += 1
    message = err.getvalue()
    assert status in (0, 1, 2), (argv, message)
    assert "Traceback" not in message and "internal error" not in message
    if status == 2:
        assert message.count("\n") == 1, (argv, message)
