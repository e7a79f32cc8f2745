"""The text of a banner that keeps its place: a bold title and a message in a fixed number of
lines, the message cut with "…" where it does not fit (the whole of it in the tooltip).

The workbench's error banner grew and shrank with its text and pushed the table about 60 px
down under the pointer when an error appeared; a banner whose height never changes moves nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel, QWidget

if TYPE_CHECKING:  # hints only: QResizeEvent's class is set up when the banner is first laid out (it is hidden at start-up)
    from PySide6.QtGui import QResizeEvent

LINES = 3  # the title and two lines of message, on a window of ordinary width


def fit_lines(text: str, font: QFont, width: int, lines: int) -> str:
    """``text`` as it fits in ``lines`` lines of ``width`` pixels, its last line cut with "…"."""
    if lines <= 0 or width <= 0:
        return ""
    from PySide6.QtGui import QTextLayout  # set up when a banner is first laid out, not before the window is drawn

    layout = QTextLayout(text, font)
    starts: list[int] = []
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        starts.append(line.textStart())
    layout.endLayout()
    if len(starts) <= lines:
        return text
    start = starts[lines - 1]
    return text[:start] + QFontMetrics(font).elidedText(text[start:], Qt.TextElideMode.ElideRight, width)


def _line_count(text: str, font: QFont, width: int) -> int:
    from PySide6.QtGui import QTextLayout

    layout = QTextLayout(text, font)
    count = 0
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(width, 1))
        count += 1
    layout.endLayout()
    return max(count, 1)


class BannerText(QLabel):
    """A bold title and a message, always ``LINES`` lines high."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setFixedHeight(QFontMetrics(self.font()).lineSpacing() * LINES + 2)
        self._title = ""
        self._message = ""

    def set_parts(self, title: str, message: str) -> None:
        self._title, self._message = title, message
        self.setToolTip(f"{title}\n{message}" if message else title)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        import html  # with its entity table (~5 ms), when a banner is first shown: it is hidden at start-up

        width = self.contentsRect().width() - 4  # a little under the width: the label wraps at words as the layout does
        bold = QFont(self.font())
        bold.setBold(True)
        title_lines = min(_line_count(self._title, bold, width), LINES - 1)
        title = fit_lines(self._title, bold, width, title_lines)
        message = fit_lines(self._message, self.font(), width, LINES - title_lines)
        self.setText(f"<b>{html.escape(title)}</b><br>{html.escape(message)}")
