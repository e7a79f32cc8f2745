"""The pharmacy's settings: who prints the documents and on what.

A typed, versioned schema kept as JSON in the user's configuration folder
(``platformdirs.user_config_dir("compounder")``, or the folder in ``COMPOUNDER_SETTINGS_DIR``).
Pure Python, no Qt: the window's settings dialog and the command line both read and write it
through ``load_settings`` and ``save_settings``; nothing here is a global, a caller passes the
settings on. It sits below the documents and the balance drivers that use it: the label stocks
and the drivers' names it chooses among are plain data in ``compounder.calc``.

Each part with rules of its own (label stocks, balance drivers, base descriptions, printers) is in
calc; here the file's one schema is read and written, so the reading and the writing agree.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeGuard

from compounder.calc.balance_reading import BALANCE_DRIVERS
from compounder.calc.base_description import BaseDescription, base_description_data, parse_base_descriptions
from compounder.calc.errors import InputError
from compounder.calc.field_limits import prints_nothing
from compounder.calc.formula_file import check_nesting
from compounder.calc.label_stock import DEFAULT_LABEL_STOCK, LABEL_STOCKS
from compounder.calc.printer_choice import PrinterChoice, printers_from_data, printers_to_data
from compounder.calc.units import (
    DIMENSIONLESS,
    MASS,
    Quantity,
    format_quantity,
    parse_quantity,
)
from compounder.files import FileRefused, read_regular_file

SCHEMA_VERSION = 1
SETTINGS_FILE = "pharmacy.json"
ENV_DIR = "COMPOUNDER_SETTINGS_DIR"
#: A settings file is under 2 kB; a megabyte is not one, nor anything nested deeper than this.
MAX_SETTINGS_BYTES = 1_000_000
MAX_SETTINGS_NESTING = 8

#: The window locks after this many idle minutes unless the pharmacy sets another (1 to 240).
DEFAULT_IDLE_LOCK_MINUTES = 5
MAX_IDLE_LOCK_MINUTES = 240
#: The roles that see patients' names, dates of birth and Rx numbers unless the pharmacy says
#: otherwise: those who fill prescriptions; an administrator manages accounts and sees none.
ROLES = ("technician", "pharmacist", "administrator")
DEFAULT_PATIENT_DETAILS_ROLES = ("technician", "pharmacist")

Paper = Literal["letter", "a4"]
PAPERS = ("letter", "a4")
_REQUIRED = ("name", "address", "phone", "licence")


class SettingsError(InputError):
    """Settings that cannot be used; ``field`` is the key in the settings file."""


@dataclass(frozen=True)
class PharmacySettings:
    name: str
    address: tuple[str, ...]  # one item a printed line
    phone: str
    licence: str
    label_stock: str = DEFAULT_LABEL_STOCK
    worksheet_paper: Paper = "letter"
    # Accepted deviation of the final weight from the weight prepared, from the pharmacy's SOP.
    # No default: there is no sourced figure, so until it is set the worksheet prints a blank range.
    final_weight_tolerance: Quantity | None = None
    # Accepted deviation of each weighed component from its target, from the pharmacy's SOP.
    # No default either: until it is set, whoever makes a batch is asked for it.
    weighing_tolerance: Quantity | None = None
    # Whether a pharmacist may verify a batch they prepared themselves (a one-pharmacist
    # pharmacy's SOP may allow it). Off unless the pharmacy turns it on.
    allow_self_verification: bool = False
    # The weighing policy (issue 28, observation 9): whether every container must be scanned and
    # every weight read from the balance. Where required, an unscanned line or a typed weight
    # needs a pharmacist's signed reason at that moment. Off unless the pharmacy turns them on.
    scan_required: bool = False
    balance_required: bool = False
    # Sessions and privacy (issue 24): the window locks after this many minutes without a key or
    # a click (the records hidden until someone signs in), and patients' names, dates of birth
    # and Rx numbers are shown only to a signed-in user of these roles (nobody signed in: no one).
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES
    patient_details_roles: tuple[str, ...] = DEFAULT_PATIENT_DETAILS_ROLES
    # The weighing station's balance (pharmacy equipment): serial port, driver, and the ID
    # recorded with every weight read from it. No balance until the port is set.
    balance_port: str | None = None
    balance_driver: str = "mt-sics"
    balance_id: str | None = None
    # The largest overage (excess) a formula may call for without a warning, from the SOP; no
    # default (no sourced figure): until it is set, the excess is not checked against it.
    maximum_excess: Quantity | None = None
    # The pharmacy's equipment list: each balance's certified minimum weighable quantity (from
    # its calibration), by the balance's name in the reference data. A balance not listed uses
    # 820 × readability (USP <41>), and the worksheet says so.
    balances: tuple[tuple[str, Quantity], ...] = ()
    # What the pharmacy knows of each base (the maker's water activity, preservative, and the
    # reference it rests on): the BUD follows it (compounder.calc.base_description).
    bases: tuple[BaseDescription, ...] = ()
    # This workstation's printers, by document kind (PRINT_KINDS): printing then needs no dialog.
    printers: tuple[tuple[str, PrinterChoice], ...] = ()

    @property
    def certified_minimums(self) -> dict[str, Quantity]:
        return dict(self.balances)

    def printer_for(self, kind: str) -> PrinterChoice | None:
        """The printer chosen for ``kind`` ("label", "worksheet", "lot_label"), or None (ask)."""
        return dict(self.printers).get(kind)

    @property
    def is_example(self) -> bool:
        """Still the example pharmacy ``compounder settings --init`` wrote: its licence number
        (054-000000, a placeholder) unedited, which no document may print as the pharmacy's."""
        return " ".join(self.licence.split()).casefold() == str(EXAMPLE["licence"]).casefold()


def refuse_example_pharmacy(pharmacy: PharmacySettings) -> None:
    """``SettingsError`` while the pharmacy's details are the example's: a worksheet or label
    printed with them would name a pharmacy and licence that are not anyone's."""
    if pharmacy.is_example:
        raise SettingsError(
            "licence",
            f"still the example's ({EXAMPLE['licence']}, written by `compounder settings --init`); enter the pharmacy's own name, "
            "address, phone and licence before printing",
        )


def settings_dir() -> Path:
    """The folder the settings live in: ``$COMPOUNDER_SETTINGS_DIR`` or the user config folder."""
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir("compounder", appauthor=False))


def settings_path() -> Path:
    return settings_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> PharmacySettings:
    """Read the settings file; ``FileNotFoundError`` when there is none, ``SettingsError`` when it is unusable."""
    path = path or settings_path()
    try:
        text = read_regular_file(path, MAX_SETTINGS_BYTES, "pharmacy settings").decode("utf-8")
    except FileRefused as error:
        raise SettingsError("settings", f"{path}: {error}") from None
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no pharmacy settings at {path}; write an example there with `compounder settings --init` and edit it, "
            "or pass --pharmacy-settings FILE"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError("settings", f"{path}: cannot read the file ({error})") from None
    try:
        check_nesting(text, "JSON", MAX_SETTINGS_NESTING, "pharmacy settings are an object holding a few lists")
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SettingsError("settings", f"{path}: not valid JSON at line {error.lineno} column {error.colno} ({error.msg})") from None
    except (ValueError, RecursionError) as error:  # nested too deep; an integer of thousands of digits
        raise SettingsError("settings", f"{path}: not usable JSON: {error or 'nested too deeply'}") from None
    return settings_from_data(data)


def save_settings(settings: PharmacySettings, path: Path | None = None) -> Path:
    """Write the settings (atomically: a crash never leaves half a file) and return the path."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(settings_to_data(settings), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def settings_to_data(settings: PharmacySettings) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "name": settings.name,
        "address": list(settings.address),
        "phone": settings.phone,
        "licence": settings.licence,
        "label_stock": settings.label_stock,
        "worksheet_paper": settings.worksheet_paper,
    }
    if settings.final_weight_tolerance is not None:
        data["final_weight_tolerance"] = format_quantity(settings.final_weight_tolerance.to("percent"), 6)
    if settings.weighing_tolerance is not None:
        data["weighing_tolerance"] = format_quantity(settings.weighing_tolerance.to("percent"), 6)
    data["allow_self_verification"] = settings.allow_self_verification
    data["scan_required"] = settings.scan_required
    data["balance_required"] = settings.balance_required
    data["idle_lock_minutes"] = settings.idle_lock_minutes
    data["patient_details_roles"] = list(settings.patient_details_roles)
    if settings.balance_port is not None:
        data["balance"] = {"port": settings.balance_port, "driver": settings.balance_driver, "id": settings.balance_id}
    if settings.maximum_excess is not None:
        data["maximum_excess"] = format_quantity(settings.maximum_excess.to("percent"), 6)
    if settings.balances:
        data["balances"] = {name: format_quantity(value.to("g"), 6) for name, value in settings.balances}
    if settings.bases:
        data["bases"] = {description.base: base_description_data(description) for description in settings.bases}
    if settings.printers:
        data["printers"] = printers_to_data(settings.printers)
    return data


def settings_from_data(data: Any) -> PharmacySettings:
    """Check every field; ``SettingsError`` names the first unusable one."""
    if not isinstance(data, dict):
        raise SettingsError("settings", "the settings file must hold one JSON object")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        if isinstance(version, int) and version > SCHEMA_VERSION:
            raise SettingsError("schema_version", f"{version} was written by a newer Compounder; this one reads version {SCHEMA_VERSION}")
        raise SettingsError("schema_version", f"must be {SCHEMA_VERSION}")
    known = {
        "schema_version", *_REQUIRED, "label_stock", "worksheet_paper", "final_weight_tolerance", "weighing_tolerance",
        "allow_self_verification", "scan_required", "balance_required", "idle_lock_minutes", "patient_details_roles", "balance", "maximum_excess", "balances", "bases", "printers",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise SettingsError(unknown[0], f"unknown setting; the settings are {', '.join(sorted(known))}")
    missing = [key for key in _REQUIRED if data.get(key) in (None, "", [])]
    if missing:
        raise SettingsError(", ".join(missing), "missing; the worksheet and label print the pharmacy's name, address, phone and licence")
    address = data["address"]
    if isinstance(address, str):
        address = [address]
    if not isinstance(address, list) or not all(isinstance(line, str) and not prints_nothing(line) for line in address):
        raise SettingsError("address", 'must be text or a list of lines, e.g. ["12 Main St", "Springfield, IL 62701"]')
    if len(address) > MAX_ADDRESS_LINES or any(len(line) > TEXT_LIMITS["address"] for line in address):
        raise SettingsError(
            "address", f"too long for the documents' header; give at most {MAX_ADDRESS_LINES} lines of at most {TEXT_LIMITS['address']} characters",
        )
    stock = data.get("label_stock", DEFAULT_LABEL_STOCK)
    if not isinstance(stock, str) or stock not in LABEL_STOCKS:
        raise SettingsError("label_stock", f"{stock!r} is not a label stock; choose one of {', '.join(LABEL_STOCKS)}")
    paper = data.get("worksheet_paper", "letter")
    if not _is_paper(paper):
        raise SettingsError("worksheet_paper", f"{paper!r} is not a paper size; choose letter or a4")
    tolerance = _tolerance(data, "final_weight_tolerance")
    weighing = _tolerance(data, "weighing_tolerance")
    maximum_excess = _tolerance(data, "maximum_excess")
    balances = _balances(data.get("balances"))
    try:
        bases = parse_base_descriptions(data.get("bases"))
    except InputError as error:
        raise SettingsError(error.field, error.message) from None
    self_verification = data.get("allow_self_verification", False)
    if not isinstance(self_verification, bool):
        raise SettingsError("allow_self_verification", f"{self_verification!r} is not true or false")
    required = {name: data.get(name, False) for name in ("scan_required", "balance_required")}
    for name, value in required.items():
        if not isinstance(value, bool):
            raise SettingsError(name, f"{value!r} is not true or false")
    idle_minutes = idle_lock_minutes(data.get("idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES))
    roles = patient_details_roles(data.get("patient_details_roles", list(DEFAULT_PATIENT_DETAILS_ROLES)))
    port, driver, balance_id = _balance(data.get("balance"))
    printers = _printers(data.get("printers"))
    return PharmacySettings(
        name=_text(data, "name"),
        address=tuple(" ".join(line.split()) for line in address),
        phone=_text(data, "phone"),
        licence=_text(data, "licence"),
        label_stock=stock,
        worksheet_paper=paper,
        final_weight_tolerance=tolerance,
        weighing_tolerance=weighing,
        allow_self_verification=self_verification,
        scan_required=required["scan_required"],
        balance_required=required["balance_required"],
        idle_lock_minutes=idle_minutes,
        patient_details_roles=roles,
        balance_port=port,
        balance_driver=driver,
        balance_id=balance_id,
        maximum_excess=maximum_excess,
        balances=balances,
        bases=bases,
        printers=printers,
    )


def idle_lock_minutes(value: Any) -> int:
    """Whole minutes, 1 to ``MAX_IDLE_LOCK_MINUTES``: the window locks after that long idle."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_IDLE_LOCK_MINUTES:
        raise SettingsError(
            "idle_lock_minutes", f"{value!r} is not an idle time; give whole minutes from 1 to {MAX_IDLE_LOCK_MINUTES} (default {DEFAULT_IDLE_LOCK_MINUTES})",
        )
    return value


def patient_details_roles(value: Any) -> tuple[str, ...]:
    """The roles that see patients' names, dates of birth and Rx numbers: a list of role names,
    perhaps empty (nobody sees them), in the order of ``ROLES``."""
    if not isinstance(value, list) or not all(isinstance(role, str) for role in value):
        raise SettingsError("patient_details_roles", f'must be a list of roles, e.g. {list(DEFAULT_PATIENT_DETAILS_ROLES)}')
    unknown = sorted(set(value) - set(ROLES))
    if unknown:
        raise SettingsError("patient_details_roles", f"{unknown[0]!r} is not a role; choose among {', '.join(ROLES)}")
    return tuple(role for role in ROLES if role in value)


def _printers(value: Any) -> tuple[tuple[str, PrinterChoice], ...]:
    try:
        return printers_from_data(value)
    except InputError as error:
        raise SettingsError(error.field, error.message) from None


def _is_paper(value: object) -> TypeGuard[Paper]:
    return isinstance(value, str) and value in PAPERS


def _balance(value: Any) -> tuple[str | None, str, str | None]:
    """The balance's port, driver and ID; every weight read from it is recorded with the ID."""
    if value is None:
        return None, "mt-sics", None
    if not isinstance(value, dict) or set(value) - {"port", "driver", "id"}:
        raise SettingsError("balance", 'must be {"port": "/dev/ttyUSB0" or "COM3", "driver": "mt-sics", "id": "the balance\'s asset ID"}')
    port, driver, balance_id = value.get("port"), value.get("driver", "mt-sics"), value.get("id")
    if not isinstance(port, str) or not port.strip():
        raise SettingsError("balance.port", f"{port!r} is not a serial port; give e.g. /dev/ttyUSB0 or COM3")
    if driver not in BALANCE_DRIVERS:
        raise SettingsError("balance.driver", f"{driver!r} is not a balance driver; choose one of {', '.join(BALANCE_DRIVERS)}")
    if not isinstance(balance_id, str) or not balance_id.strip():
        raise SettingsError("balance.id", "give the balance's ID (asset or serial number); it is recorded with every weight read")
    return port.strip(), driver, balance_id.strip()


def _tolerance(data: dict, key: str) -> Quantity | None:
    """A percentage from the SOP, more than 0 % and under 100 %; None when not set."""
    if data.get(key) is None:
        return None
    try:
        tolerance = parse_quantity(data[key], key, (DIMENSIONLESS,))
    except InputError as error:
        raise SettingsError(error.field, error.message) from None
    if not 0 < tolerance.to("percent").magnitude < 100:
        raise SettingsError(key, f"{data[key]!r} is not a tolerance; give the SOP's, more than 0 % and under 100 %")
    return tolerance


#: What the worksheet's and the label's headers hold: characters per field, lines of address.
TEXT_LIMITS = {"name": 60, "phone": 30, "licence": 40, "address": 60}
MAX_ADDRESS_LINES = 3
def _balances(value: Any) -> tuple[tuple[str, Quantity], ...]:
    """The equipment list: balance name → certified minimum weighable quantity (a mass above 0)."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise SettingsError("balances", 'must map each balance\'s name to its certified minimum weighable quantity, e.g. {"Electronic balance, readability 0.001 g": "0.05 g"}')
    found = []
    for name, text in value.items():
        field = f"balances.{name}"
        if not isinstance(name, str) or not name.strip():
            raise SettingsError("balances", "a balance needs its name as in the reference data")
        try:
            minimum = parse_quantity(text, field, (MASS,))
        except InputError as error:
            raise SettingsError(error.field, error.message) from None
        if minimum.to("g").magnitude > 1000:
            raise SettingsError(field, f"{text!r} is not a minimum weighable quantity; give the calibration certificate's, e.g. \"0.05 g\"")
        found.append((" ".join(name.split()), minimum))
    return tuple(found)


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or prints_nothing(value):
        raise SettingsError(key, f"must be non-empty text, got {value if not isinstance(value, str) else value[:40]!r}")
    if len(value) > TEXT_LIMITS[key]:
        raise SettingsError(key, f"{len(value):,} characters is too long; give at most {TEXT_LIMITS[key]} characters")
    return " ".join(value.split())


EXAMPLE = {
    "schema_version": SCHEMA_VERSION,
    "name": "Main Street Compounding Pharmacy",
    "address": ["12 Main Street", "Springfield, IL 62701"],
    "phone": "(217) 555-0142",
    "licence": "IL pharmacy licence 054-000000",
    "label_stock": DEFAULT_LABEL_STOCK,
    "worksheet_paper": "letter",
    "final_weight_tolerance": None,
    "weighing_tolerance": None,
    "allow_self_verification": False,
    "scan_required": False,
    "balance_required": False,
    "idle_lock_minutes": DEFAULT_IDLE_LOCK_MINUTES,
    "patient_details_roles": list(DEFAULT_PATIENT_DETAILS_ROLES),
    "maximum_excess": None,
    "balances": {},
}
