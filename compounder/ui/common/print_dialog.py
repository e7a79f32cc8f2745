"""The print dialog for a one-off printer choice: the document's own pages in the preview (at
their size, never fitted to a printer's paper), the printer and the number of copies; Print hands
the PDF itself to the spooler (``compounder.printing``). A printer chosen in the pharmacy settings
for the document's kind prints without this dialog.
"""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from compounder.calc import Severity
from compounder.printing.deliver import MakeZpl
from compounder.printing.spool import Page, SpoolerError, pdf_page
from compounder.settings import PrinterChoice
from compounder.ui.common import look
from compounder.ui.common.pdf_print import paint_pdf, set_page_layout
from compounder.ui.common.print_on_menu import KIND_TITLES


def page_title(page: Page) -> str:
    """"4 × 2 in", "Letter (8.5 × 11 in)", "A4 (210 × 297 mm)"."""
    if page.media == "Letter":
        return "Letter (8.5 × 11 in)"
    if page.media == "A4":
        return "A4 (210 × 297 mm)"
    width, height = page.width / 72, page.height / 72
    if all(abs(side * 8 - round(side * 8)) < 0.01 for side in (width, height)):  # whole eighths of an inch: a US stock
        return f"{width:g} × {height:g} in"
    return f"{width * 25.4:.0f} × {height * 25.4:.0f} mm"


class PrintDialog(QDialog):
    """``exec()`` accepted once the job was handed to the spooler (``self.sent`` says where)."""

    def __init__(
        self, title: str, pdf: bytes, kind: str, printers: list[str], chosen: PrinterChoice | None = None,
        zpl: MakeZpl | None = None, parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Print preview — {title}")
        self.setObjectName("printDialog")
        self._title, self._pdf, self._zpl, self._kind = title, pdf, zpl, kind
        self.sent = ""
        layout = QVBoxLayout(self)
        self.page = pdf_page(pdf)
        self.printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        self.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # the preview only: nothing is printed through Qt
        set_page_layout(self.printer, pdf)
        self.preview = QPrintPreviewWidget(self.printer, self)
        self.preview.paintRequested.connect(lambda target: paint_pdf(pdf, target))
        self.preview.setMinimumSize(520, 360)
        layout.addWidget(self.preview, 1)
        self.page_label = QLabel(
            f"Page: {page_title(self.page)}, the {KIND_TITLES.get(kind, kind)}'s own; printed at this size, never fitted to the printer's paper.",
            self,
        )
        self.page_label.setObjectName("page")
        self.page_label.setWordWrap(True)
        layout.addWidget(self.page_label)
        form = QFormLayout()
        self.printer_combo = QComboBox(self)
        self.printer_combo.setObjectName("printer")
        self.printer_combo.setEditable(True)  # a queue the spooler does not list yet (a network printer) can be typed
        names = list(printers)
        if chosen is not None and chosen.printer not in names:
            names.insert(0, chosen.printer)
        self.printer_combo.addItems(names)
        if chosen is not None:
            self.printer_combo.setCurrentText(chosen.printer)
        self._chosen = chosen
        self.copies = QSpinBox(self)
        self.copies.setObjectName("copies")
        self.copies.setRange(1, 99)
        form.addRow("Printer:", self.printer_combo)
        form.addRow("Copies:", self.copies)
        layout.addLayout(form)
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        palette = self.message.palette()
        palette.setColor(QPalette.ColorRole.WindowText, look.hue(Severity.ERROR))
        self.message.setPalette(palette)
        self.message.setVisible(not names)
        if not names:
            self.message.setText("The print spooler lists no printer: add one in the system's printer settings, or type its CUPS name.")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.print_button = buttons.addButton("&Print", QDialogButtonBox.ButtonRole.AcceptRole)
        self.print_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 640)

    def choice(self) -> PrinterChoice | None:
        name = self.printer_combo.currentText().strip()
        if not name:
            return None
        if self._chosen is not None and name == self._chosen.printer:
            return self._chosen  # the settings' choice keeps its language (ZPL)
        return PrinterChoice(name)

    def accept(self) -> None:
        from compounder.printing.deliver import send_document

        choice = self.choice()
        if choice is None:
            self.message.setText("Choose the printer to print on.")
            self.message.setVisible(True)
            return
        try:
            self.sent = send_document(choice, self._title, self._pdf, self._zpl, self.copies.value())
        except SpoolerError as error:
            self.message.setText(str(error))
            self.message.setVisible(True)
            return
        super().accept()
