"""``lots``, ``formulas`` and ``batches``: the records operations the window offers, from the
command line, through the same records functions (``compounder.records``), for scripts and for
a pharmacy management system (``--json``).

Every command that writes signs in its ``--user``: the password is asked for at a prompt, or read
as one line of standard input with ``--password-stdin`` (never given as an argument). Bad input is
one line on stderr naming the field, exit 2; a batch held back by findings nobody decided is
listed, exit 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from compounder.calc import Catalog
from compounder.cli.batch_commands import batches_command
from compounder.cli.errors import UsageError
from compounder.cli.formulation_commands import (
    BATCH_COMMANDS,
    FORMULA_COMMANDS,
    add_formulation_parsers,
    batch_formulation_command,
    formulas_command,
)
from compounder.cli.inputs import (
    on_database,
    read_formula_file,
)
from compounder.cli.lots_commands import add_lot_commands, lots_command
from compounder.cli.records_io import Ask, emit, formula_entry, library_errors, now, sign_in, signature


def add_records_parsers(commands, database_help: str) -> None:
    """The ``lots``, ``formulas`` and ``batches`` subcommands."""
    lots = commands.add_parser("lots", help="ingredient lots: receive, release from quarantine, correct, adjust, loss, destroy, void; "
                               "the controlled-substance ledger and biennial inventory")
    lot_commands = lots.add_subparsers(dest="lots_command", required=True, parser_class=type(lots))
    receive = lot_commands.add_parser("receive", help="record a lot received, with its certificate of analysis assay")
    receive.add_argument("--ingredient", required=True, help="the ingredient as named on the certificate")
    receive.add_argument("--stock-form", required=True, help="the form weighed, as the formula names it (e.g. lidocaine)")
    receive.add_argument("--manufacturer", required=True)
    receive.add_argument("--supplier", help="the wholesaler the lot was bought from (leave out when bought from the manufacturer)")
    receive.add_argument("--lot", required=True, help="the manufacturer's lot number")
    receive.add_argument("--expires", required=True, help="expiry date YYYY-MM-DD")
    receive.add_argument("--quantity", required=True, help="quantity received, e.g. 100 g")
    receive.add_argument("--potency", help="certificate of analysis assay in %%, e.g. 95.0 (leave out when none is given)")
    add_lot_commands(lot_commands, receive, database_help)

    formulas = commands.add_parser("formulas", help="master formulas: add one (a draft), approve it (a pharmacist)")
    formula_commands = formulas.add_subparsers(dest="formulas_command", required=True, parser_class=type(formulas))
    add = formula_commands.add_parser("add", help="add a master formula from a formula file (JSON or TOML); it waits for approval")
    add.add_argument("file", help="formula file")
    add.add_argument("--name", help="the master formula's name; a strength it states must be the formula's "
                     '(default: the name the content implies, e.g. "Lidocaine 4 %% in Lipoderm")')
    approve = formula_commands.add_parser(
        "approve", help="approve the newest version of a master formula (a pharmacist): what changed since the version last "
        "approved is shown first, then the password is asked; the approval is of exactly the version shown")
    approve.add_argument("name", help="the master formula's name")
    approve.add_argument("--version", type=int, help="the version reviewed: refused (nothing approved) when the newest is another")

    batches = commands.add_parser("batches", help="batches (compounding records): make, show, weigh, prepare, verify, print")
    batch_commands = batches.add_subparsers(dest="batches_command", required=True, parser_class=type(batches))
    make = batch_commands.add_parser("make", help="make a draft batch from an approved master formula for a prescription")
    make.add_argument("--formula", required=True, help="the approved master formula's name")
    make.add_argument("--patient", required=True, help="the patient's name")
    make.add_argument("--born", help="the patient's date of birth YYYY-MM-DD")
    make.add_argument("--rx", required=True, help="Rx number")
    make.add_argument("--prescriber", required=True)
    make.add_argument("--order", required=True, help='JSON or TOML file with the "prescription" (directions, quantity, refills), '
                      '"directions" (amount, times_per_day) and "container" of a formula file')
    make.add_argument("--tolerance", help="the pharmacy's weighing tolerance in %%, e.g. 5 (default: the pharmacy's; an administrator's "
                      "setting: another one is refused)")
    make.add_argument("--lot", action="append", default=[], metavar="LINE=LOT",
                      help="the lot used for a line, e.g. 1=LB26-777 (its assay and expiry set the target and the beyond-use date); repeat for each line")
    make.add_argument("--acknowledge", action="append", default=[], metavar="CODE=REASON",
                      help="a pharmacist's acknowledgement (or override) of a finding, with the reason; needs --pharmacist")
    make.add_argument("--pharmacist", help="the pharmacist who signs the acknowledgements (password asked)")
    make.add_argument("--pharmacy-settings", help="pharmacy settings file (default: the user's settings)")
    show = batch_commands.add_parser("show", help="a batch: its lines, lots, potencies, targets, weights, status and decisions")
    weigh = batch_commands.add_parser("weigh", help="choose a line's lot and/or enter its weight")
    weigh.add_argument("--line", required=True, type=int, help="line number (1 = first)")
    weigh.add_argument("--lot", help="the lot number used for the line")
    weigh.add_argument("--weight", help="the weight the balance showed, e.g. 2.526 (grams)")
    weigh.add_argument("--balance", help="the ID of the balance the weight was read from (default: the station's balance in the settings); "
                       "once the pharmacy registers balances, it must have passed today's check")
    weigh.add_argument("--pharmacist", help="where the pharmacy requires the balance: the pharmacist who signs for the typed weight (password asked)")
    weigh.add_argument("--reason", help="where the pharmacy requires the balance: why the weight is typed")
    weigh.add_argument("--pharmacy-settings", help="pharmacy settings file (default: the user's settings)")
    prepare = batch_commands.add_parser("prepare", help="the preparer's signature (every line has its lot and weight)")
    verify = batch_commands.add_parser(
        "verify", help="a pharmacist's verification, after the blind check",
        description="A pharmacist's verification. While the pharmacy keeps the blind (independent) double check on, "
        "give the figures you worked out yourself, before looking at the preparer's: the grams to weigh of each active "
        "(of every line where the pharmacy asks for all), and its mg/g or mg per click where the label states one. Each is "
        "compared with the plan (grams within half the balance's readability; mg to the label's third significant figure) "
        "and the check is recorded, match or not; a mismatch is refused (exit 2) with both figures and the calculation.",
    )
    verify.add_argument("--pharmacy-settings", help="pharmacy settings file (default: the user's settings)")
    verify.add_argument(
        "--figure", action="append", default=[], metavar="LINE=FIGURE",
        help='one of your own figures, repeated: LINE is the line number or the line\'s name as the worksheet prints it, the unit '
        'says which figure: "1=2.526 g" or "lidocaine=2.526 g" (grams to weigh), "lidocaine=50 mg/g", "lidocaine=12.5 mg/click"',
    )
    sign_refill = batch_commands.add_parser(
        "sign-refill", help="a pharmacist signs a refill's formula changes since the patient's last batch on the Rx (password asked)",
        description="A refill made to a formula that changed since the patient's last batch on the Rx is verified only once a "
        "pharmacist has signed that they checked the changes against the prescription. The changes are printed; the "
        "pharmacist's password is asked (a technician cannot sign).",
    )
    sign_refill.add_argument("--pharmacist", required=True, help="the pharmacist who signs (password asked)")
    blind = batch_commands.add_parser("blind-check", help="an administrator switches the blind double check at verification on or off")
    blind.add_argument("state", choices=("on", "off", "show"), help="on, off, or show the pharmacy's setting")
    blind.add_argument("--lines", choices=("actives", "all"), default="actives", help="the lines whose figures are asked (default: every active)")
    decide = batch_commands.add_parser("decide", help="a pharmacist decides again on findings whose decision a change voided")
    decide.add_argument("--acknowledge", action="append", required=True, metavar="CODE=REASON")
    prescribed = batch_commands.add_parser("prescription", help="record the prescriber's NPI and DEA number and the date the prescription was written")
    prescribed.add_argument("--npi", help="the prescriber's NPI (10 digits; its check digit is verified)")
    prescribed.add_argument("--dea", help="the prescriber's DEA number (2 letters, 7 digits; its check digit is verified)")
    prescribed.add_argument("--written", help="the date written on the prescription YYYY-MM-DD")
    made_beyond = batch_commands.add_parser("surplus", help="record what becomes of what the batch makes beyond the quantity dispensed")
    made_beyond.add_argument("--disposition", required=True, help='e.g. "discarded", "kept for the next fill of this Rx"')
    documents = []
    for name, what in (("worksheet", "the compounding record (worksheet)"), ("label", "the patient label (a verified batch only)")):
        document = batch_commands.add_parser(name, help=f"write {what} of a batch as PDF, from the records")
        document.add_argument("--out", required=True, help="PDF file to write")
        document.add_argument("--pharmacy-settings", help="pharmacy settings file (default: the user's settings)")
        documents.append(document)
    documents[1].add_argument("--stock", help="label stock (default: the pharmacy settings')")
    documents[1].add_argument("--position", type=int, default=1, help="label position on a sheet of labels (default 1)")
    for command in (show, weigh, prepare, verify, decide, made_beyond, prescribed, sign_refill, *documents):
        command.add_argument("number", help="batch number, e.g. 261123-001")
    formulation = add_formulation_parsers(formula_commands, batch_commands)  # issue 25: the master formulation record, QC, deviations
    unsigned = (show, formulation[0], formulation[2])  # read only: nobody signs in
    for command in (receive, add, approve, make, show, weigh, prepare, verify, decide, made_beyond, prescribed, blind, sign_refill, *documents, *formulation):
        command.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=database_help)
        command.add_argument("--json", action="store_true", help="print the result as JSON")
        if command not in unsigned and command is not sign_refill:  # sign-refill: signed by --pharmacist
            command.add_argument("--user", required=True, help="who does it (signs in: the password is asked for)")
        if command not in unsigned:
            command.add_argument("--password-stdin", action="store_true", help="read each password asked for as one line of standard input")
    from compounder.cli.privacy import add_reader_options

    add_reader_options(show)  # the patient's name and Rx number only to a user who sees them
    for parser in (lots, formulas, batches):
        parser.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=database_help)


def records_command(args: argparse.Namespace, catalog: Catalog | None, out: TextIO, err: TextIO, ask_password: Ask) -> int:
    """Run one ``lots`` / ``formulas`` / ``batches`` command in one transaction."""
    from compounder.records.database import migrate

    with on_database(args.database, create=True) as (engine, _where):
        migrate(engine)
        assert catalog is not None  # lots (for the DEA schedules), formulas and batches are catalog commands
        if args.command == "lots":
            return lots_command(args, engine, catalog, out, ask_password)
        if args.command == "formulas":
            if args.formulas_command in FORMULA_COMMANDS:
                return formulas_command(args, engine, catalog, out, ask_password)
            return _formulas(args, engine, catalog, out, ask_password)
        if args.batches_command in BATCH_COMMANDS:
            return batch_formulation_command(args, engine, out, ask_password)
        return batches_command(args, engine, catalog, out, err, ask_password)


def _formulas(args: argparse.Namespace, engine, catalog: Catalog, out: TextIO, ask: Ask) -> int:
    from compounder.calc import Severity, evaluate, parse_formula
    from compounder.calc.formula_name import derived_name
    from compounder.records.database import session_factory
    from compounder.records.library import FormulaLibrary, utc_now

    library = FormulaLibrary(session_factory(engine), utc_now)
    with library_errors():
        if args.formulas_command == "add":
            actor = sign_in(args, engine, ask, args.user)
            data = read_formula_file(Path(args.file))
            parse_formula(data)  # refused here, naming the field, rather than stored unusable
            entry = library.add(args.name if args.name is not None else derived_name(data), dict(data), actor)
            return emit(args, out, {"id": entry.id, "name": entry.name, "version": entry.version, "approved": False},
                         f"added {entry.name!r}, version {entry.version}; a pharmacist approves it before batches are made")
        entry = formula_entry(library, args.name)
        review = library.review(entry.id)
        newest = review.version
        if args.version is not None and args.version != newest.version:
            raise UsageError(f"compounder: --version: {entry.name!r} is at version {newest.version}, not {args.version}: "
                             "nothing was approved; review the newest and approve that")
        if review.name_problem is not None:
            raise UsageError(f"compounder: name: {newest.name!r} does not match the formula: {review.name_problem}; nothing was approved")
        errors = [f for f in evaluate(parse_formula(newest.data), catalog, now().date()).findings if f.severity is Severity.ERROR and not f.patient]
        if errors:
            raise UsageError(f"compounder: {entry.name}: not approved: " + "; ".join(f"{f.code}: {f.message}" for f in errors))
        if not args.json:  # shown before the pharmacist's password is asked: the signature is of what they read
            out.write(_review_text(review))
            out.flush()
        approved = library.approve(entry.id, signature(args, engine, ask, args.user), version=newest.version, shown=newest.data)
    data = {"id": approved.id, "name": approved.name, "approved_version": newest.version, "content_hash": review.content_hash,
            "compared_with_version": review.since.version if review.since is not None else None,
            "changes": [{"kind": c.kind, "what": c.subject, "before": c.before, "after": c.after} for c in review.changes]}
    return emit(args, out, data, f"approved {approved.name!r}, version {newest.version}")


def _review_text(review) -> str:
    """What changed, one line each, as the pharmacist reads it before approving."""
    rows = [review.heading]
    rows += [f"  {change.text}" for change in review.changes] or ["  no change in content"]
    rows.append(f"  content fingerprint {review.short_hash}")
    return "\n".join(rows) + "\n"
