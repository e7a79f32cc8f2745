"""``compounder batches …``: make, show, weigh, prepare, verify, decide, surplus, worksheet and
label, through the same records functions as the window (``records_commands`` parses them).

A batch held back by findings nobody decided is listed, exit 1; bad input is one line naming the
field, exit 2."""


from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any, TextIO

from compounder.calc import Catalog
from compounder.cli.blind_check_commands import blind_check, blind_check_setting, sign_refill
from compounder.cli.errors import EXIT_FINDINGS, EXIT_USAGE, UsageError, one_line
from compounder.cli.inputs import (
    chosen_label_stock,
    optional_date,
    read_formula_file,
)
from compounder.cli.records_io import (
    Ask,
    emit,
    formula_entry,
    library_errors,
    lot_id,
    now,
    pairs,
    password,
    pharmacy_settings,
    sign_in,
    signature,
    signed_in,
)


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


def batches_command(args: argparse.Namespace, engine, catalog: Catalog, out: TextIO, err: TextIO, ask: Ask) -> int:
    from compounder.records import batches
    from compounder.records.boundary import reading, transaction
    from compounder.records.clock import records_now
    from compounder.records.database import session_factory

    command = args.batches_command
    if command == "make":
        return _make(args, engine, catalog, out, err, ask)
    if command == "show":
        from compounder.cli.privacy import patients_shown
        from compounder.records.blind_check import checks_of
        from compounder.records.refill_signoff import signed_change

        shown = patients_shown(args, engine, ask)
        with reading(session_factory(engine)) as session:
            record = batches.batch_record(session, args.number)
            checks, change = checks_of(session, args.number), signed_change(session, args.number)
        if not shown:  # the batch, its lines and signatures; not whom it is for
            from compounder.records.privacy import HIDDEN

            record = dataclasses.replace(record, patient=dataclasses.replace(record.patient, name=HIDDEN, date_of_birth=None), rx_number=HIDDEN)
        data = {**batch_data(record), "blind_checks": checks, "refill_change": None if change is None else change.as_data()}
        text = batch_text(record) + "".join(f"\n  blind check by {c['by']}: {'matched' if c['matched'] else 'DID NOT MATCH'}" for c in checks)
        if change is not None:
            text += f"\n  {change.text}"
        return emit(args, out, data, text)
    if command in ("worksheet", "label"):
        return _print(args, engine, out, ask)
    if command == "sign-refill":
        return sign_refill(args, engine, out, err, ask)
    actor, credentials = signed_in(args, engine, ask, args.user)  # prepare, verify, decide: signed with these
    if command == "blind-check":
        return blind_check_setting(args, engine, actor, out)
    if command == "verify" and not blind_check(args, engine, actor, err):
        return EXIT_USAGE
    signed = _signed_reason(args, engine, ask) if command == "weigh" and args.weight is not None else None
    with transaction(session_factory(engine)) as session:
        now = records_now(session)  # the records' clock: the server's on PostgreSQL
        if command == "weigh":
            if args.lot is None and args.weight is None:
                raise UsageError("compounder: batches weigh: give --lot, --weight or both")
            if args.lot is not None:
                from compounder.calc.equipment import with_certified_minimums
                from compounder.records.screening import choose_lot

                pharmacy = pharmacy_settings(args)
                choose_lot(session, actor, with_certified_minimums(catalog, pharmacy.certified_minimums), args.number, args.line,
                           lot_id(session, args.lot, "--lot"), now, final_weight_tolerance=pharmacy.final_weight_tolerance)
            if args.weight is not None:
                from compounder.calc.equipment import certified_minimum

                # The settings read now: a new certified minimum applies to this weighing. With no
                # settings file at all, no balance is certified: the plan's 820 × readability stands.
                typed_balance = None  # the balance the weight was read from: --balance, else the station's in the settings
                try:
                    settings = pharmacy_settings(args)
                    certified, typed_balance = settings.certified_minimums, settings.balance_id
                except FileNotFoundError:
                    if args.pharmacy_settings is not None:
                        raise
                    certified = {}
                balance = batches.batch_record(session, args.number).plan["balance"]["name"]
                batches.enter_weight(session, actor, args.number, args.line, args.weight.strip().removesuffix("g").strip(), now,
                                     minimum_weighable=certified_minimum(catalog, certified, balance), signed=signed,
                                     balance_id=args.balance or typed_balance)
        elif command == "prepare":
            from compounder.records.quality_logs import competency_warning

            batches.sign_prepared(session, credentials, args.number, now)
            warning = competency_warning(session, actor.id, args.number, now.astimezone().date())
            if warning is not None:
                print(f"warning: {warning}", file=err)
        elif command == "prescription":
            from compounder.cli.inputs import optional_date
            from compounder.records.contacts import set_prescription

            given = set_prescription(session, actor, args.number, now, npi=args.npi, dea=args.dea, written_on=optional_date(args.written, "--written"))
            print(f"prescription of {args.number}: NPI {given.npi or '—'}, DEA {given.dea or '—'}, written {given.written_on or '—'}", file=err)
        elif command == "surplus":
            batches.record_surplus(session, actor, args.number, args.disposition, now)
        elif command == "verify":
            batches.verify(session, credentials, args.number, now, allow_self_verification=pharmacy_settings(args).allow_self_verification)
        else:  # decide
            from compounder.calc.finding_numbers import fingerprints
            from compounder.records.batches import FindingDecision

            plan = batches.batch_record(session, args.number).plan
            numbers = fingerprints(plan)
            decisions = [FindingDecision(code.upper(), credentials, reason, numbers.get(code.upper())) for code, reason in pairs(args.acknowledge, "--acknowledge", "CODE=REASON")]
            batches.decide_again(session, args.number, decisions, now)
        record = batches.batch_record(session, args.number)
    return emit(args, out, batch_data(record), batch_text(record))


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
    return sign_reason(session_factory(engine), args.pharmacist, password(args, ask, args.pharmacist), args.reason, now())


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
    from compounder.records.screening import make_batch, parse_batch_order, screened_plan, with_formula_documents

    born = optional_date(args.born, "--born")
    order_data = dict(read_formula_file(Path(args.order)))
    unknown = sorted(set(order_data) - {"prescription", "directions", "container"})
    if unknown:
        raise UsageError(f"compounder: --order: {', '.join(unknown)}: not part of an order; give prescription, directions and container")
    chosen_text = pairs(args.lot, "--lot", "LINE=LOT (e.g. 1=LB26-777)")
    acknowledged = pairs(args.acknowledge, "--acknowledge", "CODE=REASON")
    if acknowledged and not args.pharmacist:
        raise UsageError("compounder: --pharmacist: give the pharmacist who signs the acknowledgements")
    pharmacy = pharmacy_settings(args)
    tolerance = _make_tolerance(args, engine, pharmacy)
    catalog = with_certified_minimums(catalog, pharmacy.certified_minimums)
    library = FormulaLibrary(session_factory(engine), utc_now)
    with library_errors():
        entry = formula_entry(library, args.formula)
        version = library.approved_version(entry.id)
    if version is None:
        raise UsageError(f"compounder: --formula: {entry.name} has no approved version; a pharmacist approves it first (compounder formulas approve)")
    actor = sign_in(args, engine, ask, args.user)
    signer = signature(args, engine, ask, args.pharmacist) if acknowledged else None
    with transaction(session_factory(engine)) as session:
        now = records_now(session)  # the batch is dated and timed by the records' clock, not this computer's
        today = records_today(now)
        chosen = {}
        for line, lot in chosen_text:
            if not line.isdigit():
                raise UsageError(f"compounder: --lot: {line!r} is not a line number; give LINE=LOT, e.g. 1=LB26-777")
            chosen[int(line)] = lot_id(session, lot, "--lot")
        patient = people.patient(session, actor, args.patient, born, now)
        prescription = {"patient": args.patient.strip(), "rx_number": args.rx.strip(), "prescriber": args.prescriber.strip(),
                        **({"date_of_birth": born.isoformat()} if born else {}), **(order_data.get("prescription") or {})}
        order_data["prescription"] = prescription
        order_data = with_formula_documents(version.data, order_data)  # the master formula's steps and checks on its worksheet
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
    return emit(args, out, batch_data(record), batch_text(record))


def _print(args: argparse.Namespace, engine, out: TextIO, ask: Ask) -> int:
    from compounder.calc import InputError
    from compounder.documents.common import UnprintableText
    from compounder.documents.label import LabelOverflow
    from compounder.documents.stored import stored_label_pdf, stored_worksheet_pdf
    from compounder.records import printing
    from compounder.records.boundary import transaction
    from compounder.records.clock import records_now
    from compounder.records.database import session_factory

    pharmacy = pharmacy_settings(args)
    actor = sign_in(args, engine, ask, args.user)
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
    return emit(args, out, {"batch_number": args.number, "wrote": str(target), "document": args.batches_command}, f"wrote {target}")
