"""The PDF itself to a CUPS queue, on the document's own page: ``lp`` with the page size as the
job's media and no scaling, so the printer's driver draws the vector page at its own resolution
and nothing is rasterised on the way (a three-page worksheet is a 50 kB job, not a 9 MB image).

The CUPS client commands (``lp``, ``lpstat``) talk to the local scheduler, or to the one named by
``CUPS_SERVER`` (the tests start their own). A printer that does not take PDF is served by its
CUPS driver, which rasterises at the printer's resolution; a Zebra printer may be given ZPL
instead (``compounder.printing.zpl``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

#: Named sizes CUPS and every driver know; any other page is sent as a custom size in points.
_NAMED = {(612.0, 792.0): "Letter", (595.28, 841.89): "A4"}
_TOLERANCE = 0.5  # points: ReportLab's A4 is 595.2756 × 841.8898
TIMEOUT = 60.0  # seconds for lp / lpstat to answer; the scheduler answers in milliseconds


class SpoolerError(RuntimeError):
    """The job was not handed to the spooler; the message says why in one line."""


@dataclass(frozen=True)
class Page:
    """A page size in points (1/72 in), width × height as the document draws it."""

    width: float
    height: float

    @property
    def media(self) -> str:
        """The CUPS ``media`` value: "Letter", "A4", or "Custom.288x144" (points)."""
        for (width, height), name in _NAMED.items():
            if abs(self.width - width) <= _TOLERANCE and abs(self.height - height) <= _TOLERANCE:
                return name
        return f"Custom.{self.width:.2f}x{self.height:.2f}".replace(".00x", "x").removesuffix(".00")


_PAGE = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")


def pdf_page(pdf: bytes) -> Page:
    """The first page's size, read from its ``/MediaBox`` (the documents' PDFs give every page one;
    ReportLab writes it uncompressed), so the job asks for the page the document was laid out on."""
    match = _PAGE.search(pdf)
    if match is None:
        raise SpoolerError("the document has no page size (/MediaBox); it was not printed")
    x0, y0, x1, y1 = (float(value) for value in match.groups())
    return Page(round(x1 - x0, 2), round(y1 - y0, 2))


def _command(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SpoolerError(f"the CUPS client command {name!r} is not installed (Debian: apt-get install cups-client); nothing was printed")
    return found


def print_pdf(queue: str, pdf: bytes, title: str, copies: int = 1, page: Page | None = None) -> str:
    """Hand ``pdf`` to ``queue`` as it is, on ``page`` (the PDF's own when None); the job's ID.

    ``print-scaling=none`` and the media keep the page the document's: a 4 × 2 in label stays
    4 × 2 in, a worksheet stays on its Letter or A4, never fitted to the printer's default paper.
    """
    if not queue.strip():
        raise SpoolerError("no printer chosen; nothing was printed")
    if not 1 <= copies <= 99:
        raise SpoolerError(f"copies: {copies} is not 1 to 99")
    page = page or pdf_page(pdf)
    options: dict[str, str | int] = {"copies": copies, "media": page.media, "print-scaling": "none"}
    sent = _ipp(queue, pdf, title, options, "application/pdf")
    if sent is not None:
        return sent
    command = [
        _command("lp"), "-d", queue, "-t", title[:200], "-n", str(copies),
        "-o", f"media={page.media}", "-o", "print-scaling=none", "-o", "document-format=application/pdf",
        "-",  # the PDF on standard input: nothing is written to disk on the way
    ]
    return _run_lp(command, pdf, queue)


def _ipp(queue: str, data: bytes, title: str, options: dict[str, str | int], document_format: str) -> str | None:
    """The job handed over by IPP (``compounder.printing.ipp``); None when the scheduler cannot be
    reached that way (a remote server that asks to authenticate or encrypt), so ``lp`` does it."""
    from compounder.printing.ipp import IppError, print_job

    try:
        return f"{queue}-{print_job(queue, data, title[:200], options, document_format)}"
    except IppError as error:
        if error.unreachable:
            return None
        raise SpoolerError(f"printer {queue}: {error}; nothing was printed") from None


def print_raw(queue: str, data: bytes, title: str) -> str:
    """Hand ``data`` (ZPL for a Zebra) to ``queue`` untouched by any filter; the job's ID."""
    sent = _ipp(queue, data, title, {}, "application/vnd.cups-raw")
    if sent is not None:
        return sent
    return _run_lp([_command("lp"), "-d", queue, "-t", title[:200], "-o", "raw", "-"], data, queue)


def _run_lp(command: list[str], data: bytes, queue: str) -> str:
    try:
        result = subprocess.run(command, input=data, capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise SpoolerError(f"the print spooler did not answer within {TIMEOUT:g} s; nothing was printed to {queue}") from None
    except OSError as error:
        raise SpoolerError(f"lp could not be run ({error.strerror or error}); nothing was printed") from None
    said = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
    if result.returncode != 0:
        reason = said[-1].removeprefix("lp: ") if said else f"lp exited with {result.returncode}"
        raise SpoolerError(f"printer {queue}: {reason}; nothing was printed")
    found = re.search(r"request id is (\S+)", result.stdout.decode("utf-8", "replace"))
    return found.group(1) if found else ""


def queues() -> list[str]:
    """The printers the spooler knows (``lpstat -e``), sorted; empty when there is none or no CUPS."""
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return []
    try:
        result = subprocess.run([lpstat, "-e"], capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if result.returncode != 0:
        return []
    return sorted({line.split()[0] for line in result.stdout.splitlines() if line.strip()})
