"""Issue 26 from the window: the printer chosen in the pharmacy settings prints at once (one key,
no dialog); the print dialog remains for a one-off printer, previews the document's own page and
hands the PDF itself to the CUPS queue. Through a real scheduler and cups-pdf (tests/cupsd.py)."""

from __future__ import annotations

import dataclasses
import subprocess

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from compounder.settings import PrinterChoice
from compounder.ui.common.print_dialog import PrintDialog
from compounder.ui.workbench.prompts import Prompts

pytestmark = pytest.mark.usefixtures("cups_spooler")


@pytest.fixture
def spooler(cups_spooler, monkeypatch):
    for key, value in cups_spooler.environment.items():
        monkeypatch.setenv(key, value)
    return cups_spooler


def label_of(window) -> bytes:
    """The window's formula and prescription as a patient label PDF (the workbench itself prints
    only the calculation sheet; a label comes from a batch in the records, on the same page)."""
    from compounder.documents.batch import label_pdf

    document = window.document
    return label_pdf(document.plan, document.order, window.catalog, document.plan.formula.compounded_on or document.today, window.pharmacy)


def page_size(path) -> str:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Page size"))


def test_the_worksheet_printer_of_the_settings_prints_without_a_dialog(rx_window, spooler, qtbot):
    queue = spooler.add_pdf_printer("office")
    rx_window.pharmacy = dataclasses.replace(rx_window.pharmacy, printers=(("worksheet", PrinterChoice(queue)),))
    prompts = Prompts(rx_window)
    prompts.pharmacy = lambda: rx_window.pharmacy
    pdf = rx_window.document_pdf("calculation")
    opened = []
    QTimer.singleShot(0, lambda: opened.extend(w for w in QApplication.topLevelWidgets() if isinstance(w, PrintDialog) and w.isVisible()))
    assert prompts.print_pdf("calculation sheet", pdf, "worksheet") is True
    qtbot.wait(1)
    assert opened == []  # no dialog
    assert queue in prompts.sent
    [printed] = spooler.printed(queue)
    assert page_size(printed).startswith("612 x 792 pts")  # the settings' Letter worksheet


def test_the_print_dialog_previews_the_labels_own_page_and_prints_it_there(rx_window, spooler, qtbot):
    queue = spooler.add_pdf_printer("labels")  # its PPD's default paper is A4
    pdf = label_of(rx_window)
    dialog = PrintDialog("label 261123-001", pdf, "label", [queue])
    qtbot.add_widget(dialog)
    # the preview's page is the label's: 4 × 2 in, not the printer's paper
    size = dialog.printer.pageLayout().fullRect().size()  # in points
    assert (round(size.width()), round(size.height())) == (288, 144)
    assert "4 × 2 in" in dialog.page_label.text()
    assert dialog.printer_combo.currentText() == queue
    dialog.copies.setValue(2)
    dialog.print_button.click()
    assert dialog.result() == PrintDialog.DialogCode.Accepted and queue in dialog.sent
    printed = spooler.printed(queue, 1)
    assert page_size(printed[0]).startswith("288 x 144 pts")


def test_a_printer_the_spooler_does_not_know_is_said_inline_and_the_dialog_stays(rx_window, spooler, qtbot):
    pdf = label_of(rx_window)
    dialog = PrintDialog("label 261123-001", pdf, "label", [])
    qtbot.add_widget(dialog)
    dialog.printer_combo.setCurrentText("no-such-printer")
    dialog.print_button.click()
    assert dialog.result() != PrintDialog.DialogCode.Accepted
    assert "no-such-printer" in dialog.message.text() and "nothing was printed" in dialog.message.text()
