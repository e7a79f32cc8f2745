"""Issue 28, observation 8, from the command line (SQLite and PostgreSQL): `formulas add` refuses
a name its content contradicts (one line naming the field, exit 2) and derives one when none is
given; `formulas approve` prints what changed before the password is asked, approves exactly the
version shown (`--version` pins it) and only for a pharmacist."""

from __future__ import annotations

import io
import json

import pytest

from compounder.cli.dispatch import run
from tests.conftest import TODAY
from tests.records.records_cli import PASSWORDS

LIDOCAINE_4 = {"batch": "60 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "4 %"}]}


@pytest.fixture(params=("sqlite", "postgresql"))
def cli(request, database_urls, tmp_path, catalog):
    """``cli(*argv)`` → (exit status, stdout, stderr) on a fresh database with a technician and a pharmacist."""
    url = database_urls(request.param, "formulas_cli")

    def call(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = run([*argv, "--database", url], load_catalog=lambda _path: catalog, today=TODAY, stdout=out, stderr=err,
                   ask_password=lambda prompt: PASSWORDS[prompt.removeprefix("password of ").removeprefix("new password for ").split(":")[0].split(" ")[0]])
        return code, out.getvalue(), err.getvalue()

    assert call("users", "add", "admin", "--name", "Admin", "--role", "administrator")[0] == 0
    for name, role in (("tess", "technician"), ("paula", "pharmacist")):
        assert call("users", "add", name, "--name", name.title(), "--role", role, "--admin", "admin")[0] == 0
    call.tmp = tmp_path  # type: ignore[attr-defined]
    call.url = url  # type: ignore[attr-defined]
    return call


def write(cli, name: str, data: dict) -> str:
    path = cli.tmp / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_a_name_its_content_contradicts_is_one_line_naming_the_field(cli):
    code, out, err = cli("formulas", "add", write(cli, "v.json", LIDOCAINE_4), "--name", "Lidocaine 5 % in Lipoderm", "--user", "tess")
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert err.startswith('compounder: name: "Lidocaine 5 % in Lipoderm" does not match the formula: it says "Lidocaine 5 %" but the formula has lidocaine 4 %')
    code, out, _ = cli("formulas", "add", write(cli, "v.json", LIDOCAINE_4), "--user", "tess", "--json")
    assert code == 0 and json.loads(out)["name"] == "Lidocaine 4 % in Lipoderm"  # derived from the content


def test_approve_shows_the_changes_then_approves_that_version_for_a_pharmacist_only(cli):
    assert cli("formulas", "add", write(cli, "v1.json", LIDOCAINE_4), "--name", "Lidocaine cream (house)", "--user", "tess")[0] == 0
    code, out, _ = cli("formulas", "approve", "Lidocaine cream (house)", "--user", "paula")
    assert code == 0
    assert out.splitlines()[:3] == [
        "“Lidocaine cream (house)”, version 1: never approved before — the whole formula is new to review",
        "  name added: Lidocaine cream (house)",
        "  base added: Lipoderm",
    ]
    assert out.endswith("approved 'Lidocaine cream (house)', version 1\n")

    # A technician's version 2: 60 g → 120 g and lidocaine 4 % → 3 %.
    data = {**LIDOCAINE_4, "batch": "120 g", "actives": [{"ingredient": "lidocaine", "strength": "3 %"}]}
    from compounder.records.database import open_database, session_factory  # the library's own update (the CLI adds only)
    from compounder.records.library import FormulaLibrary

    engine = open_database(cli.url)
    try:
        library = FormulaLibrary(session_factory(engine))
        entry = next(e for e in library.entries() if e.name == "Lidocaine cream (house)")
        library.update(entry.id, data, based_on=1)
    finally:
        engine.dispose()

    code, _, err = cli("formulas", "approve", "Lidocaine cream (house)", "--user", "tess")
    assert (code, err) == (2, "compounder: only a pharmacist may approve a master formula; tess is a technician\n")
    code, _, err = cli("formulas", "approve", "Lidocaine cream (house)", "--version", "1", "--user", "paula")
    assert (code, err) == (2, "compounder: --version: 'Lidocaine cream (house)' is at version 2, not 1: nothing was approved; review the newest and approve that\n")
    code, out, _ = cli("formulas", "approve", "Lidocaine cream (house)", "--version", "2", "--user", "paula", "--json")
    assert code == 0
    result = json.loads(out)
    assert (result["approved_version"], result["compared_with_version"]) == (2, 1)
    assert result["changes"] == [
        {"kind": "changed", "what": "batch size", "before": "60 g", "after": "120 g"},
        {"kind": "changed", "what": "lidocaine strength", "before": "4 %", "after": "3 %"},
    ]
