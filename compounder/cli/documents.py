"""``worksheet`` and ``label``: a formula file's documents as PDF, written only when the batch may
be printed."""

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
from compounder.cli.inputs import MAX_SETTINGS_BYTES, chosen_label_stock, date_argument, read_formula_file, read_limited


def document_command(args: argparse.Namespace, catalog: Catalog, today: dt.date, out: TextIO, err: TextIO) -> int:
    """Write the worksheet or the label; nothing is written unless the batch may be printed."""
    from compounder.calc.prescription import parse_order, require
    from compounder.calc.release import BatchBlocked
    from compounder.documents.batch import label_pdf, worksheet_pdf
    from compounder.documents.common import UnprintableText
    from compounder.documents.label import LabelOverflow
    from compounder.settings import SettingsError, load_settings, refuse_example_pharmacy

    data = read_formula_file(args.file)
    formula = parse_formula(data)
    order = parse_order(data)
    require(order, args.command)
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
        if args.command == "worksheet":
            from compounder.calc.patient import screening_inputs

            pdf = worksheet_pdf(plan, order, catalog, compounded_on, pharmacy, args.paper, patient=screening_inputs(data, catalog).patient)
        else:
            stock = chosen_label_stock(args.stock, pharmacy.label_stock, args.position)
            pdf = label_pdf(plan, order, catalog, compounded_on, pharmacy, stock, args.position)
    except BatchBlocked as blocked:
        if note:
            print(one_line(note), file=err)
        print(f"{args.file}: no {args.command} written: {blocked.reason}", file=err)
        for f in blocked.findings:
            print(f"  {f.severity.value.upper():<8} {f.code}: {f.message}", file=err)
        return EXIT_FINDINGS
    except (LabelOverflow, UnprintableText) as error:
        raise InputError(error.field, error.message) from None
    try:
        args.out.write_bytes(pdf)
    except OSError as error:
        raise UsageError(f"--out: cannot write {args.out} ({error.strerror or error})") from None
    if note:
        print(one_line(note), file=err)
    out.write(f"wrote {args.out}\n")
    return EXIT_OK

