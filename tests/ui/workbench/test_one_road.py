"""Issue 28, observation 2 (the window): the workbench prints a calculation sheet only — no batch
number typed or printed, no patient label; a worksheet and label with a batch number come from a
batch in the records."""

from __future__ import annotations

from compounder.ui.workbench.prescription_dialog import PrescriptionDialog
from tests.pdf_text import pdf_text


def test_the_workbench_prints_a_calculation_sheet_without_the_files_batch_number(rx_window, prompts, tmp_path):
    assert rx_window.document.to_data().get("batch_number") == "261123-001"  # the example file types one
    sheet = tmp_path / "sheet.pdf"
    assert rx_window.export_worksheet(sheet)
    text = pdf_text(sheet.read_bytes())
    assert "CALCULATION SHEET" in text and "NOT A COMPOUNDING RECORD" in text
    assert "261123-001" not in text and "Jane Doe" not in text and "Signatures" not in text
    # lidocaine 5 % of 120 g = 6 g base, as the HCl monohydrate at 99.5 %: 6 × 288.81 / 234.34 / 0.995 = 7.432 g
    assert "7.432 g" in text


def test_the_workbench_has_no_label_and_no_batch_number_field(rx_window, qtbot):
    titles = {action.text().replace("&", "") for action in rx_window.findChildren(type(rx_window.print_action))}
    assert not any("label" in title.lower() for title in titles if "Print" in title or "Export" in title)
    dialog = rx_window.edit_prescription()
    assert isinstance(dialog, PrescriptionDialog) and "batch_number" not in dialog.fields
