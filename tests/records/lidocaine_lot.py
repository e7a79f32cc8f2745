"""The case of issue 28, observation 1, shared by the records tests that use it (the ``lidocaine_lot``
fixture in ``tests/records/conftest.py``): lidocaine 4 % in 60 g of Lipoderm, approved at the
master formula's 99.8 %, with lot LB26-777 received at a 95.0 % assay and a Lipoderm lot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from compounder.calc.batch_document import plan_with_documents
from compounder.calc.prescription import parse_order
from compounder.records import lots
from compounder.records.library import FormulaLibrary
from compounder.records.screening import make_batch
from tests.records.helpers import make_pharmacy
from tests.records.signing_helpers import credentials_of

#: Lidocaine 4 % in 60 g of Lipoderm, approved with a 99.8 % assay typed in the workbench.
FORMULA = {"batch": "60 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "4 %", "potency": "99.8 %"}]}
ORDER = {
    "prescription": {
        "patient": "Jane Q. Doe", "date_of_birth": "1948-03-02", "rx_number": "RX-2801", "prescriber": "Dr. A. Smith",
        "directions": "Apply a thin layer to the knee twice a day", "quantity": "60 g", "refills": 1,
    },
}
# By hand: 60 g × 4 % = 2.400 g lidocaine.
#   at the master formula's 99.8 %: 2.400 / 0.998 = 2.40481 → 2.405 g (the old, wrong target)
#   at lot LB26-777's 95.0 %:       2.400 / 0.950 = 2.52632 → 2.526 g; the base q.s. 60.000 − 2.526 = 57.474 g
TARGET_AT_LOT = Decimal("2.526")
BASE_AT_LOT = Decimal("57.474")
TARGET_AT_FORMULA = Decimal("2.405")


def receive_lidocaine_lot(sessions, clock, catalog):
    """The pharmacy, the approved version's id, the lidocaine lot and the Lipoderm lot."""
    pharmacy = make_pharmacy(sessions, clock, catalog)
    library = FormulaLibrary(sessions, clock)
    entry = library.add("Lidocaine 4 % in Lipoderm", FORMULA, pharmacy.pharmacist)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    version = library.approved_version(entry.id)
    with sessions.begin() as s:
        lot = lots.receive_lot(
            s, credentials_of(pharmacy.pharmacist), release=True, ingredient="lidocaine", stock_form="lidocaine", manufacturer="Spectrum", lot_number="LB26-777",
            expires=dt.date(2027, 12, 31), quantity="100", potency_percent="95.0", now=clock(),
        )
        base = lots.receive_lot(
            s, credentials_of(pharmacy.pharmacist), release=True, ingredient="Lipoderm", stock_form="Lipoderm", manufacturer="PCCA", lot_number="LD-1",
            expires=dt.date(2027, 12, 31), quantity="500", potency_percent=None, now=clock(),
        )
    return pharmacy, version.id, lot, base


def make_lidocaine_batch(s, pharmacy, version_id, clock, catalog, **more):
    freeze = lambda plan: plan_with_documents(plan, parse_order(ORDER), catalog, clock().date(), None)  # noqa: E731
    return make_batch(
        s, pharmacy.technician, catalog, formula_version_id=version_id, patient=pharmacy.patient, rx_number="RX-2801",
        prescriber="Dr. A. Smith", compounded_on=clock().date(), tolerance_percent="5", now=clock(), order=ORDER, freeze=freeze, **more,
    )
