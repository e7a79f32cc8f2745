"""Which printer each kind of document prints on, in which language, at which resolution: the
``printers`` part of the pharmacy's settings file, read and written here as plain data (the
settings module keeps the rest of the file).

A Zebra printer's resolution is its printhead's: 8, 12 or 24 dots per millimetre, sold as
203, 300 and 600 dpi (Zebra's ZT400/ZT600 and ZD421 specification sheets give both figures).
ZPL places everything in dots, so a label made for 203 dpi printed on a 300 dpi head comes out
two thirds of its size: the pharmacy names the head's resolution with the printer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from compounder.calc.errors import InputError

#: The documents printed, each on its own printer (``PharmacySettings.printers``).
PRINT_KINDS = ("label", "worksheet", "lot_label")
PrintLanguage = Literal["pdf", "zpl"]
PRINT_LANGUAGES = ("pdf", "zpl")
#: A network printer spoken to directly (a Zebra on its raw port), not through the spooler.
SOCKET_PREFIX = "socket://"
#: A Zebra printhead's resolution as sold (dpi) → its true dots per millimetre.
ZPL_DOTS_PER_MM = {203: 8, 300: 12, 600: 24}
DEFAULT_DPI = 203


@dataclass(frozen=True)
class PrinterChoice:
    """Where one kind of document prints on this workstation: a CUPS queue (the PDF itself, or ZPL
    sent raw), or ``socket://host:port`` for a network Zebra spoken to directly in ZPL; ``dpi``
    is the Zebra's printhead (203, 300 or 600), used only for ZPL."""

    printer: str
    language: PrintLanguage = "pdf"
    dpi: int = DEFAULT_DPI

    @property
    def is_socket(self) -> bool:
        return self.printer.startswith(SOCKET_PREFIX)


def printers_from_data(value: Any) -> tuple[tuple[str, PrinterChoice], ...]:
    """``{"label": "Zebra_ZD421", "worksheet": "Office", "lot_label": {"printer": "socket://10.0.0.9:9100",
    "language": "zpl", "dpi": 300}}``; ``InputError`` names the first unusable field."""
    if value is None:
        return ()
    example = '{"label": "Zebra_ZD421", "worksheet": "Office"}'
    if not isinstance(value, dict):
        raise InputError("printers", f"must map each document ({', '.join(PRINT_KINDS)}) to its printer, e.g. {example}")
    found = []
    for kind, choice in value.items():
        field = f"printers.{kind}"
        if kind not in PRINT_KINDS:
            raise InputError(field, f"{kind!r} is not a document printed; choose among {', '.join(PRINT_KINDS)}")
        if isinstance(choice, str):
            choice = {"printer": choice}
        if not isinstance(choice, dict) or set(choice) - {"printer", "language", "dpi"}:
            raise InputError(field, 'must be the printer\'s name, or {"printer": "Zebra_ZD421", "language": "zpl", "dpi": 203}')
        printer, language = choice.get("printer"), choice.get("language", "pdf")
        if not isinstance(printer, str) or not printer.strip():
            continue  # no printer: this document asks where to print
        printer = printer.strip()
        if language not in PRINT_LANGUAGES:
            raise InputError(f"{field}.language", f"{language!r} is not a printer language; choose pdf or zpl")
        dpi = _dpi(choice, field, language)
        if kind == "worksheet" and language == "zpl":
            raise InputError(f"{field}.language", "the worksheet prints on paper as PDF; ZPL is for label printers")
        if printer.startswith(SOCKET_PREFIX):
            host, _, port = printer.removeprefix(SOCKET_PREFIX).rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise InputError(f"{field}.printer", f"{printer!r} is not a network printer; give socket://host:port, e.g. socket://10.0.0.9:9100")
            if language != "zpl":
                raise InputError(f"{field}.language", "a network printer spoken to directly takes ZPL; choose zpl, or print through a CUPS queue")
        elif len(printer) > 127 or any(char.isspace() or char in "/#\\" for char in printer):
            raise InputError(f"{field}.printer", f"{printer[:40]!r} is not a CUPS printer name (no spaces, '/', '#' or '\\', at most 127 characters)")
        found.append((kind, PrinterChoice(printer, language, dpi)))
    return tuple(found)


def _dpi(choice: dict, field: str, language: str) -> int:
    if "dpi" not in choice:
        return DEFAULT_DPI
    dpi = choice["dpi"]
    if language != "zpl":
        raise InputError(f"{field}.dpi", "a resolution is given only for a Zebra printed in ZPL; a PDF printer's driver knows its own")
    if isinstance(dpi, bool) or dpi not in ZPL_DOTS_PER_MM:
        raise InputError(f"{field}.dpi", f"{dpi!r} is not a Zebra printhead's resolution; choose {', '.join(map(str, ZPL_DOTS_PER_MM))}")
    return int(dpi)


def printers_to_data(printers: tuple[tuple[str, PrinterChoice], ...]) -> dict[str, Any]:
    """The settings file's ``printers``: a bare name for a PDF printer, else its language (and a
    resolution other than 203 dpi)."""
    data: dict[str, Any] = {}
    for kind, choice in printers:
        if choice.language == "pdf":
            data[kind] = choice.printer
            continue
        entry: dict[str, Any] = {"printer": choice.printer, "language": choice.language}
        if choice.dpi != DEFAULT_DPI:
            entry["dpi"] = choice.dpi
        data[kind] = entry
    return data
