"""The master formulation record editor (issue 25): the elements USP <795> (2023) asks of a master
formula that only the pharmacy can write — each ingredient's relevant characteristics, the
container–closure system, the equipment, the compounding steps, the physical description, the
reference behind the beyond-use date, the labelling requirements, the quality-control
procedures and anything else needed to repeat it — beside what the formula already says.

Saving writes a new version of the formula (``records.master_records.write_record``): like any
change it waits for a pharmacist's approval before batches use it. An element left empty is
listed as missing, never filled in. The dialog holds no rule: the records and ``calc`` refuse
bad input, and the refusal is said under the fields with nothing lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from compounder.calc import InputError
from compounder.calc.master_record import ingredient_names, missing_elements, record_of
from compounder.records.edit_versions import EditConflict
from compounder.records.errors import RecordsError
from compounder.records.library import FormulaLibrary, LibraryEntry, LibraryError
from compounder.records.master_records import write_record
from compounder.records.policy import Actor
from compounder.ui.common.inline_error import message_label
from compounder.ui.common.look import ERROR_TEXT


class MasterRecordDialog(QDialog):
    """Edit the master formulation record of library formula ``entry_id``; ``print_record(entry)``
    prints it (as saved)."""

    def __init__(self, library: FormulaLibrary, entry_id: int, actor: Callable[[], Actor | None],
                 print_record: Callable[[LibraryEntry], object] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Master formulation record")
        self.resize(860, 760)
        self._library, self._actor, self._print = library, actor, print_record
        self.entry = library.get(entry_id)
        data = self.entry.data
        record = record_of(data)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.characteristics: dict[str, QLineEdit] = {}
        ingredients = QFormLayout()
        for name in ingredient_names(data):
            edit = QLineEdit(record.characteristics.get(name, ""))
            edit.setPlaceholderText("e.g. USP grade, micronized powder; salt form; particle size")
            self.characteristics[name] = edit
            ingredients.addRow(name, edit)
        box = QGroupBox("Ingredients: relevant characteristics")
        box.setLayout(ingredients)
        self.container_closure = QLineEdit(record.container_closure or "")
        self.container_closure.setPlaceholderText("e.g. 60 g amber polypropylene jar with screw cap")
        self.equipment = QPlainTextEdit("\n".join(record.equipment))
        self.equipment.setPlaceholderText("one item a line: electronic balance, ointment slab, mill…")
        self.steps = QPlainTextEdit("\n".join(str(step) for step in data.get("steps") or []))
        self.steps.setPlaceholderText("one step a line; left empty the worksheet prints Compounder's general steps and the record says so")
        self.description = QPlainTextEdit(record.description or "")
        self.description.setPlaceholderText("what the finished preparation looks like: colour, texture, odour")
        self.bud_reference = QLineEdit(record.bud_reference or "")
        self.bud_reference.setPlaceholderText("e.g. USP <795> (2023) Table 4, or the stability study cited")
        self.labelling = QLineEdit(record.labelling or "")
        self.labelling.setPlaceholderText("e.g. For external use only; shake well")
        qc = record.quality_control
        self.appearance = QLineEdit(qc.appearance if qc is not None and qc.appearance else "")
        self.appearance.setPlaceholderText("the appearance each batch is checked against")
        self.ph = QLineEdit(qc.ph.text() if qc is not None and qc.ph is not None else "")
        self.ph.setPlaceholderText('accepted pH range, e.g. "5.5 to 7.0" (empty: no pH check)')
        self.notes = QPlainTextEdit(record.notes or "")
        self.notes.setPlaceholderText("anything else needed to repeat the preparation")
        for text_box in (self.equipment, self.steps, self.description, self.notes):
            text_box.setTabChangesFocus(True)
            text_box.setFixedHeight(70)
        form = QFormLayout()
        form.addRow("&Container–closure system", self.container_closure)
        form.addRow("&Equipment", self.equipment)
        form.addRow("Compounding &steps", self.steps)
        form.addRow("Physical &description", self.description)
        form.addRow("Beyond-use date: supporting &reference", self.bud_reference)
        form.addRow("&Labelling requirements", self.labelling)
        form.addRow("QC: &appearance", self.appearance)
        form.addRow("QC: &pH range", self.ph)
        form.addRow("&Other information", self.notes)
        form.addRow("QC: final weight", QLabel("always checked against the theoretical weight, with the yield"))
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.missing.setStyleSheet(f"color: {ERROR_TEXT.name()}")
        self.message = message_label()
        self.saved = QLabel()
        self.save_button = QPushButton("&Save as a new version")
        self.save_button.clicked.connect(self.save)
        self.print_button = QPushButton("P&rint the record…")
        self.print_button.clicked.connect(lambda: self._print(self.entry) if self._print is not None else None)
        self.print_button.setVisible(print_record is not None)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addWidget(box)
        column.addLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.missing)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.saved)
        layout.addWidget(buttons)
        if self.entry.read_only:
            self.save_button.setEnabled(False)
            self.message.setText("a reference formula is read-only: save it to the library under a new name, then write its record")
        self._show_entry()

    def elements(self) -> dict[str, Any]:
        """The elements as typed (empty ones left out by ``write_record``)."""
        def lines(edit: QPlainTextEdit) -> list[str]:
            return [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]

        return {
            "characteristics": {name: edit.text().strip() for name, edit in self.characteristics.items() if edit.text().strip()},
            "container_closure": self.container_closure.text().strip(),
            "equipment": lines(self.equipment),
            "description": " ".join(self.description.toPlainText().split()),
            "bud_reference": self.bud_reference.text().strip(),
            "labelling": self.labelling.text().strip(),
            "quality_control": {"appearance": self.appearance.text().strip(), "ph": self.ph.text().strip()},
            "notes": " ".join(self.notes.toPlainText().split()),
        }

    def save(self) -> bool:
        steps = [line.strip() for line in self.steps.toPlainText().splitlines() if line.strip()]
        try:
            self.entry = write_record(self._library, self.entry.id, self.elements(), steps, self._actor(), based_on=self.entry.version)
        except InputError as error:
            self.message.setText(f"{error.field}: {error.message} — nothing was saved")
            self.saved.setText("")
            return False
        except (LibraryError, EditConflict, RecordsError) as error:
            self.message.setText(f"{error} — nothing was saved")
            self.saved.setText("")
            return False
        self.message.setText("")
        self.saved.setText(f"Saved as version {self.entry.version}; a pharmacist approves it before batches use it.")
        self._show_entry()
        return True

    def _show_entry(self) -> None:
        entry = self.entry
        approved = "approved" if entry.approved_at is not None else "not approved"
        self.heading.setText(f"<b>{entry.name}</b> — version {entry.version}, {approved}")
        missing = missing_elements(entry.data)
        self.missing.setText(f"Missing ({len(missing)}): " + "; ".join(missing) if missing else "Every element is written.")
