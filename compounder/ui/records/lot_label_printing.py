"""The pharmacy's lot labels for the weighing station's scanner, printed as one job: the label of
one lot chosen in the list, or the labels of every lot of a delivery just received (one page each;
one preview, or one job on the lot-label printer, never one per lot)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compounder.calc.catalog import Catalog
    from compounder.records.lots import Lot
    from compounder.ui.common.batch_printing import PrintPdf


def print_lot_labels(print_pdf: PrintPdf, catalog: Catalog | None, lots: Sequence[Lot], *, choose: bool = False) -> bool:
    """The labels of ``lots`` in one print job, on the lot-label printer (or ``choose``: one
    picked in the print dialog, this once); True once handed to the printer."""
    from compounder.calc.controlled import schedule_mark
    from compounder.documents.lot_label import LotLabel, lot_labels_pdf

    labels = [
        LotLabel(lot.id, lot.stock_form, lot.lot_number, lot.manufacturer, lot.expires,
                 schedule_mark(catalog, lot.stock_form) if catalog is not None else None)  # the DEA schedule of a controlled substance
        for lot in lots
    ]
    pdf = lot_labels_pdf(labels)

    def zpl(dpi: int) -> bytes:  # made only for a Zebra chosen for lot labels, at its printhead's dpi
        from compounder.documents.zpl import lot_labels_zpl

        return lot_labels_zpl(labels, dpi)

    numbers = ", ".join(label.lot_number for label in labels)
    title = f"Lot label {numbers}" if len(labels) == 1 else f"Lot labels ({len(labels)} lots): {numbers}"
    return print_pdf(title, pdf, "lot_label", zpl, choose=choose)
