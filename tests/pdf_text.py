"""The text of a PDF, as the tests read it: one helper, PDFium's text layer (pypdfium2, which the
program itself uses for print preview), with runs of white space folded to one space so that a
phrase wrapped in a table cell still matches."""

from __future__ import annotations

import pypdfium2


def pages_text(pdf: bytes) -> list[str]:
    """The text of each page, white space folded."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [" ".join(page.get_textpage().get_text_range().split()) for page in document]
    finally:
        document.close()


def pdf_text(pdf: bytes) -> str:
    """Every page's text in one string, pages joined by a space."""
    return " ".join(pages_text(pdf))
