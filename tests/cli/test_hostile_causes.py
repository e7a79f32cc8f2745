"""Issue 21, observation 6: input that hung or ended in "internal error" (exit 70). Each cause
is run as a user runs it, in a subprocess with a timeout (a hang fails the test rather than
stopping the suite); each ends in one line on stderr and exit 2 (1 for a database failure)."""

from __future__ import annotations

import io
import json
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


@pytest.mark.parametrize("name", ["a" * 300 + ".json", "b" * 200 + "/" + "c" * 300 + ".toml"])
def test_a_path_over_255_bytes_given_to_the_window_is_one_line_exit_2(tmp_path, name):
    """It printed a traceback (Path.exists raised ENAMETOOLONG before the window started)."""
    (tmp_path / name).parent.mkdir(exist_ok=True)
    refused(compounder(str(tmp_path / name), tmp_path=tmp_path, env={"QT_QPA_PLATFORM": "offscreen"}), 2, "FILE: ", "File name too long")


# --------------------------------------------------------------------------- head, key and settings files


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)  # opening it to read waits for a writer forever
    return path


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
@pytest.mark.parametrize("command", ["check", "export-head"])
def test_a_head_file_that_is_not_a_regular_file_is_refused_unread(tmp_path, database, fifo, special, command):
    """`db check --head-file /dev/zero` grew to 5 GB; a FIFO hung. Neither is read, nor replaced."""
    if special == "/dev/zero" and command == "export-head":
        special = "fifo"  # never ask for /dev/zero to be replaced, even of code that would
    path = str(fifo) if special == "fifo" else special
    refused(compounder("db", command, "--database", database, "--head-file", path, tmp_path=tmp_path), 2,
            "not a regular file (a device, FIFO or folder); give a JSON audit head file")
    assert fifo.is_fifo()


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_key_file_that_is_not_a_regular_file_is_refused_unread(tmp_path, database, fifo, special):
    """The key is read when the database is opened; the first signed entry needs it."""
    path = str(fifo) if special == "fifo" else special
    result = compounder("users", "add", "ada", "--name", "Ada", "--role", "administrator", "--database", database, tmp_path=tmp_path,
                        stdin=b"secret-password-1\nsecret-password-1\n", env={"COMPOUNDER_AUDIT_KEY_FILE": path})
    refused(result, 2, f"the key file {path} ($COMPOUNDER_AUDIT_KEY_FILE): not a regular file")


@pytest.mark.parametrize("where", ["option", "default"])
@pytest.mark.parametrize("trouble", ["nested", "fifo"])
def test_settings_nested_10000_deep_or_a_fifo_are_one_line_naming_the_file(tmp_path, where, trouble, fifo):
    from tests.documents.helpers import issue_formula

    formula = tmp_path / "f.json"
    formula.write_text(json.dumps(issue_formula()), encoding="utf-8")
    folder = tmp_path / "settings"
    folder.mkdir()
    settings = folder / "pharmacy.json"
    if trouble == "nested":
        settings.write_text('{"name": ' + "[" * 10_000 + "]" * 10_000 + "}", encoding="utf-8")
    else:
        settings = fifo
        if where == "default":
            (folder / "pharmacy.json").unlink(missing_ok=True)
            os.mkfifo(folder / "pharmacy.json")
            settings = folder / "pharmacy.json"
    option = ["--pharmacy-settings", str(settings)] if where == "option" else []
    result = compounder("worksheet", str(formula), "--out", str(tmp_path / "l.pdf"), *option, tmp_path=tmp_path,
                        env={"COMPOUNDER_SETTINGS_DIR": str(folder)})
    refused(result, 2, str(settings))
    assert not (tmp_path / "l.pdf").exists()


# --------------------------------------------------------------------------- the password prompt


@pytest.mark.parametrize(
    "argv",
    [
        ["users", "add", "ada", "--name", "Ada", "--role", "administrator"],
        ["users", "unlock", "paula", "--admin", "ada"],
        ["db", "rotate-key", "--admin", "ada"],
    ],
)
def test_end_of_input_at_a_password_prompt_is_one_line_exit_2(tmp_path, database, argv):
    refused(compounder(*argv, "--database", database, tmp_path=tmp_path, stdin=b""), 2, "the input ended before a password was given")


def test_a_password_on_standard_input_is_read(tmp_path, database):
    code, out, err = compounder("users", "add", "ada", "--name", "Ada", "--role", "administrator", "--database", database,
                                tmp_path=tmp_path, stdin=b"secret-password-1\nsecret-password-1\n")
    assert (code, err) == (0, ""), err
    assert out == "added administrator ada\n"


# --------------------------------------------------------------------------- writing backups and heads


def _file_size_limit(limit: int):
    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # writing past it fails with EFBIG, as a full disk does

    return apply


def test_a_backup_that_fills_the_disk_is_one_line_exit_1_and_leaves_no_file(tmp_path, database):
    database_file = tmp_path / "pharmacy.sqlite"
    size = database_file.stat().st_size
    assert size > 64 * 1024  # the migrated schema: the backup cannot fit under the limit below
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    done = subprocess.run([sys.executable, "-m", "compounder", "db", "backup", str(tmp_path / "copy.sqlite"), "--database", database],
                          capture_output=True, text=True, timeout=TIMEOUT, check=False, env=env, preexec_fn=_file_size_limit(64 * 1024))
    refused((done.returncode, done.stdout, done.stderr), 1, "cannot write the backup", "no backup was made")
    assert not (tmp_path / "copy.sqlite").exists() and not (tmp_path / "copy.sqlite.partial").exists()


@pytest.mark.parametrize("folder", ["/proc", "read-only"])
def test_a_backup_into_a_folder_that_cannot_be_written_is_one_line_exit_1(tmp_path, database, folder):
    if folder == "read-only":
        if os.geteuid() == 0:
            pytest.skip("root writes into a read-only folder; /proc stands for it")
        target = tmp_path / "locked"
        target.mkdir(mode=0o555)
    else:
        target = Path(folder)
    refused(call("db", "backup", str(target / "copy.sqlite"), "--database", database), 1, "cannot write the backup")
    assert not (target / "copy.sqlite").exists() and not (target / "copy.sqlite.partial").exists()


def test_a_head_export_that_fills_the_disk_is_one_line_exit_1_and_keeps_the_old_file(tmp_path, database, monkeypatch):
    import errno

    from compounder.records import head_file

    head = tmp_path / "heads.json"
    assert call("db", "export-head", "--database", database, "--head-file", str(head))[0] == 0
    before = head.read_bytes()

    class FullDisk:
        def __init__(self, *_args, **_kwargs) -> None:
            pass

        def __enter__(self):
            return self

        def __exit__(self, *_exc) -> None:
            pass

        def write(self, _text):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(head_file, "open", FullDisk, raising=False)
    refused(call("db", "export-head", "--database", database, "--head-file", str(head)), 1, "cannot write the audit head", "No space left on device")
    assert head.read_bytes() == before
    # no half-written head left beside it (the lock file that orders writers is kept, empty)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("heads") or p.name.startswith(".heads")) == ["heads.json", "heads.json.lock"]


def test_a_window_argument_holding_a_newline_is_refused_on_one_line():
    """Found by the large corpus run: argparse's "unrecognized arguments" repeated a newline."""
    from compounder.cli.route import window_refusal

    refusal = window_refusal(["check", "calc", "ingredients", "\n\x9a"], {"QT_QPA_PLATFORM": "offscreen"})
    assert refusal is not None and "\n" not in refusal and "unrecognized arguments" in refusal
