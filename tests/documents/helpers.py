"""Formula files, settings and PDF reading shared by the document tests."""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import io
import os
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from compounder.calc import evaluate, parse_formula
from compounder.calc.labeling import label_content
from compounder.calc.prescription import parse_order
from compounder.calc.record import compounding_record
from compounder.settings import PharmacySettings, settings_from_data
from tests.pdf_text import pages_text

REFERENCE = Path(__file__).parent / "reference"
UPDATE = os.environ.get("COMPOUNDER_UPDATE_REFERENCE") == "1"

PHARMACY = {
    "schema_version": 1,
    "name": "Main Street Compounding Pharmacy",
    "address": ["12 Main Street", "Springfield, IL 62701"],
    "phone": "(217) 555-0142",
    "licence": "PHA-054-118822",
    "label_stock": "thermal-4x2",
    "worksheet_paper": "letter",
    "final_weight_tolerance": "5 %",
}

# The issue's example: diclofenac sodium 3 %, cyclobenzaprine HCl 2 %, lidocaine 5 % weighed as
# the hydrochloride monohydrate at 99.5 %, ethoxydiglycol 5 %, in Lipoderm; 120 g; density 1.0 g/mL.
ISSUE_FORMULA: dict[str, Any] = {
    "name": "Diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 % in Lipoderm",
    "formula_version": "MF-0042 v3",
    "batch": "120 g",
    "base": "Lipoderm",
    "density": "1.0 g/mL",
    "base_lot": "LD2409",
    "base_expires": "2027-12-31",
    "compounded_on": "2026-11-23",
    "directions": {"amount": "1 g", "times_per_day": 3},
    "actives": [
        {"ingredient": "diclofenac sodium", "strength": "3 %", "manufacturer": "PCCA", "lot": "DS2401", "expires": "2028-01-31"},
        {"ingredient": "cyclobenzaprine hydrochloride", "strength": "2 %", "manufacturer": "Medisca", "lot": "CB2310", "expires": "2027-09-30"},
        {"ingredient": "lidocaine", "strength": "5 %", "stock": "lidocaine hydrochloride monohydrate", "potency": "99.5 %",
         "manufacturer": "Fagron", "lot": "L123", "expires": "2027-06-30"},
    ],
    "excipients": [{"ingredient": "ethoxydiglycol", "strength": "5 %", "manufacturer": "Gattefosse", "lot": "TR5521", "expires": "2028-03-31"}],
    "batch_number": "261123-001",
    "container": "Topi-CLICK 120 mL",
    "prescription": {
        "patient": "Jane Doe", "date_of_birth": "1948-03-02", "rx_number": "RX-104233", "prescriber": "Dr. A. Smith",
        "directions": "Apply 1 g (4 clicks) to the lower back three times daily", "quantity": "120 g", "refills": 2,
    },
}


def issue_formula(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(ISSUE_FORMULA)
    data.update(changes)
    return data


def pharmacy(**changes: Any) -> PharmacySettings:
    return settings_from_data({**PHARMACY, **changes})


def evaluated(catalog, data: dict[str, Any]):
    formula = parse_formula(data)
    order = parse_order(data)
    compounded_on = formula.compounded_on or dt.date(2026, 11, 23)
    return evaluate(formula, catalog, compounded_on), order, compounded_on


def record_of(catalog, data: dict[str, Any], settings: PharmacySettings | None = None):
    plan, order, compounded_on = evaluated(catalog, data)
    settings = settings or pharmacy()
    return compounding_record(plan, order, catalog, compounded_on, settings.final_weight_tolerance)


def label_of(catalog, data: dict[str, Any]):
    plan, order, compounded_on = evaluated(catalog, data)
    return label_content(plan, order, catalog, compounded_on)


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    reader = PdfReader(io.BytesIO(pdf))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def text_origins(pdf: bytes, page: int = 0) -> list[tuple[str, float, float]]:
    """Each piece of text on ``page`` with where it starts (x, y in points)."""
    found: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            # Position in page space: the text matrix, then the current transformation.
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((text, x, y))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def assert_matches_reference(pdf: bytes, name: str) -> None:
    """Byte-for-byte equal to ``reference/NAME``; on a difference, say what changed and how to accept it.

    With COMPOUNDER_UPDATE_REFERENCE=1 a reference that differs is rewritten and the test still
    fails: a run that rewrote its own expected value has checked nothing, and must not count as a
    pass. A reference that is already equal passes as usual."""
    path = REFERENCE / name
    if not path.exists():
        path.write_bytes(pdf)
        raise AssertionError(f"{path} did not exist and has been written; look at it, commit it and run again")
    expected = path.read_bytes()
    if pdf == expected:
        return
    if UPDATE:
        path.write_bytes(pdf)
        raise AssertionError(
            f"{name} differed from the committed reference and has been REWRITTEN ({len(expected)} → {len(pdf)} bytes) "
            "because COMPOUNDER_UPDATE_REFERENCE=1: this run compared nothing. Look at it (pdftoppm -png -r 100 FILE.pdf page), "
            "commit it, and run again without COMPOUNDER_UPDATE_REFERENCE."
        )
    old, new = pages_text(expected), pages_text(pdf)
    diff = "\n".join(
        difflib.unified_diff(
            [line for page in old for line in page.split(" · ")],
            [line for page in new for line in page.split(" · ")],
            "reference", "now", lineterm="", n=1,
        )
    )
    raise AssertionError(
        f"{name} differs from the committed reference ({len(expected)} → {len(pdf)} bytes, "
        f"{len(old)} → {len(new)} pages).\n"
        + (f"Text changes:\n{diff[:3000]}\n" if diff else "The text is the same: the layout (positions, sizes, lines) changed.\n")
        + "Look at both (pdftoppm -png -r 100 FILE.pdf page) and, if the change is intended, "
        "accept it with COMPOUNDER_UPDATE_REFERENCE=1 pytest tests/documents and commit the new reference."
    )


def five_active_formula() -> dict:
    """US Pharmacist 2024;49(3): flurbiprofen 10 %, cyclobenzaprine HCl 1 %, gabapentin 6 %,
    lidocaine 2 %, prilocaine HCl 2 % in Lipoderm, with long directions."""
    data = issue_formula(
        actives=[
            {"ingredient": "flurbiprofen", "strength": "10 %"},
            {"ingredient": "cyclobenzaprine hydrochloride", "strength": "1 %"},
            {"ingredient": "gabapentin", "strength": "6 %"},
            {"ingredient": "lidocaine", "strength": "2 %"},
            {"ingredient": "prilocaine hydrochloride", "strength": "2 %"},
        ],
        excipients=[],
    )
    # Named for what it holds, without strengths (a name that states strengths must state them all, and
    # this one would wrap onto a second line of the header and push the worksheet to a third page).
    data["name"] = "Flurbiprofen, cyclobenzaprine, gabapentin, lidocaine, prilocaine in Lipoderm"
    data["prescription"]["patient"] = "Maximilian Alexander Featherstonehaugh-Wolfeschlegelsteinhausen"
    data["prescription"]["directions"] = (
        "Apply 1 g (4 clicks) to the affected area of the lower back, both knees and the left shoulder three to four "
        "times daily as needed for pain; rub in gently until absorbed and wash hands after each application"
    )
    return data
