"""The approval of a master formula: what changed since the version last approved, shown before
the pharmacist approves (issue 28, observation 8: approval was a Yes/No on the name).

A thin view of ``records.formula_approval.ApprovalReview``: the heading says which version is
compared with which, one row per change (before, now), and the content's fingerprint the
approval is bound to. The approval is the default button (Enter), and is signed next in the
signing dialog (the pharmacist's password): Enter alone never approves. When the formula on
screen is not saved as shown, the same button saves it to the library first, under the name
shown (typed, or derived from the content), and cancelling saves nothing.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from compounder.records.formula_approval import ApprovalReview

HEADERS = ("What", "Before", "Now")
_KIND = {"added": "added", "removed": "removed", "changed": "changed"}


class ApprovalDialog(QDialog):
    """Approve one version after seeing its changes; ``exec()`` is true when the pharmacist approved."""

    def __init__(self, review: ApprovalReview, parent: QWidget | None = None, *, saves: bool = False) -> None:
        super().__init__(parent)
        self.review = review
        self.setWindowTitle("Approve master formula")
        layout = QVBoxLayout(self)

        self.heading = QLabel(review.heading, self)
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: bold")
        layout.addWidget(self.heading)

        self.table = QTableWidget(len(review.changes), len(HEADERS), self)
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)  # a list to read, nothing to pick
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        for row, change in enumerate(review.changes):
            what = change.subject if change.kind == "changed" else f"{change.subject} ({_KIND[change.kind]})"
            for column, text in enumerate((what, change.before or "—", change.after or "—")):
                item = QTableWidgetItem(text)
                item.setToolTip(change.text)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())  # wrapped text gets its height
        self.table.resizeRowsToContents()
        layout.addWidget(self.table)
        if not review.changes:
            self.table.hide()
            layout.addWidget(QLabel("Nothing changed since the version approved: approving it again changes no content.", self))

        self.fingerprint = QLabel(
            f"You approve version {review.version.version} exactly as listed (content fingerprint {review.short_hash}); "
            "if another workstation saves a newer version meanwhile, nothing is approved.", self,
        )
        self.fingerprint.setWordWrap(True)
        layout.addWidget(self.fingerprint)

        buttons = QDialogButtonBox(self)
        action = "Save to the library and approve" if saves else "Approve"
        self.approve_button = buttons.addButton(f"{action} version {review.version.version}…", QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        self.approve_button.setDefault(True)  # Enter: on to the signing dialog, where the password decides
        self.approve_button.setFocus()
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 420)

    def rows(self) -> list[tuple[str, ...]]:
        """The table as shown, row by row (what, before, now)."""
        return [tuple(self._text(row, column) for column in range(len(HEADERS))) for row in range(self.table.rowCount())]

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""
