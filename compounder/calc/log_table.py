"""A quality log as a table of text (issue 25): what its screen shows and its printed report
prints, built once from the records (``compounder.records.quality_reports``) so the two never
differ. Plain data: no database, no PDF, no Qt."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LogTable:
    """``title`` ("Balance log"); ``period`` (what the table covers, in words); one header per
    column; the rows, each a tuple of texts as long as ``headers``; ``notices``: what needs
    attention (a check due, a calibration due, a review due, a MedWatch report), shown above."""

    title: str
    period: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notices: tuple[str, ...] = ()
    #: Columns of long text (wrapped, given the room left) by index.
    wide: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.headers):
                raise ValueError(f"{self.title}: a row of {len(row)} cells under {len(self.headers)} headers")
