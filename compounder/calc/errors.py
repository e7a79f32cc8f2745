"""The one exception the engine raises for input it cannot use."""

from __future__ import annotations


class InputError(ValueError):
    """Input the engine cannot use, with the field it came from and what would be accepted.

    ``field`` is a path in the formula's own terms (``batch``, ``actives[1].strength``), so the
    CLI can print one line and the window can mark the cell.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
