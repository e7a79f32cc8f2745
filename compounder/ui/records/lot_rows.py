"""The rows of Ingredient lots: each lot's cells and its status in words and colour (expired,
exhausted, near expiry, in quarantine, voided), and the records' sort behind each column."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor

from compounder.ui.common.look import ERROR_TEXT, WARNING_TEXT
from compounder.ui.common.paged_model import PagedRow

if TYPE_CHECKING:
    from compounder.records import lots


LOT_HEADERS = ("Lot", "Stock form", "Ingredient", "Manufacturer", "Expires", "Left (g)", "Received (g)", "Potency", "Status")
LOT_ORDER = ("lot_number", "stock_form", "ingredient", "manufacturer", "expires", "remaining", "received", "potency_percent")
"""The records' sort (``lots.LOT_ORDERS``) of each column a click on its header sorts by (the
status follows the expiry)."""


def lot_status(lot: lots.Lot, on: dt.date) -> tuple[str, QColor | None]:
    if lot.status == "voided":
        return "voided (entered in error)", ERROR_TEXT
    if lot.expires < on:
        return f"expired {lot.expires.isoformat()} — do not use", ERROR_TEXT
    if lot.remaining <= 0:
        return "exhausted", ERROR_TEXT
    if lot.near_expiry(on):
        days = (lot.expires - on).days
        return ("expires today" if days == 0 else f"expires in {days} day{'s' if days != 1 else ''}"), WARNING_TEXT
    if lot.status == "quarantined":
        return "in quarantine — a pharmacist reviews the CoA and releases it", WARNING_TEXT
    return "usable", None


def lot_row(lot: lots.Lot, on: dt.date, mark: str | None = None) -> PagedRow:
    """A lot's cells: its stock form with its DEA schedule (``mark``, "C-III") where it has one."""
    status, hue = lot_status(lot, on)
    cells = (
        lot.lot_number, f"{lot.stock_form} ({mark})" if mark else lot.stock_form, lot.ingredient, lot.manufacturer, lot.expires.isoformat(), f"{lot.remaining:f}",
        f"{lot.received:f}", "" if lot.potency_percent is None else f"{lot.potency_percent:f} %", status,
    )
    return PagedRow(cells, lot.id, hue, lot.label, lot)
