"""The pharmacy's settings (``compounder.settings``): name, address, phone, licence, label stock,
worksheet paper and final-weight tolerance, as the worksheet and label print them; the weighing
tolerance every batch is weighed at, whether a pharmacist may verify a batch they prepared, and
whether every container is scanned and every weight read from the balance (the weighing policy).

Checked by ``settings_from_data`` (the same rules as the settings file) and written with
``save_settings``; a field it refuses is marked with its message and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from compounder.calc import Severity
from compounder.calc.label_stock import DEFAULT_LABEL_STOCK, LABEL_STOCKS
from compounder.calc.printer_choice import PRINT_KINDS, ZPL_DOTS_PER_MM
from compounder.calc.units import format_quantity
from compounder.records.policy import RecordError
from compounder.settings import (
    DEFAULT_IDLE_LOCK_MINUTES,
    DEFAULT_PATIENT_DETAILS_ROLES,
    MAX_IDLE_LOCK_MINUTES,
    PAPERS,
    ROLES,
    SCHEMA_VERSION,
    PharmacySettings,
    SettingsError,
    save_settings,
    settings_from_data,
)
from compounder.ui.common import look

PAPER_TITLES = {"letter": "US Letter", "a4": "A4"}
FIELD_TITLES = {
    "name": "pharmacy name", "address": "address", "phone": "phone", "licence": "licence",
    "label_stock": "label stock", "worksheet_paper": "worksheet paper", "final_weight_tolerance": "final-weight tolerance",
    "weighing_tolerance": "weighing tolerance", "allow_self_verification": "self-verification",
    "scan_required": "scan required", "balance_required": "balance required",
    "idle_lock_minutes": "lock the window after", "patient_details_roles": "patients' names shown to",
    "balance": "balance", "balance.port": "balance port", "balance.driver": "balance driver", "balance.id": "balance ID",
    "maximum_excess": "maximum excess", "balances": "balances (certified minimum weighable quantity)",
    "printers.label": "label printer", "printers.worksheet": "worksheet printer", "printers.lot_label": "lot-label printer",
}
#: A label printer's language and, for a Zebra, its printhead's resolution (ZPL is placed in dots).
LANGUAGE_TITLES: dict[tuple[str, int | None], str] = {
    ("pdf", None): "PDF (through its CUPS driver)",
    **{("zpl", dpi): f"ZPL (Zebra, {dpi} dpi)" for dpi in ZPL_DOTS_PER_MM},
}


class PharmacySettingsDialog(QDialog):
    def __init__(
        self, current: PharmacySettings | None, path: Path, parent: QWidget | None = None,
        save_rules: Callable[[PharmacySettings], None] | None = None,
    ) -> None:
        super().__init__(parent)
        # Stores self-verification and the tolerances in the records (a signed-in administrator;
        # ``compounder.ui.records.pharmacy_rules_ui.save_rules``); refused changes are not saved anywhere.
        self._save_rules = save_rules
        self.setWindowTitle("Pharmacy settings")
        self.setObjectName("pharmacySettingsDialog")
        self.path = path
        self.saved: PharmacySettings | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(f"Printed on every worksheet and label, and the SOP settings for batches. Kept in {path}.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("Main Street Compounding Pharmacy")
        self.address_edit = QPlainTextEdit(self)
        self.address_edit.setTabChangesFocus(True)
        self.address_edit.setPlaceholderText("12 Main Street\nSpringfield, IL 62701")
        self.address_edit.setFixedHeight(self.address_edit.fontMetrics().lineSpacing() * 3 + 14)
        self.phone_edit = QLineEdit(self)
        self.phone_edit.setPlaceholderText("(217) 555-0142")
        self.licence_edit = QLineEdit(self)
        self.licence_edit.setPlaceholderText("IL pharmacy licence 054-000000")
        self.stock_combo = QComboBox(self)
        for key, stock in LABEL_STOCKS.items():
            self.stock_combo.addItem(stock.title, key)
        self.paper_combo = QComboBox(self)
        for key in PAPERS:
            self.paper_combo.addItem(PAPER_TITLES[key], key)
        self.tolerance_edit = QLineEdit(self)
        self.tolerance_edit.setPlaceholderText("from your SOP, e.g. 5 % (empty: the worksheet prints a blank range)")
        self.weighing_edit = QLineEdit(self)
        self.weighing_edit.setPlaceholderText("each component, from your SOP, e.g. 5 % (every batch is weighed at it)")
        self.self_verification_box = QCheckBox("a pharmacist may verify a batch they prepared", self)
        # The weighing policy: where required, an unscanned container or a typed weight needs a pharmacist's signed reason.
        self.scan_required_box = QCheckBox("every container is scanned (else a pharmacist signs why)", self)
        self.balance_required_box = QCheckBox("every weight is read from the balance (a typed one: a pharmacist signs why)", self)
        # Sessions and privacy (issue 24): the idle time before the window locks, and the roles that
        # see patients' names, dates of birth and Rx numbers (an administrator's, kept in the records).
        self.idle_spin = QSpinBox(self)
        self.idle_spin.setRange(1, MAX_IDLE_LOCK_MINUTES)
        self.idle_spin.setSuffix(" minutes without use")
        self.idle_spin.setValue(DEFAULT_IDLE_LOCK_MINUTES)
        self.roles_widget = QWidget(self)
        roles_row = QHBoxLayout(self.roles_widget)
        roles_row.setContentsMargins(0, 0, 0, 0)
        self.role_boxes: dict[str, QCheckBox] = {}
        for role in ROLES:
            box = QCheckBox(f"{role}s", self.roles_widget)
            box.setObjectName(f"patient_details_roles.{role}")
            box.setChecked(role in DEFAULT_PATIENT_DETAILS_ROLES)
            roles_row.addWidget(box)
            self.role_boxes[role] = box
        roles_row.addStretch(1)
        # The weighing station's balance (pharmacy equipment): empty port = no balance, weights are typed.
        from compounder.balance.protocols import PROTOCOLS

        self.balance_port_edit = QLineEdit(self)
        self.balance_port_edit.setPlaceholderText("serial port, e.g. /dev/ttyUSB0 or COM3 (empty: no balance)")
        self.balance_driver_combo = QComboBox(self)
        for key, protocol in PROTOCOLS.items():
            self.balance_driver_combo.addItem(protocol.title, key)
        self.balance_id_edit = QLineEdit(self)
        self.balance_id_edit.setPlaceholderText("asset or serial number, recorded with every weight read")
        self.excess_edit = QLineEdit(self)
        self.excess_edit.setPlaceholderText("largest overage from your SOP, e.g. 10 % (empty: not checked)")
        self.balances_edit = QPlainTextEdit(self)
        self.balances_edit.setTabChangesFocus(True)
        self.balances_edit.setPlaceholderText(
            "one balance a line, from its calibration certificate:\nElectronic balance, readability 0.001 g = 0.05 g\n"
            "(a balance not listed uses 820 × readability, USP <41>)"
        )
        self.balances_edit.setFixedHeight(self.balances_edit.fontMetrics().lineSpacing() * 4 + 14)
        # In the order a new pharmacy fills them: what is printed and the SOP's rules first (nothing
        # there is proposed), then what has a default (label stock, paper, …) — Enter saves.
        self.widgets: dict[str, QWidget] = {
            "name": self.name_edit, "address": self.address_edit, "phone": self.phone_edit, "licence": self.licence_edit,
            "final_weight_tolerance": self.tolerance_edit,
            "weighing_tolerance": self.weighing_edit, "allow_self_verification": self.self_verification_box,
            "scan_required": self.scan_required_box, "balance_required": self.balance_required_box,
            "label_stock": self.stock_combo, "worksheet_paper": self.paper_combo,
            "idle_lock_minutes": self.idle_spin, "patient_details_roles": self.roles_widget, "balance.port": self.balance_port_edit, "balance.driver": self.balance_driver_combo, "balance.id": self.balance_id_edit,
            "maximum_excess": self.excess_edit, "balances": self.balances_edit,
        }
        # This workstation's printers: each document prints on its own at once (one key), no dialog.
        from compounder.printing.spool import queues

        known = queues()
        self.printer_combos: dict[str, QComboBox] = {}
        self.language_combos: dict[str, QComboBox] = {}
        for kind in PRINT_KINDS:
            combo = QComboBox(self)
            combo.setEditable(True)  # a queue not listed yet, or socket://host:9100 for a network Zebra
            combo.addItems(["", *known])
            line = combo.lineEdit()
            if line is not None:  # an editable combo box always has one
                line.setPlaceholderText("none: ask in the print dialog each time")
            self.printer_combos[kind] = combo
            self.widgets[f"printers.{kind}"] = combo
            if kind == "worksheet":  # the worksheet prints on paper, as PDF
                continue
            # Made right after its printer, so Tab goes printer → its language → the next printer.
            language = QComboBox(self)
            for (name, dpi), title in LANGUAGE_TITLES.items():
                language.addItem(title, f"{name} {dpi}" if dpi else name)
            language.setObjectName(f"printers.{kind}.language")
            self.language_combos[kind] = language
        for key, widget in self.widgets.items():
            widget.setObjectName(key)
            widget.setMinimumWidth(380)
            title = FIELD_TITLES[key]
            kind = key.removeprefix("printers.")
            if kind in self.language_combos:
                row = QHBoxLayout()
                row.addWidget(widget, 1)
                row.addWidget(self.language_combos[kind])
                form.addRow(f"{title[:1].upper()}{title[1:]}:", row)
            else:
                form.addRow(f"{title[:1].upper()}{title[1:]}:", widget)
        layout.addLayout(form)
        # Tab follows the rows as shown (a printer, then its language; the roles left to right).
        chain: list[QWidget] = []
        for key, widget in self.widgets.items():
            chain.extend(self.role_boxes.values() if widget is self.roles_widget else (widget,))
            if key.removeprefix("printers.") in self.language_combos:
                chain.append(self.language_combos[key.removeprefix("printers.")])
        for before, after in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(before, after)
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        palette = self.message.palette()
        palette.setColor(QPalette.ColorRole.WindowText, look.hue(Severity.ERROR))
        self.message.setPalette(palette)
        self.message.setVisible(False)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._show(current)

    def _show(self, settings: PharmacySettings | None) -> None:
        if settings is None:
            self.stock_combo.setCurrentIndex(self.stock_combo.findData(DEFAULT_LABEL_STOCK))
            return
        self.name_edit.setText(settings.name)
        self.address_edit.setPlainText("\n".join(settings.address))
        self.phone_edit.setText(settings.phone)
        self.licence_edit.setText(settings.licence)
        self.stock_combo.setCurrentIndex(max(0, self.stock_combo.findData(settings.label_stock)))
        self.paper_combo.setCurrentIndex(max(0, self.paper_combo.findData(settings.worksheet_paper)))
        tolerance = settings.final_weight_tolerance
        self.tolerance_edit.setText(format_quantity(tolerance.to("percent"), 6) if tolerance is not None else "")
        weighing = settings.weighing_tolerance
        self.weighing_edit.setText(format_quantity(weighing.to("percent"), 6) if weighing is not None else "")
        self.self_verification_box.setChecked(settings.allow_self_verification)
        self.scan_required_box.setChecked(settings.scan_required)
        self.balance_required_box.setChecked(settings.balance_required)
        self.idle_spin.setValue(settings.idle_lock_minutes)
        for role, box in self.role_boxes.items():
            box.setChecked(role in settings.patient_details_roles)
        self.balance_port_edit.setText(settings.balance_port or "")
        self.balance_driver_combo.setCurrentIndex(max(0, self.balance_driver_combo.findData(settings.balance_driver)))
        self.balance_id_edit.setText(settings.balance_id or "")
        excess = settings.maximum_excess
        self.excess_edit.setText(format_quantity(excess.to("percent"), 6) if excess is not None else "")
        self.balances_edit.setPlainText("\n".join(f"{name} = {format_quantity(value.to('g'), 6)}" for name, value in settings.balances))
        for kind, choice in settings.printers:
            self.printer_combos[kind].setCurrentText(choice.printer)
            if kind in self.language_combos:
                key = f"zpl {choice.dpi}" if choice.language == "zpl" else choice.language
                self.language_combos[kind].setCurrentIndex(max(0, self.language_combos[kind].findData(key)))

    def data(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "name": self.name_edit.text(),
            "address": [line for line in self.address_edit.toPlainText().splitlines() if line.strip()],
            "phone": self.phone_edit.text(),
            "licence": self.licence_edit.text(),
            "label_stock": self.stock_combo.currentData(),
            "worksheet_paper": self.paper_combo.currentData(),
            "final_weight_tolerance": self.tolerance_edit.text().strip() or None,
            "weighing_tolerance": self.weighing_edit.text().strip() or None,
            "allow_self_verification": self.self_verification_box.isChecked(),
            "scan_required": self.scan_required_box.isChecked(),
            "balance_required": self.balance_required_box.isChecked(),
            "idle_lock_minutes": self.idle_spin.value(),
            "patient_details_roles": [role for role, box in self.role_boxes.items() if box.isChecked()],
            "maximum_excess": self.excess_edit.text().strip() or None,
            "balances": self._balances(),
            **self._balance(),
            "printers": {kind: self._printer(kind) for kind, combo in self.printer_combos.items() if combo.currentText().strip()},
        }

    def _printer(self, kind: str) -> dict:
        """The settings file's entry for ``kind``'s printer: its name, language and (ZPL) resolution."""
        entry: dict = {"printer": self.printer_combos[kind].currentText().strip(), "language": "pdf"}
        if kind in self.language_combos:
            language, _, dpi = str(self.language_combos[kind].currentData()).partition(" ")
            entry["language"] = language
            if dpi:
                entry["dpi"] = int(dpi)
        return entry

    def _balance(self) -> dict:
        port, balance_id = self.balance_port_edit.text().strip(), self.balance_id_edit.text().strip()
        if not port and not balance_id:
            return {}
        return {"balance": {"port": port, "driver": self.balance_driver_combo.currentData(), "id": balance_id}}

    def _balances(self) -> dict[str, str] | str:
        """"name = 0.05 g" lines as the settings file's mapping; a line without "=" is passed on
        as text, which ``settings_from_data`` refuses naming the field."""
        found: dict[str, str] = {}
        for line in self.balances_edit.toPlainText().splitlines():
            if not line.strip():
                continue
            name, sep, value = line.rpartition("=")
            if not sep:
                return line
            found[name.strip()] = value.strip()
        return found

    def accept(self) -> None:
        for widget in self.widgets.values():
            widget.setPalette(self.palette())
        try:
            settings = settings_from_data(self.data())
            if self._save_rules is not None:
                self._save_rules(settings)
            save_settings(settings, self.path)
        except SettingsError as error:
            if error.field.startswith("balances."):  # a balance's name may hold commas
                keys, titles = ["balances"], f"balance \"{error.field.removeprefix('balances.')}\""
            elif error.field.startswith("printers."):  # printers.label.language: the label printer's row
                key = ".".join(error.field.split(".")[:2])
                keys, titles = [key], FIELD_TITLES.get(key, key)
            else:
                keys = [key.strip() for key in error.field.split(",")]
                titles = ", ".join(FIELD_TITLES.get(key, key) for key in keys)
            self.message.setText(f"{titles}: {error.message}")
            self.message.setVisible(True)
            for key in keys:
                marked = self.widgets.get(key)
                if marked is not None:
                    palette = self.palette()
                    palette.setColor(QPalette.ColorRole.Base, look.tint(Severity.ERROR, palette, strength=0.35))
                    marked.setPalette(palette)
            if keys and keys[0] in self.widgets:
                self.widgets[keys[0]].setFocus()
            return
        except RecordError as error:
            self.message.setText(f"self-verification, tolerances, weighing policy: {error}")
            self.message.setVisible(True)
            return
        except OSError as error:
            self.message.setText(f"Cannot save {self.path}: {error.strerror or error}")
            self.message.setVisible(True)
            return
        self.saved = settings
        super().accept()


def edit_pharmacy_settings(
    current: PharmacySettings | None, path: Path, parent: QWidget | None, save_rules: Callable[[PharmacySettings], None] | None,
) -> PharmacySettings | None:
    """The settings dialog, modal: the settings saved, or None when cancelled (``Prompts.edit_pharmacy``)."""
    dialog = PharmacySettingsDialog(current, path, parent, save_rules=save_rules)
    return dialog.saved if dialog.exec() else None
