"""The calculation sheet from the window (the workbench has no batch: no worksheet with a batch
number, no label; issue 28): the same PDF as `compounder worksheet FILE`, refused while the formula
may not be printed; the prescription fields; the pharmacy settings; the print preview."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtTest import QTest

from compounder.settings import load_settings
from tests.documents.helpers import pharmacy
from tests.pdf_text import pdf_text
from tests.ui.conftest import type_into_field


def test_export_the_calculation_sheet(rx_window, prompts, tmp_path):
    sheet = tmp_path / "sheet.pdf"
    prompts.paths = [sheet]
    rx_window.export_worksheet_action.trigger()
    assert prompts.errors == []
    text = pdf_text(sheet.read_bytes())
    assert "Main Street Compounding Pharmacy" in text and "NOT A COMPOUNDING RECORD" in text
    for absent in ("Jane Doe", "RX-104233", "Dr. A. Smith", "261123-001"):  # no record's identifiers
        assert absent not in text
    # diclofenac sodium 3 % of 120 g = 3.600 g; lidocaine 6 g as the HCl monohydrate at 99.5 % = 7.432 g; base to 120.000 g
    assert f"{120 * 0.03:.3f}" == "3.600" and "3.600 g" in text
    assert f"{6 * 288.81 / 234.34 / 0.995:.3f}" == "7.432" and "7.432 g" in text
    assert "120.000 g" in text


def test_print_shows_the_pdf_in_the_preview(rx_window, prompts):
    assert rx_window.print_worksheet()
    title, pdf = prompts.printed[-1]
    assert title.startswith("calculation sheet") and "261123-001" not in title and "NOT A COMPOUNDING RECORD" in pdf_text(pdf)


def test_printing_is_refused_while_an_error_stands(rx_window, prompts, tmp_path):
    rx_window.document.set_cell(0, "expires", "2026-01-31")  # an expired lot: an error finding
    assert rx_window.document.has_errors
    for action in (rx_window.print_action, rx_window.export_worksheet_action):
        assert not action.isEnabled()
    assert rx_window.print_worksheet() is False and rx_window.export_worksheet(tmp_path / "sheet.pdf") is False
    assert prompts.printed == [] and not (tmp_path / "sheet.pdf").exists()
    assert "errors" in prompts.errors[-1][1]


def test_an_unacknowledged_warning_blocks_printing_until_a_pharmacist_acknowledges_it(rx_window, prompts, tmp_path):
    rx_window.document.insert_row(0, {"ingredient": "ketoprofen", "strength": "10 %"})
    rx_window.document.set_cell(1, "ingredient", "ibuprofen")  # two NSAIDs: the DUPLICATE_NSAID warning
    rx_window.document.set_header("name", "Two NSAIDs in Lipoderm (test)")  # the example's name no longer says what it holds
    assert not rx_window.document.has_errors
    assert rx_window.print_worksheet() is False  # the pharmacist closed the acknowledgement dialog
    codes = [f.code for f in prompts.warnings_asked[-1]]
    assert "DUPLICATE_NSAID" in codes and prompts.printed == []

    prompts.acknowledgements = [[{"code": code, "by": "J. Kim, RPh", "reason": "prescriber confirmed"} for code in codes]]
    out = tmp_path / "worksheet.pdf"
    assert rx_window.export_worksheet(out)
    assert "J. Kim, RPh" in pdf_text(out.read_bytes())
    # kept in the formula file, and undoable like any edit
    assert rx_window.document.to_data()["acknowledged"][0]["by"] == "J. Kim, RPh"
    rx_window.document.undo_stack.undo()
    assert "acknowledged" not in rx_window.document.to_data()


def test_a_stale_acknowledgement_is_removed_only_when_the_pharmacist_agrees(rx_window, prompts, tmp_path):
    rx_window.document.set_extra("acknowledged", [{"code": "DUPLICATE_NSAID", "by": "J. Kim", "reason": "r"}], "ack")
    prompts.confirms = [False]
    assert not rx_window.export_worksheet(tmp_path / "a.pdf")
    prompts.confirms = [True]
    assert rx_window.export_worksheet(tmp_path / "a.pdf")
    assert "acknowledged" not in rx_window.document.to_data()


def test_a_label_or_worksheet_with_a_batch_number_is_refused_naming_the_records(rx_window, prompts):
    for kind in ("label", "worksheet"):
        assert rx_window.document_pdf(kind) is None
        assert "Make batch in records" in prompts.errors[-1][1]
    assert prompts.printed == []


def test_a_formula_without_a_prescription_prints_its_calculation_sheet(window, prompts):
    window.pharmacy = pharmacy()
    window.open_file(Path(__file__).parents[3] / "examples" / "diclofenac-cyclobenzaprine-lidocaine.json")
    assert window.print_worksheet(), prompts.errors


def test_no_pharmacy_settings_asks_for_them(window, prompts, RX_EXAMPLE):
    window.open_file(RX_EXAMPLE)
    assert window.pharmacy is None
    assert not window.print_worksheet()
    assert "pharmacy" in prompts.errors[-1][1]
    prompts.pharmacy = [pharmacy()]
    assert window.print_worksheet()


# ------------------------------------------------------------------ the prescription dialog


def test_prescription_fields_are_checked_inline_and_undoable(rx_window, qtbot):
    dialog = rx_window.edit_prescription()
    qtbot.waitExposed(dialog)
    assert dialog.fields["prescription.patient"].text() == "Jane Doe"
    type_into_field(dialog.fields["prescription.date_of_birth"], "03/02/1948")
    assert dialog.isVisible()  # Enter commits the field and leaves the dialog open
    message = dialog.messages["prescription.date_of_birth"]
    assert message.isVisible() and message.text().startswith("date of birth:") and "YYYY-MM-DD" in message.text()
    # a date refused stays as typed in its field; the prescription keeps the date it had
    assert dialog.fields["prescription.date_of_birth"].text() == "03/02/1948"
    assert rx_window.document.header("prescription.date_of_birth") == "1978-03-02"
    type_into_field(dialog.fields["prescription.refills"], "two")
    assert "refills" in dialog.messages["prescription.refills"].text()
    assert dialog.fields["prescription.date_of_birth"].text() == "03/02/1948" and message.isVisible()
    assert rx_window.document.order is None and not rx_window.print_worksheet()
    rx_window.document.undo_stack.undo()
    type_into_field(dialog.fields["prescription.date_of_birth"], "1978-03-02")
    assert not dialog.messages["prescription.date_of_birth"].isVisible()
    assert rx_window.document.order is not None


def test_the_prescription_is_saved_with_the_formula(window, prompts, tmp_path, qtbot):
    dialog = window.edit_prescription()
    qtbot.waitExposed(dialog)
    type_into_field(dialog.fields["prescription.patient"], "John Roe")
    type_into_field(dialog.fields["prescription.refills"], "3")
    saved = tmp_path / "rx.json"
    prompts.paths = [saved]
    assert window.save_as_file()
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["prescription"] == {"patient": "John Roe", "refills": 3} and "batch_number" not in data


def test_opening_and_saving_keeps_the_prescription_as_it_was(rx_window, prompts, tmp_path, RX_EXAMPLE):
    saved = tmp_path / "copy.json"
    prompts.paths = [saved]
    assert rx_window.save_as_file()
    original = json.loads(RX_EXAMPLE.read_text(encoding="utf-8"))
    assert json.loads(saved.read_text(encoding="utf-8"))["prescription"] == original["prescription"]


def test_the_library_keeps_no_patient(rx_window, prompts, library):
    prompts.names = ["Diclofenac triple, Rx copy"]
    assert rx_window.save_to_library()
    entry = library.get(rx_window.source.entry_id)
    assert "prescription" not in entry.data and "batch_number" not in entry.data


# ------------------------------------------------------------------ acknowledgement dialog


# The acknowledgement dialog (a pharmacist's sign-in, reasons, overrides) is tested in
# tests/ui/records/test_patient_screening_ui.py.


# ------------------------------------------------------------------ pharmacy settings dialog


def test_pharmacy_settings_dialog_round_trip(qtbot, tmp_path):
    from compounder.ui.records.pharmacy_dialog import PharmacySettingsDialog

    path = tmp_path / "settings" / "pharmacy.json"
    dialog = PharmacySettingsDialog(None, path)
    qtbot.addWidget(dialog)
    dialog.show()
    QTest.keyClicks(dialog.name_edit, "Elm Street Pharmacy")
    dialog.address_edit.setPlainText("1 Elm Street\nShelbyville, IL 62565")
    QTest.keyClicks(dialog.phone_edit, "(217) 555-0100")
    dialog.stock_combo.setCurrentIndex(dialog.stock_combo.findData("avery-5163"))
    dialog.paper_combo.setCurrentIndex(dialog.paper_combo.findData("a4"))
    QTest.keyClicks(dialog.tolerance_edit, "abc")
    dialog.accept()
    assert dialog.isVisible() and not path.exists()
    assert dialog.message.text().startswith("licence: missing")
    QTest.keyClicks(dialog.licence_edit, "IL 054-000001")
    dialog.accept()
    assert dialog.isVisible() and "final-weight tolerance" in dialog.message.text()
    dialog.tolerance_edit.setText("3 %")
    dialog.accept()
    assert not dialog.isVisible()
    saved = load_settings(path)
    assert saved == dialog.saved
    assert (saved.name, saved.address, saved.label_stock, saved.worksheet_paper) == (
        "Elm Street Pharmacy", ("1 Elm Street", "Shelbyville, IL 62565"), "avery-5163", "a4")
    assert saved.final_weight_tolerance.to("percent").magnitude == pytest.approx(3)

    again = PharmacySettingsDialog(saved, path)  # opens with what was saved
    qtbot.addWidget(again)
    assert again.data() == {**again.data(), "name": "Elm Street Pharmacy", "licence": "IL 054-000001", "label_stock": "avery-5163",
                            "worksheet_paper": "a4", "final_weight_tolerance": "3 %"}


def test_saved_settings_are_used_by_the_window(window, prompts):
    prompts.pharmacy = [pharmacy(name="Elm Street Pharmacy")]
    assert window.edit_pharmacy_settings()
    assert window.pharmacy.name == "Elm Street Pharmacy"


# ------------------------------------------------------------------ print preview painting


def test_the_pdf_pages_are_painted_onto_the_printer_at_their_size(rx_window, tmp_path):
    from compounder.ui.common.pdf_print import page_sizes, paint_pdf, set_page_layout

    pdf = rx_window.document_pdf()
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    set_page_layout(printer, pdf)
    assert paint_pdf(pdf, printer) == len(page_sizes(pdf))
    printed = PdfReader(io.BytesIO(out.read_bytes()))
    source = PdfReader(io.BytesIO(pdf))
    assert len(printed.pages) == len(source.pages)
    for mine, theirs in zip(printed.pages, source.pages, strict=False):
        assert float(mine.mediabox.width) == pytest.approx(float(theirs.mediabox.width), abs=1)
        assert float(mine.mediabox.height) == pytest.approx(float(theirs.mediabox.height), abs=1)


def test_the_preview_dialog_renders_pages(rx_window, qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtPrintSupport import QPrintPreviewWidget
    from PySide6.QtWidgets import QApplication

    from compounder.ui.workbench.prompts import Prompts

    painted = []

    def look_and_close():
        dialog = next(w for w in QApplication.topLevelWidgets() if w.isVisible() and w.windowTitle().startswith("Print preview"))
        painted.append(dialog.findChild(QPrintPreviewWidget).pageCount())
        dialog.reject()

    pdf = rx_window.document_pdf()
    QTimer.singleShot(200, look_and_close)
    assert Prompts(rx_window).print_pdf("worksheet", pdf) is False  # closed without printing
    assert painted == [len(PdfReader(io.BytesIO(pdf)).pages)]
