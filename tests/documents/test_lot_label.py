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


def test_the_labels_of_a_delivery_are_one_pdf_a_label_a_page():
    from compounder.documents.lot_label import lot_labels_pdf

    labels = [LotLabel(123, "Baclofen USP powder", "BAC-2291", "Medisca", dt.date(2027, 12, 31)),
              LotLabel(124, "ketamine hydrochloride", "K-1", "Medisca", dt.date(2028, 1, 31), "C-III")]
    pdf = lot_labels_pdf(labels)
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    try:
        assert len(document) == 2  # one label a page, each 57 × 32 mm = 161.6 × 90.7 pt
        assert [[round(v, 1) for v in document[i].get_size()] for i in range(2)] == [[161.6, 90.7], [161.6, 90.7]]
        first, second = (document[i].get_textpage().get_text_range() for i in range(2))
    finally:
        document.close()
    # 123 → CPL0000123 + check digit 6 (the single label's test); each page its own lot and code.
    assert "Lot BAC-2291 · Medisca" in first and "CPL00001236" in first and "K-1" not in first
    assert "C-III" in second and "Lot K-1 · Medisca" in second and "Expires 2028-01-31" in second and "BAC-2291" not in second
    assert lot_labels_pdf(labels) == pdf
