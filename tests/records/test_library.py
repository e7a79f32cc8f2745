"""The formula library on a real, migrated SQLite database."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import text

from compounder.calc import evaluate, parse_formula
from compounder.records import people, trail_check
from compounder.records.database import HEAD_REVISION, current_revision, migrate, open_database
from compounder.records.library import FormulaLibrary, LibraryError, reference_formulas
from compounder.records.model import MasterFormulaVersion
from compounder.records.policy import Role
from tests.conftest import TODAY
from tests.records.helpers import PASSWORD
from tests.records.signing_helpers import credentials_of


def test_head_revision_constant_matches_the_migrations(tmp_path):
    from importlib.resources import as_file, files

    from alembic.script import ScriptDirectory

    from compounder.records.database import alembic_config

    with as_file(files("compounder.records").joinpath("migrations")) as location:
        assert ScriptDirectory.from_config(alembic_config(location)).get_current_head() == HEAD_REVISION


def test_migrate_creates_the_schema_and_is_idempotent_with_wal_and_foreign_keys(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'sub' / 'pharmacy.sqlite'}")
    assert current_revision(engine) is None
    migrate(engine)
    migrate(engine)
    assert current_revision(engine) == HEAD_REVISION
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM master_formula")).scalar() == 0
    engine.dispose()


def test_the_model_matches_the_migrations(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from compounder.records.model import Base, include_object_on

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True, "include_object": include_object_on(engine.dialect.name)})
        assert compare_metadata(context, Base.metadata) == []


def test_reference_formulas_are_the_five_in_the_issue_and_all_compute(catalog):
    formulas = {f.key: f for f in reference_formulas()}
    assert set(formulas) == {
        "diclofenac-cyclobenzaprine-lidocaine",
        "ketoprofen-baclofen-camphor",
        "ibuprofen-lidocaine",
        "ketoprofen-cyclobenzaprine-lidocaine",
        "diclofenac-menthol-camphor",
    }
    for formula in formulas.values():
        plan = evaluate(parse_formula(formula.data), catalog, TODAY)
        assert not plan.has_errors, formula.key
    strengths = {
        key: {a["ingredient"]: a["strength"] for a in f.data["actives"]} for key, f in formulas.items()
    }
    assert strengths["diclofenac-cyclobenzaprine-lidocaine"] == {
        "diclofenac sodium": "3 %", "cyclobenzaprine hydrochloride": "2 %", "lidocaine": "5 %",
    }
    assert strengths["ketoprofen-baclofen-camphor"] == {"ketoprofen": "10 %", "baclofen": "2 %", "camphor": "3 %"}
    assert strengths["ibuprofen-lidocaine"] == {"ibuprofen": "10 %", "lidocaine": "5 %"}
    # written as the salts their reference ranges are stated in (issue 23), so they pass the reference limits
    assert strengths["ketoprofen-cyclobenzaprine-lidocaine"] == {"ketoprofen": "10 %", "cyclobenzaprine hydrochloride": "2 %", "lidocaine": "5 %"}
    assert strengths["diclofenac-menthol-camphor"] == {"diclofenac sodium": "3 %", "menthol": "2 %", "camphor": "3 %"}


def test_sync_reference_loads_once_and_entries_are_read_only(sessions, clock):
    library = FormulaLibrary(sessions, clock)
    library.sync_reference(reference_formulas())
    library.sync_reference(reference_formulas())
    entries = library.entries()
    assert len(entries) == 5 and all(e.read_only for e in entries)
    assert all(len(library.versions(e.id)) == 1 for e in entries), "a second sync of unchanged files adds no version"
    with pytest.raises(LibraryError, match="reference formula"):
        library.update(entries[0].id, {"batch": "1 g", "base": "Lipoderm"})


def test_a_shipped_formula_waits_for_a_pharmacists_approval_and_an_update_waits_again(sessions, clock):
    """Shipping a formula is not approving it: no version is offered for batches until a
    pharmacist approves one, and a changed shipped formula is a new version that waits again
    while the approved one stays offered."""
    with sessions.begin() as s:
        admin = people.create_user(s, None, "admin", "Ada Admin", Role.ADMINISTRATOR, PASSWORD, clock())
        rph = people.create_user(s, admin, "paula", "Paula Pharmacist, RPh", Role.PHARMACIST, PASSWORD, clock())
        tech = people.create_user(s, admin, "tess", "Tess Technician", Role.TECHNICIAN, PASSWORD, clock())
    library = FormulaLibrary(sessions, clock)
    shipped = reference_formulas()
    library.sync_reference(shipped)
    entry = library.entries()[0]
    assert library.approved_version(entry.id) is None and entry.approved_at is None
    with pytest.raises(LibraryError, match="pharmacist"):
        library.approve(entry.id, credentials_of(tech))
    library.approve(entry.id, credentials_of(rph))
    first = library.approved_version(entry.id)
    with sessions() as s:
        assert (first.version, s.get(MasterFormulaVersion, first.id).approved_by) == (1, rph.id)

    changed = [dataclasses.replace(f, data={**f.data, "batch": "60 g"}) if f.name == entry.name else f for f in shipped]
    clock.advance(minutes=5)
    library.sync_reference(changed)
    assert [v.version for v in library.versions(entry.id)] == [1, 2]
    assert library.approved_version(entry.id).version == 1, "batches keep to the approved version"
    assert library.get(entry.id).approved_at is None
    library.approve(entry.id, credentials_of(rph))
    assert library.approved_version(entry.id).version == 2
    with sessions() as s:
        assert trail_check.problems(s) == []


def test_add_update_approve(sessions, clock):
    library = FormulaLibrary(sessions, clock)
    data = {"batch": "120 g", "base": "Lipoderm", "actives": [{"ingredient": "ketoprofen", "strength": "10 %"}]}
    entry = library.add("Ketoprofen 10 %", data)
    assert entry.origin == "pharmacy" and entry.data["name"] == "Ketoprofen 10 %"
    assert entry.created_at == clock.now

    clock.advance(minutes=5)
    approved = library.approve(entry.id)
    assert approved.approved_at == dt.datetime(2026, 11, 23, 9, 5, tzinfo=dt.UTC)

    clock.advance(minutes=5)
    same = library.update(entry.id, dict(data))
    assert same.approved_at is not None, "saving the same formula keeps its approval"
    changed = library.update(entry.id, {**data, "batch": "60 g"})
    assert changed.approved_at is None, "a changed formula is no longer the one approved"
    assert changed.updated_at == clock.now
    assert library.get(entry.id).data["batch"] == "60 g"


def test_rolled_back_between_tests(sessions):
    assert FormulaLibrary(sessions).entries() == []


def test_a_nameless_formula_is_refused(sessions):
    with pytest.raises(LibraryError, match="name"):
        FormulaLibrary(sessions).add("  ", {"batch": "1 g", "base": "Lipoderm"})


def test_every_change_makes_a_version_in_the_audit_trail_and_a_used_formula_is_kept(sessions, clock):

    library = FormulaLibrary(sessions, clock)
    entry = library.add("Mine", {"base": "Lipoderm"})
    library.update(entry.id, {"base": "Lipoderm"})  # unchanged: no new version
    clock.advance(minutes=1)
    entry = library.update(entry.id, {"base": "VersaBase"})
    assert entry.version == 2 and [v.version for v in library.versions(entry.id)] == [1, 2]
    assert library.approved_version(entry.id) is None
    library.approve(entry.id)
    assert library.approved_version(entry.id).data == {"name": "Mine", "base": "VersaBase"}
    library.delete(entry.id)
    assert library.entries() == []
    with sessions() as s:
        assert trail_check.problems(s) == []


def test_once_there_are_accounts_only_a_pharmacist_signing_with_their_password_approves(sessions, clock):
    from compounder.records.signing import Credentials

    library = FormulaLibrary(sessions, clock)
    entry = library.add("Mine", {"base": "Lipoderm"})
    with sessions.begin() as s:
        admin = people.create_user(s, None, "ada", "Ada", "administrator", "long enough", clock())
        people.create_user(s, admin, "tess", "Tess", "technician", "long enough", clock())
        paula = people.create_user(s, admin, "paula", "Paula", "pharmacist", "long enough", clock())
    with pytest.raises(LibraryError, match="a pharmacist signs the approval with their user name and password"):
        library.approve(entry.id)  # nobody's signature: whoever is signed in at the window does not count
    with pytest.raises(LibraryError, match="only a pharmacist may approve"):
        library.approve(entry.id, Credentials("tess", "long enough"))
    with pytest.raises(people.AuthenticationFailed, match="wrong user name or password"):
        library.approve(entry.id, Credentials("paula", "not hers"))
    assert library.approved_version(entry.id) is None
    assert library.approved_version(entry.id) is None
    library.approve(entry.id, Credentials("paula", "long enough"))
    with sessions() as s:
        assert s.get(MasterFormulaVersion, library.approved_version(entry.id).id).approved_by == paula.id
