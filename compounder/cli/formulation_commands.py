"""``compounder formulas show|record|print`` (the master formulation record) and ``compounder
batches qc|deviation|decide-deviation|remake`` (the compounding record's QC results, deviations
and remake link), through the same records functions as the window (issue 25). ``--json``
prints the result as JSON; bad input is one line naming the field, exit 2."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from compounder.calc import Catalog
from compounder.cli.errors import UsageError
from compounder.cli.inputs import read_formula_file
from compounder.cli.records_io import Ask, emit, formula_entry, library_errors, pharmacy_settings, sign_in

FORMULA_COMMANDS = ("show", "record", "print")
BATCH_COMMANDS = ("qc", "deviation", "decide-deviation", "remake")


def add_formulation_parsers(formula_commands, batch_commands) -> list[argparse.ArgumentParser]:
    """The subcommands; returns them for the shared --database/--json/--user options."""
    show = formula_commands.add_parser("show", help="a master formula's master formulation record: each element, the missing ones named")
    show.add_argument("name", help="the master formula's name")
    record = formula_commands.add_parser(
        "record", help='write the master formulation record\'s elements from a JSON or TOML file ({"master_record": {...}, "steps": [...]}); '
        "saved as a new version a pharmacist approves")
    record.add_argument("name", help="the master formula's name")
    record.add_argument("file", help='file with "master_record" (characteristics, container_closure, equipment, description, '
                        'bud_reference, labelling, quality_control, notes) and/or "steps"')
    record.add_argument("--version", type=int, help="the version you edited: refused (nothing saved) when the newest is another")
    printed = formula_commands.add_parser("print", help="write the master formulation record as PDF")
    printed.add_argument("name", help="the master formula's name")
    printed.add_argument("--out", required=True, help="PDF file to write")
    printed.add_argument("--version", type=int, help="the version to print (default: the newest)")
    printed.add_argument("--pharmacy-settings", help="pharmacy settings file (default: the user's settings)")

    qc = batch_commands.add_parser("qc", help="enter a QC result against the master formula's procedures (required before verification)")
    qc.add_argument("--check", required=True, choices=("final_weight", "appearance", "ph"))
    qc.add_argument("--weight", help="final_weight: the finished preparation's weight in grams, e.g. 119.4")
    qc.add_argument("--observed", help="appearance: what it looks like")
    qc.add_argument("--conforms", choices=("yes", "no"), help="appearance (and a final weight with no tolerance on record): meets the specification?")
    qc.add_argument("--ph", help="ph: the meter's reading, e.g. 6.4")
    deviation = batch_commands.add_parser("deviation", help="record a deviation from the master formula, with the reason")
    deviation.add_argument("--description", required=True, help="what was done differently")
    deviation.add_argument("--reason", required=True, help="why")
    decide = batch_commands.add_parser("decide-deviation", help="a pharmacist accepts or rejects a deviation")
    decide.add_argument("--deviation", type=int, required=True, help="the deviation's number (1 = first)")
    decide.add_argument("--decision", required=True, choices=("accepted", "rejected"))
    decide.add_argument("--note", help="the pharmacist's note (required to reject)")
    remake = batch_commands.add_parser("remake", help="link this draft batch to the batch it is made again in place of")
    remake.add_argument("--replaces", required=True, help="the batch number it replaces")
    remake.add_argument("--reason", required=True, help="why it is made again")
    for command in (qc, deviation, decide, remake):
        command.add_argument("number", help="batch number, e.g. 261123-001")
    return [show, record, printed, qc, deviation, decide, remake]


def formulas_command(args: argparse.Namespace, engine, catalog: Catalog, out: TextIO, ask: Ask) -> int:
    from compounder.calc.master_record import ELEMENTS, missing_elements, record_of
    from compounder.records.database import session_factory
    from compounder.records.library import FormulaLibrary, utc_now
    from compounder.records.master_records import version_approval_text, write_record

    sessions = session_factory(engine)
    library = FormulaLibrary(sessions, utc_now)
    with library_errors():
        entry = formula_entry(library, args.name)
        if args.formulas_command == "record":
            data = read_formula_file(Path(args.file))
            if not isinstance(data, dict) or not set(data) <= {"master_record", "steps"} or not data:
                raise UsageError(f'compounder: {args.file}: give an object with "master_record" and/or "steps"')
            steps = data.get("steps")
            if steps is not None and not isinstance(steps, list):
                raise UsageError("compounder: steps: give a list of steps")
            actor = sign_in(args, engine, ask, args.user)
            saved = write_record(library, entry.id, data.get("master_record"), steps, actor,
                                 based_on=args.version if args.version is not None else entry.version)
            missing = missing_elements(saved.data)
            return emit(args, out, {"id": saved.id, "name": saved.name, "version": saved.version, "approved": False, "missing": missing},
                        f"saved {saved.name!r}, version {saved.version}; a pharmacist approves it before batches use it"
                        + (f"; still missing: {'; '.join(missing)}" if missing else "; every element is written"))
        versions = library.versions(entry.id)
        version = versions[-1] if getattr(args, "version", None) is None else next((v for v in versions if v.version == args.version), None)
        if version is None:
            raise UsageError(f"compounder: --version: {entry.name!r} has no version {args.version}")
        named = version_approval_text(sessions, version)
        if args.formulas_command == "print":
            return _print(args, version.data, named, catalog, out)
        record = record_of(version.data)
        elements: dict[str, Any] = {key: getattr(record, key) for key, _words in ELEMENTS}
        qc = record.quality_control
        elements["quality_control"] = None if qc is None else {"appearance": qc.appearance, "ph": qc.ph.text() if qc.ph else None}
        elements["equipment"] = list(record.equipment)
        missing = missing_elements(version.data)
        data = {"name": version.name, "version": version.version, "approval": named, "steps": version.data.get("steps"),
                "master_record": elements, "missing": missing}
        lines = [named]
        for key, words in ELEMENTS:
            value = elements[key]
            lines.append(f"  {words}: {value if value not in (None, [], {}) else 'MISSING'}")
        lines.append(f"  compounding steps: {len(version.data.get('steps') or [])} written" if version.data.get("steps") else "  compounding steps: MISSING")
        lines.append(f"  missing: {'; '.join(missing)}" if missing else "  every element is written")
        return emit(args, out, data, "\n".join(lines))


def _print(args: argparse.Namespace, data: dict, named: str, catalog: Catalog, out: TextIO) -> int:
    from compounder.calc.master_record_sheet import master_record_sheet
    from compounder.cli.records_io import now
    from compounder.documents.master_record import master_record_pdf

    pharmacy = pharmacy_settings(args)
    sheet = master_record_sheet(data, named, catalog, now().date(), pharmacy.final_weight_tolerance)
    path = Path(args.out)
    path.write_bytes(master_record_pdf(sheet, pharmacy))
    return emit(args, out, {"out": str(path), "version": named, "missing": list(sheet.missing)},
                f"wrote the master formulation record of {named} to {path}" + (f" ({len(sheet.missing)} element(s) missing)" if sheet.missing else ""))


def batch_formulation_command(args: argparse.Namespace, engine, out: TextIO, ask: Ask) -> int:
    from compounder.records import compounding_qc
    from compounder.records.batch_rows import batch_row
    from compounder.records.boundary import transaction
    from compounder.records.clock import records_now
    from compounder.records.database import session_factory

    actor = sign_in(args, engine, ask, args.user)
    command = args.batches_command
    with transaction(session_factory(engine)) as session:
        now = records_now(session)
        if command == "qc":
            conforms = None if args.conforms is None else args.conforms == "yes"
            weight = args.weight.strip().removesuffix("g").strip() if args.weight is not None else None
            compounding_qc.enter_result(session, actor, args.number, args.check, now, weight=weight, observed=args.observed,
                                        conforms=conforms, ph=args.ph)
        elif command == "deviation":
            compounding_qc.record_deviation(session, actor, args.number, args.description, args.reason, now)
        elif command == "decide-deviation":
            compounding_qc.decide_deviation(session, actor, args.number, args.deviation, args.decision, args.note, now)
        else:
            compounding_qc.link_remake(session, actor, args.number, args.replaces, args.reason, now)
        found = compounding_qc.details(session, batch_row(session, args.number))
    data = {
        "batch_number": args.number,
        "qc": [{"check": r.kind, "result": r.result, "passed": r.passed, "yield_percent": r.yield_percent, "by": r.by, "at": r.at}
               for r in found.results],
        "qc_missing": list(found.missing),
        "deviations": [{"number": d.number, "description": d.description, "reason": d.reason, "decision": d.decision,
                        "decided_by": d.decided_by, "note": d.decision_note} for d in found.deviations],
        "remake_of": found.remake_of, "replaced_by": found.replaced_by,
    }
    lines = [f"batch {args.number}:"]
    lines += [f"  QC {r.words}: {r.result} ({r.by})" for r in found.results]
    lines += [f"  QC missing: {', '.join(found.missing)}"] if found.missing else []
    lines += [f"  {d.text()}" for d in found.deviations]
    lines += [f"  remake of batch {found.remake_of}: {found.remake_reason}"] if found.remake_of else []
    return emit(args, out, data, "\n".join(lines))
