"""One model call per painted cell: Qt's delegates ask for a cell's font, alignment, colours,
icon and text together (``QAbstractItemModel.multiData``); answering them in one Python call
instead of one ``data()`` call per role is what keeps a repaint cheap."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan


def role_items(span: QModelRoleDataSpan | QModelRoleData) -> Sequence[QModelRoleData]:
    """The roles asked for, as a sequence. (A span has a length and items at run time; PySide6's
    type stubs leave both out. Qt may also pass a single role's data.)"""
    if isinstance(span, QModelRoleData):
        return (span,)
    return cast("Sequence[QModelRoleData]", span)


def fill(span: QModelRoleDataSpan | QModelRoleData, answer: Callable[[int], object]) -> None:
    """Set every role asked for in ``span`` to ``answer(role)`` (``None``: no value)."""
    items = role_items(span)
    for position in range(len(items)):
        item = items[position]
        value = answer(item.role())
        if value is None:
            item.clearData()
        else:
            item.setData(value)
