"""`compounder patients show / set-profile` on a real database file."""

from __future__ import annotations

import io
import json

from compounder.cli import run
from compounder.records.database import migrate, open_database, session_factory
from tests.conftest import TODAY
from tests.records.conftest import Clock
from tests.records.helpers import PASSWORD, make_pharmacy


def test_set_and_show_a_profile(tmp_path, catalog):
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    engine = open_database(url)
    migrate(engine)
    make_pharmacy(session_factory(engine), Clock(), catalog)  # Jane Q. Doe, born 1948-03-02; tess, paula
    engine.dispose()

    def patients(argv, answers=()):
        out, err = io.StringIO(), io.StringIO()
        answers = list(answers)
        code = run(["patients", "--database", url, *argv], load_catalog=lambda _p: catalog, today=TODAY, stdout=out, stderr=err,
                   ask_password=lambda _prompt: answers.pop(0))
        return code, out.getvalue(), err.getvalue()

    code, out, _err = patients(["show", "jane q.  doe", "--user", "tess"], [PASSWORD])  # a profile only to a user who sees patients
    assert code == 0 and "allergies:        not recorded" in out and "last changed:     never recorded" in out
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"date_of_birth": "1948-03-02", "weight": "62.5 kg", "allergies": [], "medications": ["warfarin"]}), encoding="utf-8")
    assert patients(["set-profile", "Jane Q. Doe", "--profile", str(profile), "--user", "tess"], ["wrong password"])[2].endswith(
        "wrong user name or password\n")
    assert patients(["set-profile", "Jane Q. Doe", "--profile", str(profile), "--user", "tess"], [PASSWORD])[:2] == (
        0, "saved the profile of Jane Q. Doe\n")
    code, out, _err = patients(["show", "Jane Q. Doe", "--json", "--user", "tess"], [PASSWORD])
    assert json.loads(out) == {"date_of_birth": "1948-03-02", "weight": "62.5 kg", "allergies": [], "medications": ["anticoagulant"]}
    code, out, _err = patients(["show", "Jane Q. Doe", "--user", "paula"], [PASSWORD])
    assert "allergies:        none known" in out and "conditions:       not recorded" in out and "Tess Technician" in out
    profile.write_text(json.dumps({"weight": "900 kg"}), encoding="utf-8")
    code, _out, err = patients(["set-profile", "Jane Q. Doe", "--profile", str(profile), "--user", "tess"], [PASSWORD])
    assert code == 2 and "patient.weight" in err and err.count("\n") == 1
    code, _out, err = patients(["show", "John Roe", "--user", "tess"], [PASSWORD])
    assert code == 2 and "no patient named 'John Roe'" in err
    assert run(["db", "check", "--database", url], load_catalog=lambda _p: catalog, today=TODAY, stdout=io.StringIO(), stderr=io.StringIO()) == 0
