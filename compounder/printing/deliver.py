"""One document to the printer chosen for its kind: the PDF to a CUPS queue, or ZPL to a Zebra
(raw through its CUPS queue, or straight to its network port)."""

from __future__ import annotations

from collections.abc import Callable

from compounder.printing import spool
from compounder.printing.spool import SpoolerError
from compounder.settings import PrinterChoice

#: Makes the document's ZPL for a Zebra printer chosen for it, at its printhead's dpi; raises a
#: ``ValueError`` with ``field`` and ``message`` (a refused field, a label that does not fit) when it cannot.
MakeZpl = Callable[[int], bytes]


def send_document(choice: PrinterChoice, title: str, pdf: bytes, zpl: MakeZpl | None = None, copies: int = 1) -> str:
    """Hand the document to ``choice``'s printer; what was done, for the status line. ``SpoolerError``
    when it was not handed over (nothing printed)."""
    if choice.language == "zpl":
        if zpl is None:
            raise SpoolerError(f"{choice.printer} takes ZPL and this document has no ZPL form; choose a PDF printer for it")
        try:
            data = zpl(choice.dpi)
        except ValueError as refused:
            field, message = getattr(refused, "field", "label"), getattr(refused, "message", str(refused))
            raise SpoolerError(f"{field}: {message}; nothing was printed") from None
        return _send_zpl(choice, title, data, copies)
    job = spool.print_pdf(choice.printer, pdf, title, copies)
    return f"sent to {choice.printer} (job {job})"


def _send_zpl(choice: PrinterChoice, title: str, zpl: bytes, copies: int) -> str:
    if choice.is_socket:
        from compounder.printing.zpl import send_to_socket

        for _ in range(copies):
            send_to_socket(choice.printer.removeprefix("socket://"), zpl)
        return f"sent to {choice.printer} (ZPL)"
    job = ""
    for _ in range(copies):
        job = spool.print_raw(choice.printer, zpl, title)
    return f"sent to {choice.printer} (ZPL, job {job})"
