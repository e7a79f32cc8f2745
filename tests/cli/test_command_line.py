"""The command line as a new user meets it (issue #14): global options before or after the
command, unknown options refused, the window's FILE, no display, settings --init, empty lists."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from compounder.__main__ import main
from compounder.cli import run
from compounder.cli.route import NO_DISPLAY, display_problem, wants_command, window_refusal
from compounder.settings import load_settings, settings_path
from tests.conftest import TODAY

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "diclofenac-cyclobenzaprine-lidocaine-rx.json")


def call(catalog, *argv):
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), load_catalog=lambda _path: catalog, today=TODAY, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        ([], False),
        (["formula.json"], False),
        (["--database", "sqlite:///x.sqlite"], False),
        (["--database", "db", "formula.json"], False),  # "db" is the option's value here, not the command
        (["--database", "sqlite:///x.sqlite", "db", "check"], True),
        (["--reference", "ref.sqlite", "calc", "f.json"], True),
        (["db", "check", "--database", "sqlite:///x.sqlite"], True),
        (["--help"], True),
        (["--", "calc"], False),  # after --, a file named calc
    ],
)
def test_the_first_word_that_is_not_an_option_chooses_the_command(argv, command):
    assert wants_command(argv) is command


def test_global_database_option_before_and_after_the_command(tmp_path, catalog):
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    before = call(catalog, "--database", url, "db", "migrate")
    assert before[0] == 0 and "schema up to date" in before[1]
    for argv in (["--database", url, "db", "check"], ["db", "--database", url, "check"], ["db", "check", "--database", url]):
        code, out, err = call(catalog, *argv)
        assert code == 0 and out.startswith("ok:"), (argv, err)
    code, out, _ = call(catalog, "--database", url, "users", "list")
    assert code == 0 and out.startswith("no user accounts in ")


def test_global_reference_option_after_the_command(tmp_path, catalog):
    from compounder.data.reference_file import packaged_reference

    reference = str(packaged_reference())
    for argv in (["--reference", reference, "ingredients", "--json"], ["ingredients", "--json", "--reference", reference]):
        code, out, err = call(catalog, *argv)
        assert code == 0 and json.loads(out), err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["calc", "f.json", "--bogus"], "unrecognized arguments: --bogus"),
        (["--database", "sqlite:///x.sqlite", "calc", "f.json"], "--database: `calc` does not use the pharmacy database"),
        (["--reference", "r.sqlite", "db", "check"], "--reference: `db` does not use the reference database"),
        (["calc", "f.json", "--database", "sqlite:///x.sqlite"], "unrecognized arguments: --database"),
        (["--database", "sqlite:///x.sqlite", "db", "copy", "sqlite:///a", "sqlite:///b"], "db copy takes the two databases"),
    ],
)
def test_an_option_the_command_does_not_take_is_a_usage_error(catalog, argv, expected):
    code, out, err = call(catalog, *argv)
    assert code == 2 and out == "" and expected in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--database"], "argument --database: expected one argument"),
        (["ingredient"], "'ingredient' is neither a command nor a formula file; the commands are ingredients,"),
        (["missing.json"], "FILE: missing.json does not exist"),
        (["a.json", "b.json"], "unrecognized arguments: b.json"),
        (["--database", "mysql://x/y"], "--database: 'mysql' is not a database kind Compounder uses; give sqlite:///"),
        (["--database", "db"], "--database: is not a URL; give sqlite:///"),
    ],
)
def test_window_arguments_are_checked_before_the_window_starts(tmp_path, monkeypatch, argv, expected):
    monkeypatch.chdir(tmp_path)
    assert expected in window_refusal(argv, environ={"DISPLAY": ":0"})


def test_an_existing_formula_file_opens_in_the_window(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rx.json").write_text("{}", encoding="utf-8")
    assert window_refusal(["rx.json"], environ={"DISPLAY": ":0"}) is None
    assert window_refusal(["--database", "sqlite:///p.sqlite", "rx.json"], environ={"WAYLAND_DISPLAY": "wayland-0"}) is None
    assert window_refusal(["--database", "postgresql+psycopg://rx@server/compounder"], environ={"DISPLAY": ":0"}) is None


@pytest.mark.parametrize(
    ("environ", "platform", "refused"),
    [
        ({}, "linux", True),
        ({"DISPLAY": ""}, "linux", True),
        ({"DISPLAY": ":0"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({}, "freebsd14", True),
        ({}, "win32", False),
        ({}, "darwin", False),
    ],
)
def test_no_display_is_one_line_that_says_how_to_run_it(environ, platform, refused):
    assert (display_problem(environ, platform) == NO_DISPLAY) is refused


def test_no_display_exits_2_before_qt_is_loaded(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    code = "import sys\nfrom compounder.__main__ import main\nrc = main([])\nprint('PySide6' in sys.modules)\nsys.exit(rc)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "xvfb-run" in done.stderr and "QT_QPA_PLATFORM=offscreen" in done.stderr
    assert done.stdout.strip() == "False"  # refused before Qt was imported, so no Qt abort and no libxcb hint


def test_help_says_no_command_opens_the_window_and_lists_its_options(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "usage: compounder [--database URL] [--reference FILE] [FILE]" in text
    assert "With no COMMAND, opens the window" in text
    assert "--database URL" in text and "FILE: a formula file (.json or .toml) to open in the window" in text
    assert "xvfb-run" in text


def test_main_refuses_an_unknown_option_with_exit_2(capsys):
    assert main(["--bogus"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "compounder: unrecognized arguments: --bogus (see --help)\n"


def test_settings_init_writes_the_example_where_it_is_read_and_never_over_settings(catalog):
    assert not settings_path().parent.exists()  # a fresh install: no settings folder to redirect into
    code, out, _ = call(catalog, "settings", "--init")
    assert code == 0 and str(settings_path()) in out and "before printing" in out
    assert load_settings().name == "Main Street Compounding Pharmacy"
    settings_path().write_text(settings_path().read_text(encoding="utf-8").replace("Main Street", "Elm Road"), encoding="utf-8")
    code, _, err = call(catalog, "settings", "--init")
    assert code == 2 and "exists already" in err
    assert load_settings().name == "Elm Road Compounding Pharmacy"  # untouched


@pytest.mark.parametrize(
    "argv",
    [
        ["worksheet", EXAMPLE, "--out", "worksheet.pdf"],
        ["worksheet", EXAMPLE, "--out", "worksheet.pdf", "--paper", "a4"],
    ],
)
def test_readme_document_examples_work_on_a_fresh_install(tmp_path, monkeypatch, catalog, argv):
    monkeypatch.chdir(tmp_path)
    assert call(catalog, "settings", "--init")[0] == 0
    code, out, err = call(catalog, *argv)
    assert code == 2 and "licence: still the example's" in err  # issue 26: the example pharmacy is not printed
    edited = settings_path().read_text(encoding="utf-8").replace("054-000000", "054-118822")  # as the docs say: edit it
    settings_path().write_text(edited, encoding="utf-8")
    code, out, err = call(catalog, *argv)
    assert code == 0, err
    assert (tmp_path / argv[3]).read_bytes().startswith(b"%PDF")


def test_users_list_on_an_empty_database_says_there_are_none(tmp_path, catalog):
    code, out, err = call(catalog, "users", "list", "--database", f"sqlite:///{tmp_path / 'p.sqlite'}")
    assert code == 0 and err == ""
    assert out.startswith("no user accounts in sqlite:///") and "--role administrator" in out


def test_balance_readability_is_printed_once(catalog, tmp_path):
    code, out, _ = call(catalog, "ingredients")
    line = next(row for row in out.splitlines() if "Electronic balance, readability 0.001 g" in row)
    assert line.count("readability") == 1 and "minimum weighable 0.82 g" in line
    prescription = next(row for row in out.splitlines() if "Class III prescription balance" in row)
    assert "readability 0.01 g; minimum weighable 0.12 g" in prescription  # its name does not give it
    path = tmp_path / "f.json"
    path.write_text(json.dumps({"batch": "120 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "5 %"}]}))
    code, out, _ = call(catalog, "calc", str(path))
    [balance] = [row for row in out.splitlines() if row.startswith("Balance:")]
    assert balance.count("readability") == 1


def test_a_special_file_is_not_opened_in_the_window(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "FILE: /dev/zero is not a regular file" in window_refusal(["/dev/zero"], environ={"DISPLAY": ":0"})


def test_the_window_reads_formula_files_with_the_same_limits(tmp_path):
    """File ▸ Open and "Open with" go through the same reader: a FIFO or an oversized file is
    refused (ValueError, which the window shows) instead of hanging or filling the memory."""
    from compounder.calc.formula_file import MAX_FORMULA_FILE_BYTES
    from compounder.ui.workbench.main_window import read_formula_file

    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        read_formula_file(fifo)
    big = tmp_path / "big.json"
    with big.open("wb") as stream:
        stream.truncate(MAX_FORMULA_FILE_BYTES + 1)
    with pytest.raises(ValueError, match="1,000,001 bytes is too large for a formula file"):
        read_formula_file(big)


def test_compounder_file_opens_the_formula_in_the_window(tmp_path):
    """`compounder FILE.json` (and a file manager's "Open with", Exec=compounder %f): the
    window opens with the formula; --screenshot makes the window save itself and quit."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "COMPOUNDER_DATABASE": f"sqlite:///{tmp_path / 'p.sqlite'}"}
    done = subprocess.run(
        [sys.executable, "-m", "compounder", "--screenshot", str(tmp_path / "shot.png"), os.path.abspath(EXAMPLE)],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "shot.png").read_bytes().startswith(b"\x89PNG")
