"""Label stock presets: the sizes of label a pharmacy prints patient labels on.

Plain data, no ReportLab, so the settings and the window can list them cheaply. It sits below
the pharmacy settings, which choose one, and the documents, which lay the label out on it.
Lengths are in PostScript points (1 in = 72 pt).
"""

from __future__ import annotations

from dataclasses import dataclass

INCH = 72.0


@dataclass(frozen=True)
class LabelStock:
    """A label size, printed either one label per page (thermal roll) or on a sheet of labels."""

    key: str
    title: str
    width: float  # of one label
    height: float
    margin: float  # unprinted edge inside the label
    # A sheet of labels: page size, grid and the offset of the first label's corner.
    page_width: float | None = None
    page_height: float | None = None
    columns: int = 1
    rows: int = 1
    left: float = 0.0
    top: float = 0.0
    column_pitch: float = 0.0
    row_pitch: float = 0.0

    @property
    def is_sheet(self) -> bool:
        return self.page_width is not None

    @property
    def page_size(self) -> tuple[float, float]:
        """The page printed on: the sheet, or on a roll the label itself."""
        if self.page_width is None or self.page_height is None:
            return self.width, self.height
        return self.page_width, self.page_height

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, position: int) -> tuple[float, float]:
        """Bottom-left corner of label ``position`` (1 = top left, across then down) on the page."""
        if not 1 <= position <= self.per_page:
            raise ValueError(f"position {position} is not on a {self.title} (1 to {self.per_page})")
        if not self.is_sheet:
            return 0.0, 0.0
        row, column = divmod(position - 1, self.columns)
        x = self.left + column * self.column_pitch
        y = self.page_size[1] - self.top - row * self.row_pitch - self.height
        return x, y


LABEL_STOCKS: dict[str, LabelStock] = {
    stock.key: stock
    for stock in (
        LabelStock("thermal-4x2", "4 × 2 in thermal label", 4 * INCH, 2 * INCH, 0.1 * INCH),
        LabelStock("thermal-3x2", "3 × 2 in thermal label", 3 * INCH, 2 * INCH, 0.1 * INCH),
        # Avery 5163 (Letter, 2 × 5 labels of 4 × 2 in): top margin 0.5 in, side margins
        # 0.15625 in, 0.1875 in between the columns, none between the rows
        # (0.5 + 5 × 2 + 0.5 = 11 in; 2 × 0.15625 + 2 × 4 + 0.1875 = 8.5 in).
        LabelStock(
            "avery-5163",
            "Letter sheet of 10 labels, 4 × 2 in (Avery 5163)",
            4 * INCH,
            2 * INCH,
            0.1 * INCH,
            page_width=8.5 * INCH,
            page_height=11 * INCH,
            columns=2,
            rows=5,
            left=0.15625 * INCH,
            top=0.5 * INCH,
            column_pitch=(4 + 0.1875) * INCH,
            row_pitch=2 * INCH,
        ),
    )
}
DEFAULT_LABEL_STOCK = "thermal-4x2"
