"""Render compounder/icons/compounder.svg to the PNG sizes desktops ask for (and a Windows .ico).

Run after changing the SVG: .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parents[1] / "compounder" / "icons"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "compounder.svg"))
    if not renderer.isValid():
        print("compounder.svg is not a valid SVG", file=sys.stderr)
        return 1
    images = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(ICONS / f"compounder-{size}.png"))
        images.append(image)
    images[SIZES.index(256)].save(str(ICONS / "compounder.ico"))
    del app
    print(f"wrote {len(SIZES)} PNGs and compounder.ico to {ICONS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
