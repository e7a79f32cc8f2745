"""``known_viewport``: the view's own viewport, as ``viewport()`` gives it (issue #27: found by
name so PySide6 does not look through every QWidget subclass for it at start-up)."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QTableView

from compounder.ui.common.view_sizing import known_viewport


def test_it_is_the_views_viewport_and_not_its_headers(qtbot):
    view = QTableView()
    qtbot.addWidget(view)
    viewport = known_viewport(view)
    assert viewport is view.viewport()
    header: QHeaderView = view.horizontalHeader()  # a scroll area too, with a viewport of the same name
    assert viewport is not header.viewport() and viewport.parent() is view


def test_a_viewport_set_by_the_program_is_the_one_given(qtbot):
    from PySide6.QtWidgets import QWidget

    view = QTableView()
    qtbot.addWidget(view)
    mine = QWidget()
    view.setViewport(mine)
    assert known_viewport(view) is mine
