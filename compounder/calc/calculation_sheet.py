"""A formula file's calculation sheet: the worksheet's arithmetic without what makes a worksheet a
compounding record.

A worksheet or label that carries a batch number is printed only from a batch the records hold
(``compounder.records``), numbered by them. A formula opened or computed with no batch (the
workbench, ``compounder worksheet FILE``) prints at most this sheet: the formula, what to weigh and
how each figure was reached, the findings, and the beyond-use date, with no batch number, no Rx,
patient or prescriber, no signature block and no label. The renderer marks every page as not a
record (``compounder.documents.calculation_sheet``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from compounder.calc.catalog import Catalog
from compounder.calc.model import BatchPlan
from compounder.calc.patient import PatientProfile
from compounder.calc.prescription import Order
from compounder.calc.record import NOT_GIVEN, CompoundingRecord, compounding_record
from compounder.calc.units import Quantity

#: The title every page of the sheet carries.
TITLE = "CALCULATION SHEET — NOT A COMPOUNDING RECORD"
#: Said under the title: where the record and the label come from instead.
NOT_A_RECORD = (
    "Not a compounding record: no batch number, no signatures, no label. Make the batch in the records "
    "(Records ▸ Make a batch, or compounder batches make) to print its worksheet and label."
)


def calculation_sheet(
    plan: BatchPlan, order: Order, catalog: Catalog, compounded_on: dt.date, tolerance: Quantity | None,
    patient: PatientProfile | None = None,
) -> CompoundingRecord:
    """The worksheet's values for ``plan`` with no batch, Rx, patient or prescriber in them.

    Held back as the worksheet is (``compounding_record``: ``BatchBlocked`` while an error stands or
    a warning is not acknowledged; ``InputError`` for an impossible date); no prescription field is
    needed. A batch number or patient typed in the file is not printed."""
    anonymous = dataclasses.replace(
        order, batch_number=NOT_GIVEN,
        prescription=dataclasses.replace(order.prescription, patient=NOT_GIVEN, rx_number=NOT_GIVEN, prescriber=NOT_GIVEN),
    )
    record = compounding_record(plan, anonymous, catalog, compounded_on, tolerance, patient)
    return dataclasses.replace(record, batch_number="", rx_number="", patient="", prescriber="", date_of_birth="")
