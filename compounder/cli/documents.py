"""``worksheet``: a formula file's calculation sheet as PDF (not a compounding record: no batch
number, no signatures), written only when the formula may be printed; ``label``: refused, since a
patient label is printed only from a batch the records hold (``compounder batches label NUMBER``)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TextIO

from compounder.calc import Catalog, InputError, parse_formula
from compounder.calc.base_description import with_base_descriptions
from compounder.calc.equipment import with_certified_minimums
from compounder.cli.calc import evaluate_file
from compounder.cli.dates import compounding_date_note
from compounder.cli.errors import EXIT_FINDINGS, EXIT_OK, UsageError, one_line
from compounder.cli.inputs import MAX_SETTINGS_BYTES, date_argument, read_formula_file, read_limited

#: The one line ``compounder label FILE`` says (exit 2).
LABEL_REFUSED = (
    "compounder label: a patient label is printed only from a batch the records hold, numbered by them; "
    "make the batch (compounder batches make) and print its label with: compounder batches label NUMBER"
)


def document_command(args: argparse.Namespace, catalog: Catalog, today: dt.date, out: TextIO, err: TextIO) -> int:
    """Write the calculation sheet; nothing is written unless the formula may be printed. The label is refused."""
    if args.command == "label":
        raise UsageError(LABEL_REFUSED)
    from compounder.calc.prescription import parse_order
    from compounder.calc.release import BatchBlocked
    from compounder.documents.batch import calculation_sheet_pdf
    from compounder.documents.common import UnprintableText
    from compounder.settings import SettingsError, load_settings, refuse_example_pharmacy

    data = read_formula_file(args.file)
    formula = parse_formula(data)
    order = parse_order(data)
    today = date_argument(args.date, today)
    if args.pharmacy_settings is not None:  # a FIFO or device would hang the reader
        read_limited(args.pharmacy_settings, f"--pharmacy-settings {args.pharmacy_settings}", "settings", MAX_SETTINGS_BYTES)
    try:
        pharmacy = load_settings(args.pharmacy_settings)
        refuse_example_pharmacy(pharmacy)  # before anything is worked out: nothing prints the example's pharmacy
    except SettingsError as error:
        raise UsageError(f"pharmacy settings: {error.field}: {error.message}") from None
    catalog = with_base_descriptions(with_certified_minimums(catalog, pharmacy.certified_minimums), pharmacy.bases)
    plan = evaluate_file(data, formula, catalog, today, pharmacy.maximum_excess)
    compounded_on = formula.compounded_on or today
    # The note on the date used is said with a document written, or with the findings that hold it
    # back; a refused command (exit 2) says one line, its refusal, and nothing else.
    note = compounding_date_note(formula, compounded_on, args.date is not None, args.file)
    try:
        from compounder.calc.patient import screening_inputs

        pdf = calculation_sheet_pdf(plan, order, catalog, compounded_on, pharmacy, args.paper, patient=screening_inputs(data, catalog).patient)
    except BatchBlocked as blocked:
        if note:
            print(one_line(note), file=err)
        print(f"{args.file}: no calculation sheet written: {blocked.reason}", file=err)
        for f in blocked.findings:
            print(f"  {f.severity.value.upper():<8} {f.code}: {f.message}", file=err)
        return EXIT_FINDINGS
    except UnprintableText as error:
        raise InputError(error.field, error.message) from None
    try:
        args.out.write_bytes(pdf)
    except OSError as error:
        raise UsageError(f"--out: cannot write {args.out} ({error.strerror or error})") from None
    if note:
        print(one_line(note), file=err)
    out.write(f"wrote {args.out}\n")
    return EXIT_OK

