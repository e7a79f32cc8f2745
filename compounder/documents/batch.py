"""One batch's worksheet and label (and a formula's calculation sheet) as PDF bytes, from the engine's plan and the batch's order.

The steps the command line and the window both take: refuse what may not be printed (missing
fields, impossible dates, error findings, warnings nobody acknowledged), build the engine's
record or label content, and render it. A pharmacy still the example's is refused. Raises ``InputError``, ``BatchBlocked``,
``LabelOverflow`` or ``UnprintableText``; never returns a PDF of a batch that may not be printed.
"""

from __future__ import annotations

import datetime as dt

from compounder.calc.catalog import Catalog
from compounder.calc.errors import InputError
from compounder.calc.label_stock import LABEL_STOCKS, LabelStock
from compounder.calc.model import BatchPlan
from compounder.calc.patient import PatientProfile
from compounder.calc.prescription import Order
from compounder.settings import PharmacySettings, refuse_example_pharmacy


def worksheet_pdf(
    plan: BatchPlan, order: Order, catalog: Catalog, compounded_on: dt.date, pharmacy: PharmacySettings, paper: str | None = None,
    patient: PatientProfile | None = None,
) -> bytes:
    """``patient``: the profile the plan was screened for, printed as the facts the screening used."""
    from compounder.calc.record import compounding_record
    from compounder.documents.worksheet import worksheet_renderer

    refuse_example_pharmacy(pharmacy)
    record = compounding_record(plan, order, catalog, compounded_on, pharmacy.final_weight_tolerance, patient)
    return worksheet_renderer(paper or pharmacy.worksheet_paper)(record, pharmacy).render()


def calculation_sheet_pdf(
    plan: BatchPlan, order: Order, catalog: Catalog, compounded_on: dt.date, pharmacy: PharmacySettings, paper: str | None = None,
    patient: PatientProfile | None = None,
) -> bytes:
    """A formula's calculation sheet, not a compounding record (``compounder.calc.calculation_sheet``):
    what a formula file or the workbench prints with no batch in the records."""
    from compounder.calc.calculation_sheet import calculation_sheet
    from compounder.documents.calculation_sheet import calculation_sheet_renderer

    record = calculation_sheet(plan, order, catalog, compounded_on, pharmacy.final_weight_tolerance, patient)
    return calculation_sheet_renderer(paper or pharmacy.worksheet_paper)(record, pharmacy).render()


def label_stock(pharmacy: PharmacySettings, key: str | None = None) -> LabelStock:
    key = key or pharmacy.label_stock
    if key not in LABEL_STOCKS:
        raise InputError("label_stock", f"{key!r} is not a label stock; choose one of {', '.join(LABEL_STOCKS)}")
    return LABEL_STOCKS[key]


def label_pdf(
    plan: BatchPlan,
    order: Order,
    catalog: Catalog,
    compounded_on: dt.date,
    pharmacy: PharmacySettings,
    stock: LabelStock | None = None,
    position: int = 1,
) -> bytes:
    from compounder.calc.labeling import label_content
    from compounder.calc.prescription import require
    from compounder.calc.release import release
    from compounder.documents.label import LabelRenderer

    refuse_example_pharmacy(pharmacy)
    require(order, "label")
    release(plan, order)
    content = label_content(plan, order, catalog, compounded_on)
    return LabelRenderer(content, pharmacy, stock or label_stock(pharmacy), position).render()


def label_zpl(
    plan: BatchPlan, order: Order, catalog: Catalog, compounded_on: dt.date, pharmacy: PharmacySettings, stock: LabelStock | None = None,
    dpi: int = 203,
) -> bytes:
    """The same label as ZPL for a Zebra printer at ``dpi`` (``compounder.documents.zpl``), refused as ``label_pdf`` refuses."""
    from compounder.calc.labeling import label_content
    from compounder.calc.prescription import require
    from compounder.calc.release import release
    from compounder.documents import zpl

    refuse_example_pharmacy(pharmacy)
    require(order, "label")
    release(plan, order)
    return zpl.label_zpl(label_content(plan, order, catalog, compounded_on), pharmacy, stock or label_stock(pharmacy), dpi)
