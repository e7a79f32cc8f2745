"""Issue 21, observation 6: input that hung or ended in "internal error" (exit 70). Each cause
is run as a user runs it, in a subprocess with a timeout (a hang fails the test rather than
stopping the suite); each ends in one line on stderr and exit 2 (1 for a database failure)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TODAY

TIMEOUT = 120  # seconds: far beyond any of these commands on a busy machine; only a hang reaches it


def compounder(*argv: str | bytes, tmp_path: Path, stdin: bytes | None = b"", env: dict[str, str] | None = None):
    """``python -m compounder ARGV`` with the user folders inside ``tmp_path``; arguments may be
    bytes (not UTF-8), as a shell passes them."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    environment = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
                   "XDG_CACHE_HOME": str(home / "cache"), "COMPOUNDER_SETTINGS_DIR": str(home / "settings"), **(env or {})}
    environment.pop("COMPOUNDER_DATABASE", None)
    command = [os.fsencode(sys.executable), b"-m", b"compounder", *(os.fsencode(a) if isinstance(a, str) else a for a in argv)]
    done = subprocess.run(command, input=stdin, capture_output=True, timeout=TIMEOUT, check=False, env=environment, cwd=tmp_path)
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def refused(result, status: int, *expected: str) -> None:
    code, _out, err = result
    assert code == status, err
    assert err.count("\n") == 1 and "internal error" not in err and "Traceback" not in err, err
    for text in expected:
        assert text in err, err


def call(*argv: str | bytes, ask_password=None):
    """``run`` in this process, with bytes arguments decoded as Python decodes ``sys.argv``
    (``os.fsdecode``: a byte that is not UTF-8 becomes a lone surrogate)."""
    from compounder.cli import run

    out, err = io.StringIO(), io.StringIO()
    code = run([os.fsdecode(a) for a in argv], load_catalog=lambda _p: None, today=TODAY, stdout=out, stderr=err,
               ask_password=ask_password)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def database(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'pharmacy.sqlite'}"
    code, _out, err = call("db", "migrate", "--database", url)
    assert code == 0, err
    return url


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["history", "--rx", b"RX-\xff"], "--rx"),
        (["history", "--formula", b"\xe9"], "--formula"),
        (["recall", b"L\xe9"], "lot"),
        (["recall", "L1", "--manufacturer", b"M\xe9disca"], "--manufacturer"),
        (["users", "add", b"ad\xe9", "--name", "Ada", "--role", "administrator"], "username"),
        (["patients", "show", b"Ren\xe9e"], "name"),
    ],
)
def test_an_argument_that_is_not_utf8_is_refused_in_one_line(tmp_path, database, argv, option):
    """A Latin-1 byte (a terminal not in UTF-8) was exit 70: UnicodeEncodeError on the way to the database."""
    refused(call(*argv, "--database", database), 2, f"{option}: ", "is not UTF-8 text")


def test_a_latin1_patient_search_is_one_line_exit_2_as_the_user_runs_it(tmp_path, database):
    """The observation itself, `history --patient $'caf\\xe9'`, in a subprocess: it was exit 70."""
    refused(compounder("history", "--patient", b"caf\xe9", "--database", database, tmp_path=tmp_path), 2, "--patient: ", "is not UTF-8 text")


def test_a_database_url_that_is_not_utf8_is_refused(tmp_path):
    refused(call("history", "--database", b"sqlite:///caf\xe9.sqlite"), 2, "--database: ", "is not UTF-8 text")


def test_a_path_that_is_not_utf8_is_still_a_path(tmp_path, database):
    """A file name is bytes on Linux: one with a Latin-1 byte is written where it was asked, and named back."""
    code, out, err = compounder("db", "backup", b"caf\xe9.sqlite", "--database", database, tmp_path=tmp_path)
    assert code == 0, err
    assert os.path.exists(os.path.join(os.fsencode(tmp_path), b"caf\xe9.sqlite"))
    assert out.startswith("backed up to caf")
