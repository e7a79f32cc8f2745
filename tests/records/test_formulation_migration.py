"""Migration 0016 carries a database at 0014 forward (issue 25): a master formula approved there
keeps its approval and shows every master-record element as missing (none invented), its lots get
no supplier, and the audit trail still verifies."""

from __future__ import annotations

from importlib.resources import as_file, files

from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from compounder.calc.master_record import missing_elements
from compounder.records import people
from compounder.records.database import HEAD_REVISION, alembic_config, current_revision, migrate, open_database
from compounder.records.library import FormulaLibrary
from compounder.records.maintenance import check
from compounder.records.policy import Role
from tests.records.helpers import PASSWORD
from tests.records.signing_helpers import credentials_of

FORMULA = {"name": "Lidocaine 4 % in Lipoderm", "batch": "60 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "4 %"}]}


def test_a_0014_database_is_carried_forward_with_its_formula_elements_missing(tmp_path, clock):
    engine = open_database(f"sqlite:///{tmp_path / 'at-0014.sqlite'}")
    with engine.begin() as connection, as_file(files("compounder.records").joinpath("migrations")) as location:
        config = alembic_config(location)
        config.attributes["connection"] = connection
        command.upgrade(config, "0014")
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions.begin() as s:  # the tables these use are as 0014 left them
        admin = people.create_user(s, None, "admin", "Ada Admin", Role.ADMINISTRATOR, PASSWORD, clock())
        rph = people.create_user(s, admin, "paula", "Paula Pharmacist, RPh", Role.PHARMACIST, PASSWORD, clock())
    library = FormulaLibrary(sessions, clock)
    entry = library.add(FORMULA["name"], FORMULA)
    library.approve(entry.id, credentials_of(rph))
    with engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM ingredient_lot")).scalar() == 0
    assert current_revision(engine) == "0014"

    migrate(engine)
    assert current_revision(engine) == HEAD_REVISION
    assert check(engine) == []
    version = FormulaLibrary(sessions, clock).approved_version(entry.id)
    assert version is not None and version.approved_at == clock() and version.data == FORMULA  # nothing written into it
    assert missing_elements(version.data) == [
        "relevant characteristics of lidocaine", "relevant characteristics of Lipoderm", "container–closure system", "equipment",
        "compounding steps", "physical description of the preparation", "reference supporting the beyond-use date and storage",
        "labelling requirements", "quality-control procedures",
    ]
    with engine.begin() as connection:
        columns = {row[1] for row in connection.execute(text("PRAGMA table_info(ingredient_lot)"))}
        tables = {row[0] for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
    assert "supplier" in columns and {"batch_qc_result", "batch_deviation", "batch_remake"} <= tables
    engine.dispose()
