"""One model call per painted cell: Qt's delegates ask for a cell's font, alignment, colours,
icon and text together (``QAbstractItemModel.multiData``); answering them in one Python call
instead of one ``data()`` call per role is what keeps a repaint cheap."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelRoleDataSpan


def fill(span: QModelRoleDataSpan, answer: Callable[[int], object]) -> None:
    """Set every role asked for in ``span`` to ``answer(role)`` (``None``: no value)."""
    for position in range(len(span)):
        item = span[position]
        value = answer(item.role())
        if value is None:
            item.clearData()
        else:
            item.setData(value)
