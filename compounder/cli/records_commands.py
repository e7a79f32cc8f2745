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
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from compounder.calc import Catalog
from compounder.cli.errors import EXIT_FINDINGS, EXIT_OK, UsageError, one_line
from compounder.cli.inputs import (
    MAX_SETTINGS_BYTES,
    chosen_label_stock,
    on_database,
    optional_date,
    read_formula_file,
    read_limited,
)

Ask = Callable[[str], str]


def add_records_parsers(commands, database_help: str) -> None:
    """The ``lots``, ``formulas`` and ``batches`` subcommands."""
    lots = commands.add_parser("lots", help="ingredient lots: receive one into stock")
    lot_commands = lots.add_subparsers(dest="lots_command", required=True, parser_class=type(lots))
    receive = lot_commands.add_parser("receive", help="record a lot received, with its certificate of analysis assay")
    receive.add_argument("--ingredient", required=True, help="the ingredient as named on the certificate")
    receive.add_argument("--stock-form", required=True, help="the form weighed, as the formula names it (e.g. lidocaine)")
    receive.add_argument("--manufacturer", required=True)
    receive.add_argument("--lot", required=True, help="the manufacturer's lot number")
    receive.add_argument("--expires", required=True, help="expiry date YYYY-MM-DD")
    receive.add_argument("--quantity", required=True, help="quantity received, e.g. 100 g")
    receive.add_argument("--potency", help="certificate of analysis assay in %%, e.g. 95.0 (leave out when none is given)")

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
    weigh.add_argument("--pharmacist", help="where the pharmacy requires the balance: the pharmacist who signs for the typed weight (password asked)")
    weigh.add_argument("--reason", help="where the pharmacy requires the balance: why the weight is typed")
    weigh.add_argument("--pharmacy-settings", help="pharmacy settings file (default: the user's settings)")
    prepare = batch_commands.add_parser("prepare", help="the preparer's signature (every line has its lot and weight)")
    verify = batch_commands.add_parser("verify", help="a pharmacist's verification")
    verify.add_argument("--pharmacy-settings", help="pharmacy settings file (default: the user's settings)")
    decide = batch_commands.add_parser("decide", help="a pharmacist decides again on findings whose decision a change voided")
    decide.add_argument("--acknowledge", action="append", required=True, metavar="CODE=REASON")
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
    for command in (show, weigh, prepare, verify, decide, made_beyond, *documents):
        command.add_argument("number", help="batch number, e.g. 261123-001")
    for command in (receive, add, approve, make, show, weigh, prepare, verify, decide, made_beyond, *documents):
        command.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=database_help)
        command.add_argument("--json", action="store_true", help="print the result as JSON")
        if command is not show:
            command.add_argument("--user", required=True, help="who does it (signs in: the password is asked for)")
            command.add_argument("--password-stdin", action="store_true", help="read each password asked for as one line of standard input")
    for parser in (lots, formulas, batches):
        parser.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=database_help)


def records_command(args: argparse.Namespace, catalog: Catalog | None, out: TextIO, err: TextIO, ask_password: Ask) -> int:
    """Run one ``lots`` / ``formulas`` / ``batches`` command in one transaction."""
    from compounder.records.database import migrate

    with on_database(args.database, create=True) as (engine, _where):
        migrate(engine)
        if args.command == "lots":
            return _receive(args, engine, out, ask_password)
        assert catalog is not None  # formulas and batches are catalog commands
        if args.command == "formulas":
            return _formulas(args, engine, catalog, out, ask_password)
        return _batches(args, engine, catalog, out, err, ask_password)


# --------------------------------------------------------------------------- helpers


def _now() -> dt.datetime:
    from compounder.records.library import utc_now

    return utc_now()


def _password(args: argparse.Namespace, ask: Ask, who: str) -> str:
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        if not line:
            raise UsageError(f"compounder: --password-stdin: no password of {who} on standard input (one line each)")
        return line.rstrip("\r\n")
    return ask(f"password of {who}: ")


def _sign_in(args: argparse.Namespace, engine, ask: Ask, username: str):
    from compounder.records import people
    from compounder.records.database import session_factory

    return people.sign_in(session_factory(engine), username, _password(args, ask, username), _now())


@contextmanager
def _library_errors() -> Iterator[None]:
    from compounder.records.library import LibraryError

    try:
        yield
    except LibraryError as error:
        raise UsageError(f"compounder: {error}") from None


def _pharmacy(args: argparse.Namespace):
    """The pharmacy settings, read now: a setting changed takes effect at the next command."""
    from compounder.settings import SettingsError, load_settings

    path = getattr(args, "pharmacy_settings", None)
    if path is not None:
        path = Path(path)
        read_limited(path, f"--pharmacy-settings {path}", "settings", MAX_SETTINGS_BYTES)
    try:
        return load_settings(path)
    except SettingsError as error:
        raise UsageError(f"compounder: pharmacy settings: {error.field}: {error.message}") from None


def _pairs(values: list[str], option: str, what: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip() or not rest.strip():
            raise UsageError(f"compounder: {option}: {value!r} is not {what}")
        pairs.append((key.strip(), rest.strip()))
    return pairs


def _lot_id(session, lot_number: str, option: str) -> int:
    from compounder.records.lots import lots

    found = lots(session, lot_number=lot_number.strip())
    if not found:
        raise UsageError(f"compounder: {option}: no lot {lot_number!r} in stock; receive it first (compounder lots receive)")
    if len(found) > 1:
        names = ", ".join(f"{lot.stock_form} from {lot.manufacturer}" for lot in found)
        raise UsageError(f"compounder: {option}: {len(found)} lots are numbered {lot_number!r} ({names})")
    return found[0].id


def _emit(args: argparse.Namespace, out: TextIO, data: dict[str, Any], text: str) -> int:
    if args.json:
        json.dump(data, out, indent=2, ensure_ascii=False, default=_plain)
        out.write("\n")
    else:
        out.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


# --------------------------------------------------------------------------- lots, formulas


def _receive(args: argparse.Namespace, engine, out: TextIO, ask: Ask) -> int:
    from compounder.records.boundary import transaction
    from compounder.records.clock import records_now
    from compounder.records.database import session_factory
    from compounder.records.lots import receive_lot

    expires = optional_date(args.expires, "--expires")
    assert expires is not None  # --expires is required
    actor = _sign_in(args, engine, ask, args.user)
    quantity = args.quantity.strip().removesuffix("g").strip()
    with transaction(session_factory(engine)) as session:
        lot = receive_lot(
            session, actor, ingredient=args.ingredient, stock_form=args.stock_form, manufacturer=args.manufacturer, lot_number=args.lot,
            expires=expires, quantity=quantity, potency_percent=args.potency, now=records_now(session),
        )
    data = {"id": lot.id, "lot": lot.lot_number, "ingredient": lot.ingredient, "stock_form": lot.stock_form, "manufacturer": lot.manufacturer,
            "expires": lot.expires, "potency_percent": lot.potency_percent, "received_grams": lot.received}
    potency = f"{lot.potency_percent:f} %" if lot.potency_percent is not None else "no assay given"
    return _emit(args, out, data, f"received lot {lot.lot_number} of {lot.stock_form} ({lot.manufacturer}), {lot.received:f} g, {potency}, expires {lot.expires}")


def _formula_entry(library, name: str):
    wanted = " ".join(name.split()).casefold()
    found = [entry for entry in library.entries() if " ".join(entry.name.split()).casefold() == wanted]
    if not found:
        raise UsageError(f"compounder: --formula: no master formula named {name!r} in the library")
    return found[0]


def _formulas(args: argparse.Namespace, engine, catalog: Catalog, out: TextIO, ask: Ask) -> int:
    from compounder.calc import Severity, evaluate, parse_formula
    from compounder.calc.formula_name import derived_name
    from compounder.records.database import session_factory
    from compounder.records.library import FormulaLibrary, utc_now

    library = FormulaLibrary(session_factory(engine), utc_now)
    with _library_errors():
        if args.formulas_command == "add":
            actor = _sign_in(args, engine, ask, args.user)
            data = read_formula_file(Path(args.file))
            parse_formula(data)  # refused here, naming the field, rather than stored unusable
            entry = library.add(args.name if args.name is not None else derived_name(data), dict(data), actor)
            return _emit(args, out, {"id": entry.id, "name": entry.name, "version": entry.version, "approved": False},
                         f"added {entry.name!r}, version {entry.version}; a pharmacist approves it before batches are made")
        entry = _formula_entry(library, args.name)
        review = library.review(entry.id)
        newest = review.version
        if args.version is not None and args.version != newest.version:
            raise UsageError(f"compounder: --version: {entry.name!r} is at version {newest.version}, not {args.version}: "
                             "nothing was approved; review the newest and approve that")
        if review.name_problem is not None:
            raise UsageError(f"compounder: name: {newest.name!r} does not match the formula: {review.name_problem}; nothing was approved")
        errors = [f for f in evaluate(parse_formula(newest.data), catalog, _now().date()).findings if f.severity is Severity.ERROR and not f.patient]
        if errors:
            raise UsageError(f"compounder: {entry.name}: not approved: " + "; ".join(f"{f.code}: {f.message}" for f in errors))
        if not args.json:  # shown before the pharmacist's password is asked: the signature is of what they read
            out.write(_review_text(review))
            out.flush()
        actor = _sign_in(args, engine, ask, args.user)
        approved = library.approve(entry.id, actor, version=newest.version, shown=newest.data)
    data = {"id": approved.id, "name": approved.name, "approved_version": newest.version, "content_hash": review.content_hash,
            "compared_with_version": review.since.version if review.since is not None else None,
            "changes": [{"kind": c.kind, "what": c.subject, "before": c.before, "after": c.after} for c in review.changes]}
    return _emit(args, out, data, f"approved {approved.name!r}, version {newest.version}")


def _review_text(review) -> str:
    """What changed, one line each, as the pharmacist reads it before approving."""
    rows = [review.heading]
    rows += [f"  {change.text}" for change in review.changes] or ["  no change in content"]
    rows.append(f"  content fingerprint {review.short_hash}")
    return "\n".join(rows) + "\n"


# --------------------------------------------------------------------------- batches


def batch_data(record) -> dict[str, Any]:
    """A batch as ``--json`` prints it: what the worksheet holds, line by line."""
    planned = record.plan.get("lines") or []
    return {
        "batch_number": record.batch_number, "status": record.status.value, "formula": f"{record.formula_name}, version {record.formula_version}",
        "patient": record.patient.name, "rx_number": record.rx_number, "prescriber": record.prescriber,
        "compounded_on": record.compounded_on, "beyond_use": record.beyond_use, "tolerance_percent": record.tolerance_percent,
        "lines": [
            {
                "line": line.position, "name": line.name, "role": line.role, "lot": line.lot_number,
                "potency": planned[line.position - 1].get("potency") if line.position <= len(planned) else None,
                "target_grams": line.target, "actual_grams": line.actual, "deviation_percent": line.deviation_percent,
                "out_of_tolerance": line.out_of_tolerance, "lot_potency_percent": line.lot_potency_percent,
                "weight_from": line.weight_source_text or None, "container": line.identity_text or None,
            }
            for line in record.lines
        ],
        "acknowledgements": [{"code": a.code, "by": a.by, "reason": a.reason, "action": a.action} for a in record.acknowledgements],
        "undecided": list(record.undecided),
        "made_beyond_grams": None if record.surplus is None else record.surplus.beyond.normalize(),
        "surplus_disposition": record.surplus_disposition,
        "prepared_by": record.prepared_by, "verified_by": record.verified_by, "rejected_by": record.rejected_by,
    }


def batch_text(record) -> str:
    data = batch_data(record)
    rows = [f"batch {record.batch_number} ({record.status.value}): {data['formula']}; {record.patient.name}, Rx {record.rx_number}; "
            f"beyond use {record.beyond_use}"]
    for line in data["lines"]:
        actual = "-" if line["actual_grams"] is None else f"{line['actual_grams']:f} g"
        rows.append(f"  {line['line']}. {line['name']:<34} lot {line['lot'] or '-':<12} potency {line['potency'] or '-':<8} "
                    f"target {line['target_grams']:f} g  weighed {actual}")
    rows += [f"  {a.action} {a.code} by {a.by}: {a.reason}" for a in record.acknowledgements]
    rows += [f"  NOT DECIDED: {text}" for text in record.undecided]
    if record.surplus is not None:
        rows.append(f"  {record.surplus.text()}: {record.surplus_disposition or 'disposition not recorded (compounder batches surplus)'}")
    return "\n".join(rows)


def _batches(args: argparse.Namespace, engine, catalog: Catalog, out: TextIO, err: TextIO, ask: Ask) -> int:
    from compounder.records import batches
    from compounder.records.boundary import reading, transaction
    from compounder.records.clock import records_now
    from compounder.records.database import session_factory

    command = args.batches_command
    if command == "make":
        return _make(args, engine, catalog, out, err, ask)
    if command == "show":
        with reading(session_factory(engine)) as session:
            record = batches.batch_record(session, args.number)
        return _emit(args, out, batch_data(record), batch_text(record))
    if command in ("worksheet", "label"):
        return _print(args, engine, out, ask)
    actor = _sign_in(args, engine, ask, args.user)
    signed = _signed_reason(args, engine, ask) if command == "weigh" and args.weight is not None else None
    with transaction(session_factory(engine)) as session:
        now = records_now(session)  # the records' clock: the server's on PostgreSQL
        if command == "weigh":
            if args.lot is None and args.weight is None:
                raise UsageError("compounder: batches weigh: give --lot, --weight or both")
            if args.lot is not None:
                from compounder.calc.equipment import with_certified_minimums
                from compounder.records.screening import choose_lot

                pharmacy = _pharmacy(args)
                choose_lot(session, actor, with_certified_minimums(catalog, pharmacy.certified_minimums), args.number, args.line,
                           _lot_id(session, args.lot, "--lot"), now, final_weight_tolerance=pharmacy.final_weight_tolerance)
            if args.weight is not None:
                from compounder.calc.equipment import certified_minimum

                # The settings read now: a new certified minimum applies to this weighing. With no
                # settings file at all, no balance is certified: the plan's 820 × readability stands.
                try:
                    certified = _pharmacy(args).certified_minimums
                except FileNotFoundError:
                    if args.pharmacy_settings is not None:
                        raise
                    certified = {}
                balance = batches.batch_record(session, args.number).plan["balance"]["name"]
                batches.enter_weight(session, actor, args.number, args.line, args.weight.strip().removesuffix("g").strip(), now,
                                     minimum_weighable=certified_minimum(catalog, certified, balance), signed=signed)
        elif command == "prepare":
            batches.sign_prepared(session, actor, args.number, now)
        elif command == "surplus":
            batches.record_surplus(session, actor, args.number, args.disposition, now)
        elif command == "verify":
            batches.verify(session, actor, args.number, now, allow_self_verification=_pharmacy(args).allow_self_verification)
        else:  # decide
            from compounder.calc.finding_numbers import fingerprints
            from compounder.records.batches import FindingDecision

            plan = batches.batch_record(session, args.number).plan
            numbers = fingerprints(plan)
            decisions = [FindingDecision(code.upper(), actor, reason, numbers.get(code.upper())) for code, reason in _pairs(args.acknowledge, "--acknowledge", "CODE=REASON")]
            batches.decide_again(session, args.number, decisions, now)
        record = batches.batch_record(session, args.number)
    return _emit(args, out, batch_data(record), batch_text(record))


def _signed_reason(args: argparse.Namespace, engine, ask: Ask):
    """Where the pharmacy requires the balance, the pharmacist's signed reason for a typed weight
    (``--pharmacist``, the password asked, ``--reason``); else None."""
    from compounder.records.boundary import reading
    from compounder.records.database import session_factory
    from compounder.records.weighing_policy import sign_reason, weighing_policy

    with reading(session_factory(engine)) as session:
        required = weighing_policy(session).balance_required
    if not required:
        return None
    if not args.pharmacist or not (args.reason or "").strip():
        raise UsageError(
            "compounder: batches weigh: the pharmacy requires weights read from the balance; a typed weight needs "
            "--pharmacist NAME and --reason TEXT (the pharmacist's password is asked for)"
        )
    return sign_reason(session_factory(engine), args.pharmacist, _password(args, ask, args.pharmacist), args.reason, _now())


def _make_tolerance(args: argparse.Namespace, engine, pharmacy) -> str | None:
    """--tolerance as given; else the pharmacy's: None once the records hold it (they use theirs),
    the settings file's until an administrator stores it."""
    from compounder.records.boundary import reading
    from compounder.records.database import session_factory
    from compounder.records.weighing_policy import weighing_policy

    with reading(session_factory(engine)) as session:
        if weighing_policy(session).tolerance_percent is not None:
            return args.tolerance  # the records' rule: one given that differs is refused there
    # Until an administrator stores it, the pharmacy's tolerance is the settings file's: never one
    # typed for this batch (a technician's 10 % where the SOP says 5 % is what issue 28 saw).
    file = pharmacy.weighing_tolerance
    if file is None:
        raise UsageError(
            "compounder: batches make: weighing tolerance: the pharmacy has none; an administrator sets the SOP's "
            "(weighing_tolerance in the pharmacy settings, or File ▸ Pharmacy settings… in the window)"
        )
    mine = str(file.to("percent").magnitude)
    if args.tolerance is not None:
        from compounder.records.policy import parse_tolerance

        if parse_tolerance(args.tolerance) != parse_tolerance(mine):
            pharmacys = f"{parse_tolerance(mine).normalize():f}"
            raise UsageError(f"compounder: batches make: --tolerance: the pharmacy's weighing tolerance is ± {pharmacys} %; a batch is not made at ± {args.tolerance} %")
    return mine


def _make(args: argparse.Namespace, engine, catalog: Catalog, out: TextIO, err: TextIO, ask: Ask) -> int:
    from compounder.calc import Severity
    from compounder.calc.batch_document import plan_with_documents
    from compounder.calc.equipment import with_certified_minimums
    from compounder.calc.finding_numbers import fingerprints
    from compounder.calc.plan_data import plan_to_json
    from compounder.calc.release import overridable
    from compounder.records import people
    from compounder.records.batches import FindingDecision
    from compounder.records.boundary import transaction
    from compounder.records.clock import records_now, records_today
    from compounder.records.database import session_factory
    from compounder.records.fills import refill_order
    from compounder.records.library import FormulaLibrary, utc_now
    from compounder.records.screening import make_batch, parse_batch_order, screened_plan

    born = optional_date(args.born, "--born")
    order_data = dict(read_formula_file(Path(args.order)))
    unknown = sorted(set(order_data) - {"prescription", "directions", "container"})
    if unknown:
        raise UsageError(f"compounder: --order: {', '.join(unknown)}: not part of an order; give prescription, directions and container")
    chosen_text = _pairs(args.lot, "--lot", "LINE=LOT (e.g. 1=LB26-777)")
    acknowledged = _pairs(args.acknowledge, "--acknowledge", "CODE=REASON")
    if acknowledged and not args.pharmacist:
        raise UsageError("compounder: --pharmacist: give the pharmacist who signs the acknowledgements")
    pharmacy = _pharmacy(args)
    tolerance = _make_tolerance(args, engine, pharmacy)
    catalog = with_certified_minimums(catalog, pharmacy.certified_minimums)
    library = FormulaLibrary(session_factory(engine), utc_now)
    with _library_errors():
        entry = _formula_entry(library, args.formula)
        version = library.approved_version(entry.id)
    if version is None:
        raise UsageError(f"compounder: --formula: {entry.name} has no approved version; a pharmacist approves it first (compounder formulas approve)")
    actor = _sign_in(args, engine, ask, args.user)
    signer = _sign_in(args, engine, ask, args.pharmacist) if acknowledged else None
    with transaction(session_factory(engine)) as session:
        now = records_now(session)  # the batch is dated and timed by the records' clock, not this computer's
        today = records_today(now)
        chosen = {}
        for line, lot in chosen_text:
            if not line.isdigit():
                raise UsageError(f"compounder: --lot: {line!r} is not a line number; give LINE=LOT, e.g. 1=LB26-777")
            chosen[int(line)] = _lot_id(session, lot, "--lot")
        patient = people.patient(session, actor, args.patient, born, now)
        prescription = {"patient": args.patient.strip(), "rx_number": args.rx.strip(), "prescriber": args.prescriber.strip(),
                        **({"date_of_birth": born.isoformat()} if born else {}), **(order_data.get("prescription") or {})}
        order_data["prescription"] = prescription
        order_data = refill_order(session, patient.id, args.rx, order_data)
        order = parse_batch_order(order_data).order
        plan = screened_plan(session, catalog, version.id, patient.id, today, order=order_data, lots=chosen)
        needed = [f for f in plan.findings if f.severity is Severity.WARNING or overridable(f)]
        given = {code.upper() for code, _ in acknowledged}
        missing = [f for f in needed if f.code not in given]
        blocking = [f for f in plan.findings if f.severity is Severity.ERROR and not f.patient]
        if missing or blocking:
            session.rollback()
            print(f"no batch made: {len(missing) + len(blocking)} finding(s) need a decision or a correction", file=err)
            for f in [*blocking, *missing]:
                print(one_line(f"  {f.severity.value.upper():<8} {f.code}: {f.message}"), file=err)
            print("acknowledge each warning with --acknowledge CODE=REASON --pharmacist NAME", file=err)
            return EXIT_FINDINGS
        numbers = fingerprints(plan_to_json(plan))
        decisions = [FindingDecision(code.upper(), signer, reason, numbers.get(code.upper())) for code, reason in acknowledged] if signer else []
        record = make_batch(
            session, actor, catalog, formula_version_id=version.id, patient=patient, rx_number=args.rx, prescriber=args.prescriber,
            compounded_on=today, tolerance_percent=tolerance, now=now, acknowledgements=decisions, order=order_data, lots=chosen,
            freeze=lambda p: plan_with_documents(p, order, catalog, today, pharmacy.final_weight_tolerance),
        )
    return _emit(args, out, batch_data(record), batch_text(record))


def _print(args: argparse.Namespace, engine, out: TextIO, ask: Ask) -> int:
    from compounder.calc import InputError
    from compounder.documents.common import UnprintableText
    from compounder.documents.label import LabelOverflow
    from compounder.documents.stored import stored_label_pdf, stored_worksheet_pdf
    from compounder.records import printing
    from compounder.records.boundary import transaction
    from compounder.records.clock import records_now
    from compounder.records.database import session_factory

    pharmacy = _pharmacy(args)
    actor = _sign_in(args, engine, ask, args.user)
    target = Path(args.out)
    with transaction(session_factory(engine)) as session:
        now = records_now(session)
        try:
            if args.batches_command == "worksheet":
                pdf = stored_worksheet_pdf(printing.worksheet_to_print(session, actor, args.number, now), pharmacy)
                action = printing.PRINT_WORKSHEET
            else:
                stock = chosen_label_stock(args.stock, pharmacy.label_stock, args.position)
                pdf = stored_label_pdf(printing.label_to_print(session, actor, args.number, now), pharmacy, stock, args.position)
                action = printing.PRINT_LABEL
        except (InputError, LabelOverflow, UnprintableText) as error:
            raise UsageError(f"compounder: {error.field}: {error.message}") from None
        try:
            target.write_bytes(pdf)
        except OSError as error:
            raise UsageError(f"compounder: --out: cannot write {target} ({error.strerror or error})") from None
        printing.record_print(session, actor, args.number, action, now)
    return _emit(args, out, {"batch_number": args.number, "wrote": str(target), "document": args.batches_command}, f"wrote {target}")
