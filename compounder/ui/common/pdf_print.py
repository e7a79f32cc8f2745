"""Printing PDF bytes from the window: the same worksheet and label the command line writes.

Qt's PySide6-Essentials has no PDF reader (QtPdf is in the Addons), so the pages are rendered by
PDFium through ``pypdfium2`` (the engine QtPdf itself wraps) into images at the printer's
resolution, and painted onto the ``QPrinter``, page by page, at the PDF's own page size with no
margins: the layout, fonts and barcodes are the PDF's, nothing is laid out again here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter

POINTS_PER_INCH = 72.0
MAX_DPI = 600  # a Letter page at 600 dpi in grey is 34 MB; more gives nothing a printer shows


@dataclass(frozen=True)
class PdfPage:
    width: float  # in points
    height: float


def page_sizes(pdf: bytes) -> list[PdfPage]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return [PdfPage(*document.get_page_size(index)) for index in range(len(document))]
    finally:
        document.close()


def page_images(pdf: bytes, dpi: float) -> Iterator[QImage]:
    """Each page as a greyscale image at ``dpi`` (one page in memory at a time)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            page = document[index]
            try:
                bitmap = page.render(scale=dpi / POINTS_PER_INCH, grayscale=True)
                try:
                    # copy(): own the pixels before PDFium frees its bitmap
                    image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_Grayscale8).copy()
                finally:
                    bitmap.close()
            finally:
                page.close()
            yield image
    finally:
        document.close()


def set_page_layout(printer: QPrinter, pdf: bytes) -> None:
    """The printer's paper: the PDF's first page size (a label's, or Letter / A4), no margins."""
    first = page_sizes(pdf)[0]
    size = QPageSize(QSizeF(first.width, first.height), QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
    printer.setFullPage(True)
    # Portrait keeps the size as given (a 4 × 2 in label stays 4 in wide); Landscape would swap it.
    printer.setPageLayout(QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))


def paint_pdf(pdf: bytes, printer: QPrinter) -> int:
    """Paint every page of ``pdf`` onto ``printer``; returns the number of pages painted."""
    dpi = min(float(printer.resolution()), MAX_DPI)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be opened")
    count = 0
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for image in page_images(pdf, dpi):
            if count:
                printer.newPage()
            target = QRectF(printer.paperRect(QPrinter.Unit.DevicePixel))
            target.moveTo(0, 0)
            painter.drawImage(target, image)
            count += 1
    finally:
        painter.end()
    return count
