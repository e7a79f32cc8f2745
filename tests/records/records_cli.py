"""The records' command line as the tests drive it (``tests/records/test_records_cli.py`` and the
tests that build on it): four accounts, the pharmacy settings, passwords answered at the prompt."""

from __future__ import annotations

import io
import json

from compounder.cli.dispatch import run
from tests.conftest import TODAY

PASSWORDS = {"admin": "admin password 1", "tess": "tech password 1", "paula": "rph password 11", "peter": "rph password 22"}
SETTINGS = {
    "schema_version": 1, "name": "Main Street Compounding", "address": ["12 Main Street"], "phone": "555-0142",
    "licence": "IL 054-000000", "label_stock": "thermal-4x2", "final_weight_tolerance": "2 %", "weighing_tolerance": "5 %",
}


def command_line(url: str, tmp_path, catalog):
    """``call(*argv)`` → (exit status, stdout, stderr) on the database ``url``, its accounts made."""
    settings = tmp_path / "pharmacy.json"
    settings.write_text(json.dumps(SETTINGS), encoding="utf-8")

    def call(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        prompts: list[str] = []

        def ask(prompt: str) -> str:
            prompts.append(prompt)
            return PASSWORDS[prompt.removeprefix("password of ").removeprefix("new password for ").split(":")[0].split(" ")[0]]

        code = run([*argv, "--database", url], load_catalog=lambda _path: catalog, today=TODAY, stdout=out, stderr=err, ask_password=ask)
        return code, out.getvalue(), err.getvalue()

    for name, role, admin in (("admin", "administrator", ()), ("tess", "technician", ("--admin", "admin")),
                              ("paula", "pharmacist", ("--admin", "admin")), ("peter", "pharmacist", ("--admin", "admin"))):
        assert call("users", "add", name, "--name", name.title(), "--role", role, *admin)[0] == 0
    call.settings = str(settings)  # type: ignore[attr-defined]
    call.tmp = tmp_path  # type: ignore[attr-defined]
    call.url = url  # type: ignore[attr-defined]
    return call
