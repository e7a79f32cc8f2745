"""The ingredient table's columns (key, title, tip, computed or typed) and the item roles its model
answers beside Qt's own, shared by the model, its delegate and the window."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt

ERROR_ROLE = Qt.ItemDataRole.UserRole + 1  # the engine's message for the cell, or None
KEY_ROLE = Qt.ItemDataRole.UserRole + 2  # the column's key
CHOICES_ROLE = Qt.ItemDataRole.UserRole + 3  # names offered in the editor
TARGET_ROLE = Qt.ItemDataRole.UserRole + 4  # the draft row, "base", or None


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    tip: str
    computed: bool = False


COLUMNS = (
    Column("ingredient", "Ingredient (written as)", "The form the strength is written as; type to search the reference database"),
    Column("strength", "Strength", "5 %, 50 mg/g, 20 mg/mL (needs the density), or an amount in the batch: 2 g, 5 mL"),
    Column("stock", "Stock form weighed", "The salt or hydrate on the shelf; empty means the form written"),
    Column("potency", "Potency", "Assay from the certificate of analysis, e.g. 99.5 %"),
    Column("lot", "Lot", "Lot number of the stock weighed"),
    Column("expires", "Expires", "Expiry of the lot, YYYY-MM-DD"),
    Column("grams", "Weigh (g)", "Grams to weigh, rounded to the balance", computed=True),
    Column("mg_per_g", "mg/g", "Milligrams of the written form per gram of product", computed=True),
    Column("mg_per_click", "mg/click", "Milligrams per Topi-CLICK click (0.25 mL); needs the density", computed=True),
    Column("mg_per_day", "mg/day", "Milligrams a day by the directions", computed=True),
)
KEYS = tuple(c.key for c in COLUMNS)
