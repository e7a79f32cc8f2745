"""The worksheet and label from the window: the same PDFs as the command line, refused while the
batch may not be printed; the prescription fields; the pharmacy settings; the print preview."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtTest import QTest

from compounder.settings import load_settings
from tests.documents.helpers import five_active_formula, pharmacy
from tests.pdf_text import pdf_text
from tests.ui.conftest import type_into_field

EXAMPLE_RX = Path(__file__).parents[3] / "examples" / "diclofenac-cyclobenzaprine-lidocaine-rx.json"


@pytest.fixture
def RX_EXAMPLE(tmp_path) -> Path:
    """The example prescription, for a patient of 48 (the example's, born 1948, is 78: the Beers
    warning for cyclobenzaprine) and 40 g with no refills: at 1 g three times a day 40 / 3 = 13.3
    days, inside the 14-day beyond-use date and cyclobenzaprine's 21 days (the example's 120 g with
    2 refills lasts 40 days per fill, 120 in all: SUPPLY_BEYOND_BUD and CYCLOBENZAPRINE_LONG_SUPPLY)."""
    import json

    data = json.loads(EXAMPLE_RX.read_text(encoding="utf-8"))
    data["prescription"].update({"date_of_birth": "1978-03-02", "quantity": "40 g", "refills": 0})
    path = tmp_path / "rx.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def rx_window(window, RX_EXAMPLE):
    window.pharmacy = pharmacy()
    assert window.open_file(RX_EXAMPLE)
    return window


def test_export_the_worksheet_and_the_label(rx_window, prompts, tmp_path):
    worksheet, label = tmp_path / "worksheet.pdf", tmp_path / "label.pdf"
    prompts.paths = [worksheet]
    rx_window.export_worksheet_action.trigger()
    prompts.paths = [label]
    rx_window.export_label_action.trigger()
    assert prompts.errors == []
    text = pdf_text(worksheet.read_bytes())
    for expected in ("Jane Doe", "RX-104233", "Dr. A. Smith", "261123-001", "Main Street Compounding Pharmacy"):
        assert expected in text
    # diclofenac sodium 3 % of 120 g = 3.600 g; lidocaine 6 g as the HCl monohydrate at 99.5 % = 7.432 g; base to 120.000 g
    assert f"{120 * 0.03:.3f}" == "3.600" and "3.600 g" in text
    assert f"{6 * 288.81 / 234.34 / 0.995:.3f}" == "7.432" and "7.432 g" in text
    assert "120.000 g" in text
    label_text = pdf_text(label.read_bytes())
    for expected in ("Jane Doe", "RX-104233", "Diclofenac sodium 3 %", "lidocaine 5 %", "40 g", "Compounded preparation"):
        assert expected in label_text
    # a Topi-CLICK click is 0.25 mL of a 1.0 g/mL cream: diclofenac sodium 3 % = 7.5 mg a click
    assert "7.5 mg" in label_text


def test_print_shows_the_pdf_in_the_preview(rx_window, prompts):
    assert rx_window.print_label()
    title, pdf = prompts.printed[-1]
    assert "261123-001" in title and "Jane Doe" in pdf_text(pdf)


def test_printing_is_refused_while_an_error_stands(rx_window, prompts, tmp_path):
    rx_window.document.set_cell(0, "expires", "2026-01-31")  # an expired lot: an error finding
    assert rx_window.document.has_errors
    for action in (rx_window.print_action, rx_window.print_label_action, rx_window.export_worksheet_action, rx_window.export_label_action):
        assert not action.isEnabled()
    assert rx_window.print_worksheet() is False and rx_window.export_label(tmp_path / "label.pdf") is False
    assert prompts.printed == [] and not (tmp_path / "label.pdf").exists()
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


def test_a_sheet_of_labels_asks_which_label_to_print_on(rx_window, prompts, tmp_path):
    """On a part-used Avery 5163 sheet (2 columns × 5 rows of 4 × 2 in labels) the pharmacist
    picks the label; position 4 is row 2, column 2."""
    from tests.documents.helpers import text_origins

    rx_window.pharmacy = pharmacy(label_stock="avery-5163")
    prompts.label_positions = [4, None]
    assert rx_window.export_label(tmp_path / "label.pdf")
    assert [stock.key for stock in prompts.label_stocks_asked] == ["avery-5163"]
    # Label 4's box: x from 0.15625 + 4 + 0.1875 = 4.34375 in; the 2 in rows start 0.5 in from
    # the top of an 11 in page, so row 2 spans 11 − 0.5 − 4 = 6.5 in up to 8.5 in.
    origins = text_origins((tmp_path / "label.pdf").read_bytes())
    xs, ys = [x / 72 for _, x, _ in origins], [y / 72 for _, _, y in origins]
    assert min(xs) >= 4.34375 and max(xs) < 8.5
    assert 6.5 <= min(ys) and max(ys) <= 8.5
    # Cancelling the question prints nothing.
    assert not rx_window.export_label(tmp_path / "second.pdf") and not (tmp_path / "second.pdf").exists()


def test_a_label_that_does_not_fit_its_stock_is_refused_before_printing(window, prompts, tmp_path):
    window.pharmacy = pharmacy(label_stock="thermal-3x2")
    window.document.load(five_active_formula())
    prompts.acknowledge_as = "J. Kim, RPh"
    assert not window.print_label()
    assert prompts.printed == []
    title, message = prompts.errors[-1]
    assert title == "The label does not fit"
    assert "3 × 2 in thermal label" in message and "Nothing was printed" in message
    assert not window.export_label(tmp_path / "label.pdf") and not (tmp_path / "label.pdf").exists()


def test_missing_prescription_fields_are_named(window, prompts):
    window.pharmacy = pharmacy()
    window.open_file(Path(__file__).parents[3] / "examples" / "diclofenac-cyclobenzaprine-lidocaine.json")
    assert not window.print_label()
    message = prompts.errors[-1][1]
    for name in ("batch number", "patient", "Rx number", "prescriber", "directions on the label", "quantity to dispense", "refills"):
        assert name in message
    assert window.prescription_dialog is not None and window.prescription_dialog.isVisible()


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
    assert rx_window.document.order is None and not rx_window.print_label()
    rx_window.document.undo_stack.undo()
    type_into_field(dialog.fields["prescription.date_of_birth"], "1978-03-02")
    assert not dialog.messages["prescription.date_of_birth"].isVisible()
    assert rx_window.document.order is not None


def test_the_prescription_is_saved_with_the_formula(window, prompts, tmp_path, qtbot):
    dialog = window.edit_prescription()
    qtbot.waitExposed(dialog)
    type_into_field(dialog.fields["prescription.patient"], "John Roe")
    type_into_field(dialog.fields["prescription.refills"], "3")
    type_into_field(dialog.fields["batch_number"], "261123-002")
    saved = tmp_path / "rx.json"
    prompts.paths = [saved]
    assert window.save_as_file()
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["prescription"] == {"patient": "John Roe", "refills": 3} and data["batch_number"] == "261123-002"


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


@pytest.mark.parametrize("kind", ["worksheet", "label"])
def test_the_pdf_pages_are_painted_onto_the_printer_at_their_size(rx_window, tmp_path, kind):
    from compounder.ui.common.pdf_print import page_sizes, paint_pdf, set_page_layout

    pdf = rx_window.document_pdf(kind)
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

    pdf = rx_window.document_pdf("worksheet")
    QTimer.singleShot(200, look_and_close)
    assert Prompts(rx_window).print_pdf("worksheet", pdf) is False  # closed without printing
    assert painted == [len(PdfReader(io.BytesIO(pdf)).pages)]
