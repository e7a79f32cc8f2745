"""Issue 26: the label in ZPL for a Zebra printer the pharmacy chose, parsed back (fields, barcode
data, label size), and received by a raw TCP listener on loopback as a network Zebra's port 9100
receives it: sent directly, and through a raw CUPS queue."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import socket
import threading

import pytest

from compounder.calc.label_stock import LABEL_STOCKS
from compounder.documents.batch import label_zpl
from compounder.documents.label import LabelOverflow
from compounder.documents.lot_label import LotLabel
from compounder.documents.zpl import ZplRefused, lot_label_zpl
from compounder.printing.deliver import send_document
from compounder.printing.spool import SpoolerError
from compounder.settings import PrinterChoice
from tests.documents.helpers import evaluated, issue_formula, pharmacy


def parse_zpl(data: bytes) -> dict:
    """The label's size, its text fields in order and its Code 128 data, read back from the ZPL."""
    text = data.decode("utf-8")
    assert text.startswith("^XA") and text.rstrip().endswith("^XZ") and "^CI28" in text
    width = int(re.search(r"\^PW(\d+)", text).group(1))
    length = int(re.search(r"\^LL(\d+)", text).group(1))
    barcodes = re.findall(r"\^BC[^\^]*\^FD([^\^]*)\^FS", text)
    fields = [
        (int(x), int(y), int(h), int(box), value)
        for x, y, h, box, value in re.findall(r"\^FO(\d+),(\d+)\^A0N,(\d+),\d+\^FB(\d+),1,0,[LC],0\^FD([^\^]*)\^FS", text)
    ]
    return {"width": width, "length": length, "barcodes": barcodes, "fields": fields}


def the_label(catalog, dpi=203, **changes):
    plan, order, on = evaluated(catalog, issue_formula(**changes))
    return label_zpl(plan, order, catalog, on, pharmacy(), LABEL_STOCKS["thermal-4x2"], dpi)


def test_the_label_as_zpl_reads_back_its_size_text_and_barcode(catalog):
    label = parse_zpl(the_label(catalog))
    assert (label["width"], label["length"]) == (812, 406)  # 4 in × 203 dpi = 812 dots, 2 in × 203 = 406
    assert label["barcodes"] == ["RX-104233"]
    text = " ".join(value for *_, value in label["fields"])
    for expected in ("Main Street Compounding Pharmacy", "Jane Doe", "Rx RX-104233", "Apply 1 g (4 clicks) to the lower back",
                     "Use by 2026-12-06", "Lot 261123-001"):
        assert expected in text
    # every line inside the label: x + its box ≤ 812, y + its height ≤ 406, and no two lines on one another
    for x, y, height, box, _value in label["fields"]:
        assert x + box <= 812 and y + height <= 406
    tops = sorted((y, y + h) for _x, y, h, _box, _v in label["fields"])
    assert all(below[0] >= above[1] for above, below in zip(tops, tops[1:], strict=False))


def test_a_character_the_zebra_font_cannot_draw_is_refused_naming_the_field(catalog):
    data = issue_formula()
    data["prescription"] = {**data["prescription"], "patient": "王小明"}
    with pytest.raises(ZplRefused) as refused:
        the_label(catalog, prescription=data["prescription"])
    assert refused.value.field == "prescription.patient"


def test_directions_too_long_for_the_zebra_label_are_refused(catalog):
    data = issue_formula()
    data["prescription"] = {**data["prescription"], "directions": "Apply a thin layer to the affected area " * 12}
    with pytest.raises(LabelOverflow):
        the_label(catalog, prescription=data["prescription"])


def test_the_lot_label_as_zpl():
    label = parse_zpl(lot_label_zpl(LotLabel(123, "Baclofen USP powder", "BAC-2291", "Medisca", dt.date(2027, 12, 31), "C-IV")))
    assert (label["width"], label["length"]) == (456, 256)  # 57 mm / 25.4 × 203 = 455.6; 32 mm = 255.7 dots
    assert label["barcodes"] == ["CPL00001236"]
    assert [value for *_, value in label["fields"]][:3] == ["C-IV Baclofen USP powder", "Lot BAC-2291 · Medisca", "Expires 2027-12-31"]


class Listener:
    """A raw TCP port on loopback that keeps what each connection sent, as a Zebra's port 9100."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.done = threading.Semaphore(0)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                chunks = []
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
            self.received.append(b"".join(chunks))
            self.done.release()

    def wait(self, count: int) -> list[bytes]:
        for _ in range(count):
            assert self.done.acquire(timeout=120), "the printer's port received nothing"
        return self.received

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def zebra():
    listener = Listener()
    yield listener
    listener.close()


def test_the_label_reaches_a_network_zebra_on_its_raw_port(catalog, zebra):
    zpl = the_label(catalog)
    said = send_document(PrinterChoice(f"socket://127.0.0.1:{zebra.port}", "zpl"), "Label RX-104233", b"%PDF", lambda _dpi: zpl)
    assert said == f"sent to socket://127.0.0.1:{zebra.port} (ZPL)"
    [received] = zebra.wait(1)
    assert received == zpl and parse_zpl(received)["barcodes"] == ["RX-104233"]


def test_the_label_reaches_the_zebra_through_a_raw_cups_queue_unchanged(catalog, zebra, cups_spooler, monkeypatch):
    for key, value in cups_spooler.environment.items():
        monkeypatch.setenv(key, value)
    queue = cups_spooler.add_raw_printer("zebra", f"127.0.0.1:{zebra.port}")
    zpl = the_label(catalog)
    send_document(PrinterChoice(queue, "zpl"), "Label RX-104233", b"%PDF", lambda _dpi: zpl)
    [received] = zebra.wait(1)
    assert received == zpl  # raw: no filter touched it


def test_a_zebra_that_does_not_answer_is_said_in_one_line(catalog):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, not listening: the connection is refused
        with pytest.raises(SpoolerError) as refused:
            send_document(PrinterChoice(f"socket://127.0.0.1:{port}", "zpl"), "Label", b"%PDF", lambda _dpi: b"^XA^XZ")
    assert "nothing was printed" in str(refused.value) and "\n" not in str(refused.value)


def test_a_label_stock_on_sheets_has_no_zpl(catalog):
    plan, order, on = evaluated(catalog, issue_formula())
    with pytest.raises(ZplRefused) as refused:
        label_zpl(plan, order, catalog, on, dataclasses.replace(pharmacy(), label_stock="avery-5163"))
    assert refused.value.field == "label_stock"


def test_a_300_dpi_zebra_gets_the_same_label_in_its_own_dots(catalog):
    """A 300 dpi head has 12 dots/mm, 1.5 × the 203 dpi head's 8: the label made in 203 dpi dots
    printed there would come out two thirds of its size."""
    at_203, at_300 = parse_zpl(the_label(catalog)), parse_zpl(the_label(catalog, dpi=300))
    # 4 in × 25.4 mm × 12 dots/mm = 1219.2 → 1219 dots; 2 in = 609.6 → 609 (never past the edge)
    assert (at_300["width"], at_300["length"]) == (1219, 609)
    # the same words (a line may break a word earlier: 25 dots × 1.5 = 37.5 rounds to 38)
    assert " ".join(value for *_, value in at_300["fields"]).split() == " ".join(value for *_, value in at_203["fields"]).split()
    assert {h for _x, _y, h, _b, _v in at_300["fields"]} == {round(h * 1.5) for _x, _y, h, _b, _v in at_203["fields"]}
    for x3, y3, h3, box3, _ in at_300["fields"]:
        assert x3 + box3 <= 1219 and y3 + h3 <= 609
    tops = sorted((y, y + h) for _x, y, h, _box, _v in at_300["fields"])
    assert all(below[0] >= above[1] for above, below in zip(tops, tops[1:], strict=False))
    assert "^BY3^BC" in the_label(catalog, dpi=300).decode()  # 3 dots at 12/mm: the same 0.25 mm bar as 2 dots at 8/mm


def test_the_lot_label_at_300_dpi():
    label = parse_zpl(lot_label_zpl(LotLabel(123, "Baclofen USP powder", "BAC-2291", "Medisca", dt.date(2027, 12, 31), "C-IV"), 300))
    assert (label["width"], label["length"]) == (684, 384)  # 57 mm × 12 dots/mm = 684; 32 mm × 12 = 384
    assert [h for _x, _y, h, _box, _v in label["fields"]][:3] == [33, 27, 27]  # 22 and 18 dots at 8/mm, × 1.5
    assert label["barcodes"] == ["CPL00001236"]


def test_an_unknown_printhead_resolution_is_refused():
    with pytest.raises(ZplRefused) as refused:
        lot_label_zpl(LotLabel(123, "Baclofen USP powder", "BAC-2291", "Medisca", dt.date(2027, 12, 31), None), 250)
    assert refused.value.field == "dpi"


def test_the_zpl_is_made_at_the_chosen_printers_resolution(zebra):
    asked = []
    send_document(PrinterChoice(f"socket://127.0.0.1:{zebra.port}", "zpl", 300), "Lot label", b"%PDF", lambda dpi: asked.append(dpi) or b"^XA^XZ")
    zebra.wait(1)
    assert asked == [300]


def test_the_labels_of_a_delivery_are_one_zpl_job_a_format_each():
    from compounder.documents.zpl import lot_labels_zpl

    labels = [LotLabel(123, "Baclofen USP powder", "BAC-2291", "Medisca", dt.date(2027, 12, 31), "C-IV"),
              LotLabel(124, "Lipoderm", "LD-1", "PCCA", dt.date(2027, 6, 30))]
    data = lot_labels_zpl(labels)
    assert data.count(b"^XA") == 2 and data.count(b"^XZ") == 2  # two labels, one after the other
    assert data == lot_label_zpl(labels[0]) + lot_label_zpl(labels[1])
    parts = [parse_zpl(b"^XA" + part) for part in data.split(b"^XA")[1:]]
    # 57 × 32 mm at 203 dpi (8 dots/mm): 456 × 256 dots, each label its own size and its own lot's code.
    assert [(part["width"], part["length"]) for part in parts] == [(456, 256)] * 2
    assert [part["barcodes"] for part in parts] == [["CPL00001236"], [labels[1].code]]
