"""Hostile input (issue #14): each gives one line naming the field and exit 2, never an
internal error, a hang or a PDF whose layout breaks."""

from __future__ import annotations

import io
import json
import os

import pytest

from compounder.calc.field_limits import TEXT_LIMITS, prints_nothing
from compounder.calc.formula_file import MAX_FORMULA_FILE_BYTES, MAX_NESTING
from compounder.cli import run
from tests.conftest import TODAY
from tests.documents.helpers import PHARMACY, issue_formula
from tests.pdf_text import pages_text

INVISIBLE = "\u200b\u200e\u2066\u2069"  # zero-width space, left-to-right mark, isolate and its end


def call(catalog, *argv):
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), load_catalog=lambda _path: catalog, today=TODAY, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def settings(tmp_path):
    path = tmp_path / "pharmacy.json"
    path.write_text(json.dumps(PHARMACY), encoding="utf-8")
    return str(path)


def write(tmp_path, data, name="formula.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def one_line_refusal(result, *expected: str) -> None:
    code, out, err = result
    assert code == 2, err
    assert err.count("\n") == 1 and "internal error" not in err and "Traceback" not in err, err
    for text in expected:
        assert text in err, err


def with_prescription(**fields):
    data = issue_formula()
    data["prescription"].update(fields)
    return data


def with_line(**fields):
    data = issue_formula()
    data["actives"][0].update(fields)
    return data


LONG = "Wwwwwwwww " * 500  # 5,000 characters that wrap


@pytest.mark.parametrize(
    ("data", "field", "limit"),
    [
        (with_prescription(patient=LONG), "prescription.patient", 100),
        (with_prescription(prescriber=LONG), "prescription.prescriber", 100),
        (with_prescription(directions=LONG), "prescription.directions", 500),
        (issue_formula(container="jar " + LONG), "container", 80),
        (issue_formula(formula_version=LONG), "formula_version", 40),
        (issue_formula(name=LONG), "formula", 200),
        (issue_formula(base_lot="L" * 5000), "base lot", 40),
        (with_line(lot="L" * 5000), "actives[0].lot", 40),
        (with_line(manufacturer=LONG), "actives[0].manufacturer", 80),
        (issue_formula(steps=[LONG * 2]), "steps[0]", 1000),
    ],
)
@pytest.mark.parametrize("command", ["worksheet"])  # a formula file's label is refused unread (test_one_road_cli)
def test_text_longer_than_its_field_is_refused_naming_the_limit(tmp_path, catalog, settings, data, field, limit, command):
    result = call(catalog, command, write(tmp_path, data), "--out", str(tmp_path / "x.pdf"), "--pharmacy-settings", settings)
    one_line_refusal(result, f"{field}: ", f"is too long; give at most {limit} characters")
    assert not (tmp_path / "x.pdf").exists()


def fill(length: int) -> str:
    """``length`` characters in words of ten, as a name or a lot would be typed at the limit."""
    return ("Wwwwwwwww " * (length // 10 + 1))[: length - 1] + "W"


def test_every_field_at_its_limit_still_prints_a_worksheet(tmp_path, catalog, settings):
    """Every text field at its longest at once: the worksheet lays out (ReportLab raised
    LayoutError on 5,000-character fields) and the footer keeps the page number readable."""
    data = issue_formula(name=fill(TEXT_LIMITS["formula"]), formula_version=fill(TEXT_LIMITS["formula_version"]),
                         base_lot="L" * TEXT_LIMITS["lot"], container=fill(TEXT_LIMITS["container"]),
                         steps=[fill(TEXT_LIMITS["steps"])] * 3, checks=[fill(TEXT_LIMITS["checks"])] * 3)
    for line in data["actives"] + data["excipients"]:
        line.update(lot="L" * TEXT_LIMITS["lot"], manufacturer=fill(TEXT_LIMITS["manufacturer"]))
    data["directions"]["area"] = fill(TEXT_LIMITS["area"])
    data["prescription"].update(patient=fill(TEXT_LIMITS["patient"]), prescriber=fill(TEXT_LIMITS["prescriber"]),
                                directions=fill(TEXT_LIMITS["directions"]))
    # A patient of 48 and 40 g with no refills (13.3 days at 3 g a day, inside the 14-day beyond-use
    # date; a third of the 120 g batch): no screening warning stops the worksheet, so only the layout is tested.
    data["prescription"].update(date_of_birth="1978-03-02", quantity="40 g", refills=0)
    out = tmp_path / "w.pdf"
    code, _, err = call(catalog, "worksheet", write(tmp_path, data), "--out", str(out), "--pharmacy-settings", settings)
    assert code == 0, err
    pages = pages_text(out.read_bytes())
    assert all(f"Page {n} of {len(pages)}" in text for n, text in enumerate(pages, 1))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (with_prescription(patient=INVISIBLE), "prescription.patient"),
        (with_prescription(prescriber=" \u200b "), "prescription.prescriber"),
        (with_prescription(directions="\u202e\u200d"), "prescription.directions"),
        (issue_formula(container="\u2060"), "container"),
        (issue_formula(name="\ufeff"), "formula"),
        (issue_formula(formula_version="\u3164"), "formula_version"),
        (issue_formula(base_lot="\u00a0\u200b"), "base lot"),
        (issue_formula(steps=["\u200b"]), "steps[0]"),
        (issue_formula(directions={"amount": "1 g", "times_per_day": 3, "area": INVISIBLE}), "directions.area"),
        (issue_formula(patient={"medication_notes": INVISIBLE}), "patient.medication_notes"),
    ],
)
def test_text_that_prints_as_nothing_is_refused_like_an_empty_field(tmp_path, catalog, settings, data, field):
    result = call(catalog, "worksheet", write(tmp_path, data), "--out", str(tmp_path / "x.pdf"), "--pharmacy-settings", settings)
    one_line_refusal(result, f"{field}: ")


@pytest.mark.parametrize(
    ("text", "nothing"),
    [("\u200b\u200e", True), (" \t\n", True), ("\u0301", True), ("\u2800", True), ("", True),
     ("a", False), ("é", False), ("\u200bJane", False), ("李", False), ("-", False)],
)
def test_prints_nothing(text, nothing):
    assert prints_nothing(text) is nothing


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (issue_formula(compounded_on="9999-12-31"), "compounded_on: 9999-12-31 is outside 2000-01-01 to 2099-12-31"),
        (issue_formula(compounded_on="1899-12-31"), "compounded_on: 1899-12-31 is outside 2000-01-01 to 2099-12-31"),
        (issue_formula(base_expires="9999-12-31"), "base_expires: 9999-12-31 is outside 1900-01-01 to 2199-12-31"),
        (with_line(expires="0001-01-01"), "actives[0].expires: 0001-01-01 is outside 1900-01-01 to 2199-12-31"),
        (with_prescription(date_of_birth="1899-12-31"), "prescription.date_of_birth: 1899-12-31 is outside 1900-01-01"),
        # After the compounding date 2026-11-23 (the file's own): not yet born.
        (with_prescription(date_of_birth="2027-01-01"), "prescription.date_of_birth: 2027-01-01 is after the compounding date 2026-11-23"),
        (with_prescription(written_on="9999-12-31"), "prescription.written_on: 9999-12-31 is outside 2000-01-01 to 2099-12-31"),
    ],
)
@pytest.mark.parametrize("command", ["worksheet"])
def test_dates_outside_a_sane_range_are_refused(tmp_path, catalog, settings, data, expected, command):
    one_line_refusal(call(catalog, command, write(tmp_path, data), "--out", str(tmp_path / "x.pdf"), "--pharmacy-settings", settings), expected)


def test_compounding_date_9999_12_31_no_longer_overflows(tmp_path, catalog):
    """It was OverflowError (the beyond-use date is 14 days later than the last date there is)."""
    data = issue_formula()
    del data["compounded_on"]
    path = write(tmp_path, data)
    one_line_refusal(call(catalog, "calc", path, "--date", "9999-12-31"), "--date: 9999-12-31 is outside 2000-01-01 to 2099-12-31")
    one_line_refusal(call(catalog, "calc", write(tmp_path, issue_formula(compounded_on="9999-12-31"))), "compounded_on: 9999-12-31")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("deep.toml", "a = " + "[" * 2000 + "]" * 2000, f"TOML nested more than {MAX_NESTING} levels deep"),
        ("deep.json", "[" * 2000 + "]" * 2000, f"JSON nested more than {MAX_NESTING} levels deep"),
        ("deep2.json", '{"a":' * 100_000 + "1" + "}" * 100_000, f"JSON nested more than {MAX_NESTING} levels deep"),
        ("twice.json", '{"batch": "120 g", "base": "Lipoderm", "batch": "60 g"}', "the key 'batch' is given twice in one object"),
        ("nan.json", '{"batch": "120 g", "base": "Lipoderm", "density": NaN}', "NaN is not a number a formula can hold"),
        ("digits.json", '{"batch": ' + "9" * 5000 + "}", "not usable JSON"),
    ],
)
def test_malformed_files_are_refused_in_one_line(tmp_path, catalog, name, text, expected):
    one_line_refusal(call(catalog, "calc", write(tmp_path, text, name)), expected)


def test_toml_twice_the_same_key_is_refused_too(tmp_path, catalog):
    one_line_refusal(call(catalog, "calc", write(tmp_path, 'batch = "120 g"\nbatch = "60 g"\n', "t.toml")), "not valid TOML")


def test_a_string_holding_brackets_is_not_nesting(tmp_path, catalog):
    data = {"batch": "120 g", "base": "Lipoderm", "name": "[" * 100 + '"\\' + "{" * 50, "actives": [{"ingredient": "lidocaine", "strength": "5 %"}]}
    code, _, err = call(catalog, "calc", write(tmp_path, data))
    assert code == 0, err


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(tmp_path, catalog):
    path = tmp_path / "big.json"
    with path.open("wb") as stream:
        stream.truncate(MAX_FORMULA_FILE_BYTES + 1)  # sparse: nothing to read, only its size
    one_line_refusal(call(catalog, "calc", str(path)), "1,000,001 bytes is too large for a formula file (at most 1,000,000 bytes)")


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "folder"])
def test_a_file_that_is_not_a_regular_file_is_refused_without_reading(tmp_path, catalog, settings, special):
    if special == "fifo":
        path = tmp_path / "fifo.json"
        os.mkfifo(path)  # opening it to read would wait for a writer forever
    elif special == "folder":
        path = tmp_path / "folder.json"
        path.mkdir()
    else:
        path = special
    one_line_refusal(call(catalog, "calc", str(path)), "not a regular file")
    good = write(tmp_path, issue_formula())
    one_line_refusal(call(catalog, "worksheet", good, "--out", str(tmp_path / "w.pdf"), "--pharmacy-settings", str(path)),
                     "--pharmacy-settings", "not a regular file")
    one_line_refusal(call(catalog, "calc", good, "--reference", str(path)), "--reference", "not a regular file")


def test_a_reference_that_is_not_sqlite_is_refused(tmp_path, catalog):
    fake = tmp_path / "fake.sqlite"
    fake.write_text("not a database", encoding="utf-8")
    one_line_refusal(call(catalog, "ingredients", "--reference", str(fake)), "is not an SQLite reference database")


@pytest.mark.parametrize("option", ["--patient", "--rx", "--formula", "--batch", "--lot"])
def test_a_100000_character_history_search_is_refused(tmp_path, catalog, option):
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    assert call(catalog, "db", "migrate", "--database", url)[0] == 0
    one_line_refusal(call(catalog, "history", "--database", url, option, "a" * 100_000), f"{option}: 100,000 characters is too long")
    one_line_refusal(call(catalog, "history", "--database", url, option, "\u200b"), f"{option}: prints as nothing")


@pytest.mark.parametrize(
    "argv",
    [
        ["db", "check"], ["db", "migrate"], ["db", "backup", "copy.sqlite"], ["history"], ["recall", "L123"],
        ["users", "list"], ["users", "add", "ada", "--name", "Ada", "--role", "administrator"],
        ["patients", "show", "Jane Doe"], ["patients", "set-profile", "Jane Doe", "--profile", "p.json", "--user", "ada"],
    ],
)
@pytest.mark.parametrize("where", ["before", "after"])
def test_a_bad_database_url_is_one_line_in_every_subcommand(catalog, argv, where):
    option = ["--database", "mysql://x/y"]
    result = call(catalog, *(option + argv if where == "before" else argv + option))
    one_line_refusal(result, "database URL mysql://x/y: 'mysql' databases are not supported")


def test_a_patient_born_after_the_compounding_date_is_refused_by_calc(tmp_path, catalog):
    """The patient section's date of birth (screening) after the compounding date would be an age
    below zero, which passes every age check; calc refuses it as the documents do."""
    data = {"batch": "120 g", "base": "Lipoderm", "compounded_on": "2026-11-23",
            "actives": [{"ingredient": "lidocaine", "strength": "5 %"}], "patient": {"date_of_birth": "2026-11-24"}}
    one_line_refusal(call(catalog, "calc", write(tmp_path, data)),
                     "patient.date_of_birth: 2026-11-24 is after the compounding date 2026-11-23")
    data["patient"]["date_of_birth"] = "2026-11-23"  # born that day: age 0, accepted
    assert call(catalog, "calc", write(tmp_path, data))[0] in (0, 1)


def test_a_reference_that_is_sqlite_of_another_kind_is_refused(tmp_path):
    import sqlite3

    from compounder.__main__ import _load_catalog

    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()
    out, err = io.StringIO(), io.StringIO()
    code = run(["ingredients", "--reference", str(other)], load_catalog=_load_catalog, today=TODAY, stdout=out, stderr=err)
    assert code == 2 and err.getvalue().count("\n") == 1
    assert f"--reference {other}: not a usable reference database" in err.getvalue()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["users", "add", "ada", "--name", "A" * 5000, "--role", "administrator"], "--name: 5,000 characters is too long; give at most 100"),
        (["users", "add", "a" * 5000, "--name", "Ada", "--role", "administrator"], "username: 5,000 characters is too long; give at most 64"),
        (["users", "add", "ada", "--name", "\u200b\u200e", "--role", "administrator"], "--name: prints as nothing"),
        (["patients", "show", "J" * 5000], "name: 5,000 characters is too long; give at most 100"),
    ],
)
def test_names_given_as_options_are_limited_like_the_fields_they_fill(tmp_path, catalog, argv, expected):
    result = call(catalog, *argv, "--database", f"sqlite:///{tmp_path / 'p.sqlite'}")
    one_line_refusal(result, expected)
    assert not (tmp_path / "p.sqlite").exists()  # refused before the database was opened


def test_a_refused_worksheet_says_one_line_even_without_a_compounding_date(catalog, tmp_path, settings):
    """Found by the fuzz run after the merges: a formula file with no compounding date whose
    worksheet is refused (a name the document font cannot draw) printed the date note and then the
    refusal, two lines for exit 2. The refusal is the one line; the note goes with a document written."""
    data = issue_formula()
    data.pop("compounded_on", None)
    # A patient of 48 and 40 g with no refills: no screening warning holds the worksheet back (as above).
    data["prescription"].update(date_of_birth="1978-03-02", quantity="40 g", refills=0)
    data["name"] = "\u09e6"  # BENGALI DIGIT ZERO: not in the document font
    one_line_refusal(call(catalog, "worksheet", write(tmp_path, data), "--out", str(tmp_path / "w.pdf"), "--pharmacy-settings", settings),
                     "cannot be printed with the document font")
    data["name"] = "Diclofenac cream"  # printable: written, and the note says which date was used
    code, _, err = call(catalog, "worksheet", write(tmp_path, data), "--out", str(tmp_path / "w.pdf"), "--pharmacy-settings", settings)
    assert code == 0 and "compounded_on: not given; used 2026-11-23 (today's date)" in err, err
