"""A real database migrated to head once per session, on SQLite and on PostgreSQL (every test
that uses ``sessions`` runs on both); each test runs in a transaction that is rolled back (the
pattern of pypi/warehouse's tests/conftest.py). Also the pharmacies the printing and aliquot tests
share: a module that needs only people, a formula and lots defines its own ``pharmacy``."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from sqlalchemy.orm import sessionmaker

from compounder.calc import evaluate, parse_formula
from compounder.calc.batch_document import plan_with_documents
from compounder.calc.prescription import parse_order
from compounder.records.database import migrate, open_database
from compounder.records.library import FormulaLibrary
from tests.conftest import TODAY
from tests.records.helpers import ORDER, PHARMACY, make_pharmacy
from tests.records.lidocaine_lot import receive_lidocaine_lot
from tests.records.signing_helpers import credentials_of

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def engine(backend, database_urls):
    engine = open_database(database_urls(backend, "records"))
    migrate(engine)
    engine.dispose()
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    with engine.connect() as connection:
        outer = connection.begin()
        yield sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        outer.rollback()


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pharmacy(sessions, clock, catalog):
    """People, the shipped diclofenac cream approved, lots for every line, and its plan for
    ``ORDER`` with the documents' parts (what a printed batch is made from)."""
    found = make_pharmacy(sessions, clock, catalog)
    library = FormulaLibrary(sessions, clock)
    version = library.version(found.version_id)
    plan = evaluate(parse_formula(version.data), catalog, TODAY)
    found.plan = plan_with_documents(plan, parse_order(ORDER), catalog, TODAY, PHARMACY.final_weight_tolerance)
    return found


@pytest.fixture
def aliquot_pharmacy(sessions, clock, catalog, pharmacy):
    """The shipped diclofenac / cyclobenzaprine / lidocaine cream on the 0.01 g balance
    (minimum weighable 8.2 g): 3.60, 2.40 and 6.00 g are each below it, so every active line is
    made by aliquot."""
    library = FormulaLibrary(sessions, clock)
    data = copy.deepcopy(library.version(pharmacy.version_id).data)
    data["balance"] = "Electronic balance, readability 0.01 g"
    entry = library.add("Our diclofenac cream on the 0.01 g balance", data)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    version = library.approved_version(entry.id)
    pharmacy.version_id = version.id
    pharmacy.plan = plan_with_documents(evaluate(parse_formula(version.data), catalog, TODAY), parse_order(ORDER), catalog, TODAY, PHARMACY.final_weight_tolerance)
    return pharmacy


@pytest.fixture
def lidocaine_lot(sessions, clock, catalog):
    """Lidocaine 4 % in Lipoderm approved, a 95.0 % lidocaine lot and a Lipoderm lot received
    (``tests/records/lidocaine_lot.py``): the pharmacy, the version's id, the two lots."""
    return receive_lidocaine_lot(sessions, clock, catalog)
