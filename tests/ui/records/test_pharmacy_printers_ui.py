"""Issue 26: the printers of this workstation, one per document kind, chosen once in the pharmacy
settings dialog and kept in the settings file; a bad choice is marked on its row."""

from __future__ import annotations

from compounder.settings import PrinterChoice, load_settings, settings_from_data
from tests.ui.conftest import SETTINGS


def test_printers_chosen_in_the_dialog_are_saved_per_document(qtbot, tmp_path):
    from compounder.ui.records.pharmacy_dialog import PharmacySettingsDialog

    path = tmp_path / "pharmacy.json"
    dialog = PharmacySettingsDialog(settings_from_data(SETTINGS), path)
    qtbot.add_widget(dialog)
    dialog.printer_combos["worksheet"].setCurrentText("Office_LaserJet")
    dialog.printer_combos["label"].setCurrentText("socket://127.0.0.1:9100")
    dialog.language_combos["label"].setCurrentIndex(dialog.language_combos["label"].findData("zpl 300"))  # a 300 dpi Zebra head
    dialog.accept()
    assert dialog.message.isHidden(), dialog.message.text()
    saved = load_settings(path)
    assert saved.printer_for("worksheet") == PrinterChoice("Office_LaserJet")
    assert saved.printer_for("label") == PrinterChoice("socket://127.0.0.1:9100", "zpl", 300)
    assert saved.printer_for("lot_label") is None  # asks in the print dialog

    again = PharmacySettingsDialog(saved, path)
    qtbot.add_widget(again)
    assert again.printer_combos["label"].currentText() == "socket://127.0.0.1:9100"
    assert again.language_combos["label"].currentText() == "ZPL (Zebra, 300 dpi)"


def test_a_network_printer_spoken_to_in_pdf_is_refused_on_its_row(qtbot, tmp_path):
    from compounder.ui.records.pharmacy_dialog import PharmacySettingsDialog

    path = tmp_path / "pharmacy.json"
    dialog = PharmacySettingsDialog(settings_from_data(SETTINGS), path)
    qtbot.add_widget(dialog)
    dialog.printer_combos["lot_label"].setCurrentText("socket://10.0.0.9:9100")  # language left at PDF
    dialog.accept()
    assert not path.exists()
    assert dialog.message.text().startswith("lot-label printer: a network printer spoken to directly takes ZPL")
