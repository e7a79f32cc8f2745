"""The pharmacy's lot label: the Code 128 carries the scan code of the lot record."""

from __future__ import annotations

import datetime as dt
import io

import pypdfium2

from compounder.calc.scan import parse_scan
from compounder.documents.common import barcode, barcode_modules
from compounder.documents.lot_label import (
    MARGIN,
    MIN_BAR,
    WIDTH,
    LotLabel,
    lot_label_pdf,
)
from tests.pdf_text import pdf_text


def test_the_lot_label_prints_the_lot_and_its_scan_code():
    label = LotLabel(123, "Baclofen USP powder", "BAC-2291", "Medisca", dt.date(2027, 12, 31))
    pdf = lot_label_pdf(label)
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    try:
        # 57 × 32 mm = 161.6 × 90.7 pt
        assert [round(v, 1) for v in document[0].get_size()] == [161.6, 90.7]
    finally:
        document.close()
    text = pdf_text(pdf)
    assert "Baclofen USP powder" in text and "Lot BAC-2291 · Medisca" in text and "Expires 2027-12-31" in text
    assert "CPL00001236" in text
    assert parse_scan(label.code).lot_id == 123  # what the station reads back
    assert barcode(label.code, 1, 10).value == "CPL00001236"
    assert (WIDTH - 2 * MARGIN) / barcode_modules(label.code) >= MIN_BAR
    assert lot_label_pdf(label) == pdf  # the same inputs give the same bytes
