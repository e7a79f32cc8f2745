"""How severities and numbers look: colours drawn from the current palette, icons, fonts.

Colours are blended into the palette's own base colour, so a red cell stays readable in the
system's light and dark schemes alike.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

from compounder.calc import Severity

if TYPE_CHECKING:  # hints only: QIcon's class (and its enums) is set up when a first icon is drawn
    from PySide6.QtGui import QIcon

_HUES = {
    Severity.ERROR: QColor(214, 39, 40),
    Severity.WARNING: QColor(227, 150, 0),
    Severity.INFO: QColor(31, 119, 180),
}
# The style's standard pixmaps, by name: QStyle (and its ~10 ms of class set-up) is first touched
# when an icon is first wanted, not when the window starts with nothing to mark.
_ICONS = {
    Severity.ERROR: "SP_MessageBoxCritical",
    Severity.WARNING: "SP_MessageBoxWarning",
    Severity.INFO: "SP_MessageBoxInformation",
}
#: The one colour of an error said in words (a refused entry, a failed operation, an expired lot)
#: and of a warning; darker than the severity hues above, so text in it reads on the window's grey.
ERROR_TEXT = QColor("#b00020")
WARNING_TEXT = QColor("#9a5b00")
#: A weight that is within its tolerance, at the weighing station.
OK_TEXT = QColor("#1b7a32")
WORDS = {Severity.ERROR: "Error", Severity.WARNING: "Warning", Severity.INFO: "Note"}


def hue(severity: Severity) -> QColor:
    return QColor(_HUES[severity])


def tint(severity: Severity, palette: QPalette | None = None, strength: float = 0.25) -> QColor:
    """A background for a cell or banner of this severity, mixed into the palette's base colour."""
    base = (palette or QApplication.palette()).color(QPalette.ColorRole.Base)
    return QColor(_tint(severity, base.rgb(), strength))


@functools.lru_cache(maxsize=64)
def _tint(severity: Severity, base_rgb: int, strength: float) -> QColor:
    base = QColor.fromRgb(base_rgb)
    colour = _HUES[severity]
    mix = lambda a, b: round(a * (1 - strength) + b * strength)  # noqa: E731
    return QColor(mix(base.red(), colour.red()), mix(base.green(), colour.green()), mix(base.blue(), colour.blue()))


def icon(severity: Severity) -> QIcon:
    """The style's icon for the severity (looked up once per style)."""
    style = QApplication.style()
    # By the style's name: id() of the Python wrapper changes from call to call, which made every
    # look-up a miss (and the cache grow).
    key = (style.name(), severity)
    if key not in _icon_cache:
        from PySide6.QtWidgets import QStyle

        _icon_cache[key] = style.standardIcon(getattr(QStyle.StandardPixmap, _ICONS[severity]))
    return _icon_cache[key]


_icon_cache: dict[tuple[str, Severity], QIcon] = {}


def number_font(bold: bool = False) -> QFont:
    """A fixed-pitch font, so numbers with equal decimals line up on their decimal point."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setBold(bold)
    return font
