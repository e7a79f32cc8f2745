"""``WrappedRowHeights``: a word-wrapped row is as tall as its text at the view's width, also when
the view is resized before its viewport is watched (issue #27: it is watched once its window is
drawn, so the window's first paint does without PySide6's event classes)."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel
from PySide6.QtWidgets import QHeaderView, QTableView

from compounder.ui.common.view_sizing import WrappedRowHeights

TEXT = "a finding said in many words " * 12


def test_rows_follow_the_width_the_view_is_given_before_and_after_the_loop_runs(qtbot):
    view = QTableView()
    qtbot.addWidget(view)
    view.setWordWrap(True)
    view.setModel(QStringListModel([TEXT]))
    view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    WrappedRowHeights(view)
    view.resize(200, 400)  # before the window is drawn, so before the viewport is watched
    view.show()
    line = view.fontMetrics().height()
    qtbot.waitUntil(lambda: view.rowHeight(0) > 4 * line)  # ~340 characters wrapped at under 200 px: many lines
    narrow = view.rowHeight(0)
    view.resize(1600, 400)  # the stretched column widens with the view: fewer lines
    qtbot.waitUntil(lambda: view.rowHeight(0) < narrow)
