"""Edit a patient's screening profile: date of birth, weight with its unit, coded allergies,
conditions and medicines, and notes on other medicines; saved to the records with the audit trail.

Each coded part says plainly whether it is "not recorded" (the screening reports the checks it
could not make), "none known" (a recorded fact) or a ticked list of the catalog's screening terms.
Typed values are checked as they are typed with the records' own rules
(``compounder.records.patients``), and a refusal is shown beside its field; the dialog holds no
pharmacy rule of its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from compounder.calc import Catalog
from compounder.calc.errors import InputError
from compounder.calc.patient import CODED
from compounder.calc.typed_date import typed_date
from compounder.records.errors import RecordsError
from compounder.records.patients import ProfileEntry, StoredProfile, parse_body_weight, save_profile, stored_profile
from compounder.records.policy import RecordError
from compounder.ui.common.entry_order import reading_order
from compounder.ui.common.look import ERROR_TEXT
from compounder.ui.common.records_context import RecordsContext, problem_text

GROUP_TITLES = {
    "allergy": "Allergies and intolerances",
    "condition": "Conditions",
    "medication": "Current medicines (oral and other) the screening checks",
}
NOT_RECORDED, NONE_KNOWN, KNOWN = 0, 1, 2


class InlineMessage(QLabel):
    """A refusal shown beside its field; takes no room while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {ERROR_TEXT.name()}")
        self.setVisible(False)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self.setVisible(bool(text))


def message_label() -> InlineMessage:
    return InlineMessage()


class CodedGroup(QGroupBox):
    """One coded part of the profile: not recorded / none known / the ticked terms."""

    def __init__(self, kind: str, terms, parent: QWidget | None = None) -> None:
        super().__init__(GROUP_TITLES[kind], parent)
        self.setObjectName(f"group_{kind}")
        self.kind = kind
        self.choice = QButtonGroup(self)
        self.not_recorded = QRadioButton("Not recorded (the checks that need it are not made)")
        self.none_known = QRadioButton("None known")
        self.known = QRadioButton("Known:")
        for button, value in ((self.not_recorded, NOT_RECORDED), (self.none_known, NONE_KNOWN), (self.known, KNOWN)):
            self.choice.addButton(button, value)
        choices = QHBoxLayout()
        for button in (self.not_recorded, self.none_known, self.known):
            choices.addWidget(button)
        choices.addStretch(1)
        grid = QGridLayout()
        self.boxes: dict[str, QCheckBox] = {}
        for index, term in enumerate(sorted(terms, key=lambda t: t.name.casefold())):
            box = QCheckBox(term.name)
            box.setObjectName(f"term_{term.key}")
            if term.aliases:
                box.setToolTip("Also: " + ", ".join(term.aliases))
            box.toggled.connect(self._ticked)
            grid.addWidget(box, index // 2, index % 2)
            self.boxes[term.key] = box
        self.message = message_label()
        layout = QVBoxLayout(self)
        layout.addLayout(choices)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        self.choice.idToggled.connect(lambda _id, _on: self._update())
        self.not_recorded.setChecked(True)

    def _ticked(self, on: bool) -> None:
        if on and not self.known.isChecked():
            self.known.setChecked(True)
        self._update()

    def _update(self) -> None:
        self.message.setText(
            "Tick at least one, or choose “None known”." if self.known.isChecked() and not any(b.isChecked() for b in self.boxes.values()) else ""
        )

    def set_value(self, keys: tuple[str, ...] | None) -> None:
        for key, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(keys is not None and key in keys)
            box.blockSignals(False)
        (self.not_recorded if keys is None else self.none_known if not keys else self.known).setChecked(True)
        self._update()

    def value(self) -> tuple[str, ...] | None:
        """``None`` = not recorded, ``()`` = none known, or the ticked keys; refuses "known" with none ticked."""
        if self.not_recorded.isChecked():
            return None
        if self.none_known.isChecked():
            return ()
        keys = tuple(key for key, box in self.boxes.items() if box.isChecked())
        if not keys:
            raise RecordError(f"{self.title()}: tick at least one, or choose “None known”")
        return keys


class PatientProfileDialog(QDialog):
    def __init__(self, context: RecordsContext, catalog: Catalog, patient_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientProfileDialog")
        self._context, self._catalog, self._patient_id = context, catalog, patient_id
        self.saved: StoredProfile | None = None
        from compounder.records.contacts import contact

        with context.reading() as session:
            current = stored_profile(session, patient_id)
            # Nobody signed in, or a role the pharmacy does not show patients to: nothing of the
            # profile is shown and nothing saved (``compounder.records.privacy``).
            self.details_shown, why = context.patient_details(session)
            reach = contact(session, patient_id)
        self._contact_version = reach.version if reach is not None else None
        self._contact_shown = (reach.address, reach.phone) if reach is not None else ("", "")
        self._shown_version = current.version  # saved on top of this version, or refused
        self.setWindowTitle(f"Patient profile — {current.name if self.details_shown else '(hidden)'}")

        self.born = QLineEdit()
        self.born.setObjectName("born")
        self.born.setPlaceholderText("YYYY-MM-DD")
        self.born_message = message_label()
        self.weight = QLineEdit()
        self.weight.setObjectName("weight")
        self.weight.setPlaceholderText("e.g. 62.5 (not recorded when empty)")
        self.weight_unit = QComboBox()
        self.weight_unit.setObjectName("weightUnit")
        self.weight_unit.addItems(["kg", "lb"])
        self.weight_message = message_label()
        self.weight_hint = QLabel()
        self.weight_hint.setObjectName("weightHint")
        weight_row = QHBoxLayout()
        weight_row.addWidget(self.weight, 1)
        weight_row.addWidget(self.weight_unit)
        weight_row.addWidget(self.weight_hint)
        born_block, weight_block = QVBoxLayout(), QVBoxLayout()
        born_block.addWidget(self.born)
        born_block.addWidget(self.born_message)
        weight_block.addLayout(weight_row)
        weight_block.addWidget(self.weight_message)
        born_label, weight_label = QLabel("&Date of birth"), QLabel("&Weight")
        born_label.setBuddy(self.born)
        weight_label.setBuddy(self.weight)
        form = QFormLayout()
        form.addRow(born_label, born_block)
        form.addRow(weight_label, weight_block)
        # How to reach the patient (a recall must reach someone; issue 25): both, or neither yet.
        self.address = QPlainTextEdit(reach.address if reach else "")
        self.address.setObjectName("address")
        self.address.setPlaceholderText("street, city, state and ZIP code (for a recall)")
        self.address.setFixedHeight(48)
        self.address.setTabChangesFocus(True)
        self.phone = QLineEdit(reach.phone if reach else "")
        self.phone.setObjectName("phone")
        address_label, phone_label = QLabel("&Address"), QLabel("P&hone")
        address_label.setBuddy(self.address)
        phone_label.setBuddy(self.phone)
        form.addRow(address_label, self.address)
        form.addRow(phone_label, self.phone)

        self.groups: dict[str, CodedGroup] = {}
        for _key, kind in CODED:
            self.groups[kind] = CodedGroup(kind, [t for t in catalog.screening_terms if t.kind == kind], self)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("notes")
        self.notes.setPlaceholderText("Other medicines as the patient takes them (free text, printed on the worksheet)")
        self.notes.setFixedHeight(60)
        self.updated = QLabel()
        self.updated.setObjectName("updated")
        self.message = message_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        for group in self.groups.values():
            layout.addWidget(group)
        notes_label = QLabel("Medication &notes")
        notes_label.setBuddy(self.notes)
        layout.addWidget(notes_label)
        layout.addWidget(self.notes)
        layout.addWidget(self.updated)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.born.textChanged.connect(lambda _t: _inline(self._check_born))
        self.weight.textChanged.connect(lambda _t: _inline(self._check_weight))
        self.weight_unit.currentIndexChanged.connect(lambda _i: _inline(self._check_weight))
        if self.details_shown:
            self._show(current)
        else:
            self._withhold(why)
        self.setMinimumWidth(640)
        # Opens on the date of birth, not on a choice a space would flip; Tab follows the page down.
        coded = [w for g in self.groups.values() for w in (g.not_recorded, g.none_known, g.known, *g.boxes.values())]
        reading_order(self, self.born, self.weight, self.weight_unit, self.address, self.phone, *coded, self.notes, *self.buttons.buttons())

    # ------------------------------------------------------------------ fields
    def _withhold(self, why: str) -> None:
        """The profile not shown: every field empty and off, Save off, and why."""
        for widget in (self.born, self.weight, self.weight_unit, self.notes, *self.groups.values()):
            widget.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        self.message.setText(why)

    def _show(self, profile: StoredProfile) -> None:
        self.born.setText(profile.date_of_birth.isoformat() if profile.date_of_birth else "")
        self.weight.setText("" if profile.weight_kg is None else f"{profile.weight_kg:f}")
        self.weight_unit.setCurrentText("kg")
        for key, kind in CODED:
            self.groups[kind].set_value(getattr(profile, key))
        self.notes.setPlainText(profile.medication_notes or "")
        self.updated.setText(
            f"Profile last changed by {profile.updated_by} on {profile.updated_at.astimezone().strftime('%Y-%m-%d %H:%M')}"
            if profile.updated_at else "Profile not recorded yet."
        )

    def _check_born(self) -> dt.date | None:
        """The date of birth typed, or None when empty; a refusal is shown under it and raised."""
        text = self.born.text().strip()
        self.born_message.setText("")
        if not text:
            return None
        try:  # as typed, by the one rule for a typed date
            born = typed_date(text, "date of birth", kind="date_of_birth", required=True, example="1948-03-02")
        except InputError as error:
            self.born_message.setText(error.message)
            raise RecordError(f"{error.field}: {error.message}") from None
        assert born is not None  # not empty here
        if born > self._context.today():
            self.born_message.setText(f"{born.isoformat()} is in the future")
            raise RecordError(f"date of birth {born.isoformat()} is in the future")
        return born

    def _check_weight(self) -> Decimal | None:
        text = self.weight.text().strip()
        self.weight_message.setText("")
        self.weight_hint.setText("")
        if not text:
            return None
        try:
            kilograms = parse_body_weight(text, self.weight_unit.currentText())
        except RecordError as error:
            self.weight_message.setText(str(error))
            raise
        self.weight_hint.setText(f"= {kilograms} kg" if f"{kilograms}" != text.replace(",", ".") else "")
        return kilograms

    def entry(self) -> ProfileEntry:
        """What the fields say, checked; raises ``RecordError`` naming the first problem."""
        problems: list[str] = []
        values: dict = {}
        for name, check in (("date_of_birth", self._check_born), ("weight_kg", self._check_weight)):
            try:
                values[name] = check()
            except RecordError as error:
                problems.append(str(error))
        for key, kind in CODED:
            try:
                values[key] = self.groups[kind].value()
            except RecordError as error:
                problems.append(str(error))
        if problems:
            raise RecordError("; ".join(problems))
        return ProfileEntry(medication_notes=self.notes.toPlainText().strip() or None, **values)

    def save(self) -> None:
        actor = self._context.actor
        if not self.details_shown:  # a profile not shown is never saved over
            return
        if actor is None:
            self.message.setText("sign in (Records ▸ Sign in) to record a patient profile")
            return
        try:
            entry = self.entry()
            with self._context.transaction() as session:
                self.saved = save_profile(session, actor, self._patient_id, entry, self._catalog, self._context.clock(),
                                          expected_version=self._shown_version)
                self._save_contact(session, actor)
        except RecordsError as error:
            self.message.setText(problem_text(error))
            return
        self.message.setText("")
        self.accept()


    def _save_contact(self, session, actor) -> None:
        """The address and phone, in the profile's transaction, when given or changed."""
        from compounder.records.contacts import set_contact

        address, phone = self.address.toPlainText().strip(), self.phone.text().strip()
        if (address, phone) == self._contact_shown:
            return  # unchanged (or not recorded yet, and still not)
        set_contact(session, actor, self._patient_id, address, phone, self._context.clock(), expected_version=self._contact_version)


def _inline(check) -> None:
    """Run a field's check as it is typed: its refusal is already shown beside the field."""
    try:
        check()
    except RecordError:
        pass
