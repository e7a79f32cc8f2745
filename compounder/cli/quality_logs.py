"""``logs``: the quality logs from the command line (issue 25) — the balance log (register a
balance, record the day's check, status, report), equipment and cleaning, training and
competency (and the pharmacy's competency rule), complaints and adverse events, the SOP
register; each ``list`` (``--json``) and ``report --out PDF``. Also ``patients contact`` and
``batches prescription``, the recall's contact details. Every command that writes signs in
its ``--user`` (password asked, or ``--password-stdin``)."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, TextIO

from compounder.cli.errors import EXIT_OK, UsageError
from compounder.cli.inputs import on_database, optional_date
from compounder.cli.records_io import Ask, emit, sign_in

_WRITES = {
    "balance": ("register", "retire", "check"), "equipment": ("add",), "competency": ("add", "rule"), "complaints": ("add", "close"),
    "sops": ("add",),
}


def add_logs_parser(commands, database_help: str) -> None:
    logs = commands.add_parser("logs", help="quality logs: balance checks, equipment and cleaning, competency, complaints, SOPs")
    logs.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=database_help)
    kinds = logs.add_subparsers(dest="log", required=True, parser_class=type(logs))
    subs: list[argparse.ArgumentParser] = []

    def sub(parent, name: str, text: str) -> argparse.ArgumentParser:
        parser = parent.add_parser(name, help=text)
        subs.append(parser)
        return parser

    balance = kinds.add_parser("balance", help="the balance log: registered balances and their daily checks with test weights")
    b = balance.add_subparsers(dest="action", required=True, parser_class=type(logs))
    register = sub(b, "register", "register a balance (or change its name, tolerance, due dates); a pharmacist or administrator")
    register.add_argument("code", help="the ID the balance sends with its readings (the station's balance ID)")
    register.add_argument("--name", required=True, help="which balance, e.g. 'Ohaus PX224, bench 2'")
    register.add_argument("--tolerance", required=True, help="the daily check's limit in %% of the test weight, as the pharmacy's SOP sets it")
    register.add_argument("--calibration-due", help="next calibration YYYY-MM-DD")
    register.add_argument("--certificate-due", help="calibration certificate's expiry YYYY-MM-DD")
    retire = sub(b, "retire", "take a balance out of use")
    retire.add_argument("code")
    check = sub(b, "check", "record today's check: each test weight with its value and the reading")
    check.add_argument("code")
    check.add_argument("--weight", nargs=3, action="append", required=True, metavar=("WEIGHT", "VALUE_G", "READ_G"),
                       help="e.g. --weight '100 g F1 #7' 100 100.0004; repeat for each test weight")
    check.add_argument("--note")
    sub(b, "status", "each balance today: may it weigh, and what is due")
    equipment = kinds.add_parser("equipment", help="the equipment and cleaning log")
    e = equipment.add_subparsers(dest="action", required=True, parser_class=type(logs))
    add = sub(e, "add", "an entry: what was cleaned, maintained or checked")
    add.add_argument("equipment")
    add.add_argument("--kind", required=True, choices=("cleaning", "maintenance", "check"))
    add.add_argument("--note", required=True, help="what was done")
    add.add_argument("--on", help="the day YYYY-MM-DD (default: today)")
    competency = kinds.add_parser("competency", help="training and competency per person and dosage form")
    c = competency.add_subparsers(dest="action", required=True, parser_class=type(logs))
    add_c = sub(c, "add", "a pharmacist records a person's assessed competency for a dosage form")
    add_c.add_argument("person", help="user name")
    add_c.add_argument("--form", required=True, help="dosage form, e.g. cream")
    add_c.add_argument("--assessed", help="YYYY-MM-DD (default: today)")
    add_c.add_argument("--until", required=True, help="valid until YYYY-MM-DD")
    add_c.add_argument("--note")
    rule = sub(c, "rule", "an administrator sets what a missing competency does at the preparer's signature")
    rule.add_argument("value", choices=("off", "warn", "refuse"))
    complaints = kinds.add_parser("complaints", help="complaints and adverse events")
    k = complaints.add_subparsers(dest="action", required=True, parser_class=type(logs))
    add_k = sub(k, "add", "record a complaint or an adverse event")
    add_k.add_argument("--kind", required=True, choices=("complaint", "adverse event"))
    add_k.add_argument("--received", help="YYYY-MM-DD (default: today)")
    add_k.add_argument("--from", dest="reported_by", required=True, help="who reported it")
    add_k.add_argument("--description", required=True)
    add_k.add_argument("--batch", help="the batch number, when known")
    add_k.add_argument("--serious", action="store_true", help="a serious adverse event (reported to FDA MedWatch)")
    close = sub(k, "close", "a pharmacist records the outcome and/or the MedWatch report date")
    close.add_argument("id", type=int)
    close.add_argument("--outcome")
    close.add_argument("--medwatch", help="the day it was reported to MedWatch YYYY-MM-DD")
    sops = kinds.add_parser("sops", help="the SOP register with review dates")
    s = sops.add_subparsers(dest="action", required=True, parser_class=type(logs))
    add_s = sub(s, "add", "enter an SOP, or its new version or review (same code)")
    add_s.add_argument("code")
    add_s.add_argument("--title", required=True)
    add_s.add_argument("--version", required=True)
    add_s.add_argument("--effective", help="in force from YYYY-MM-DD (default: today)")
    add_s.add_argument("--review-due", required=True, help="next review YYYY-MM-DD")
    for parent in (b, e, c, k, s):
        listing = sub(parent, "list", "the entries (and what needs attention)")
        listing.add_argument("--since", help="from YYYY-MM-DD")
        listing.add_argument("--until", help="to YYYY-MM-DD")
        report = sub(parent, "report", "write the log's printable report as PDF")
        report.add_argument("--out", type=Path, required=True, help="PDF file to write")
        report.add_argument("--since", help="from YYYY-MM-DD")
        report.add_argument("--until", help="to YYYY-MM-DD")
        report.add_argument("--pharmacy-settings", help="pharmacy settings file, for the pharmacy's name and paper (default: the user's settings)")
    for parser in subs:
        parser.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        if parser.prog.split()[-1] in _WRITES.get(parser.prog.split()[-2], ()):
            parser.add_argument("--user", required=True, help="who records it (signs in: the password is asked for)")
            parser.add_argument("--password-stdin", action="store_true", help="read the password as one line of standard input")
    for parser in (balance, equipment, competency, complaints, sops):
        parser.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def _day(text: str | None, option: str, today: dt.date) -> dt.date:
    return optional_date(text, option) or today


def _required_day(text: str, option: str) -> dt.date:
    day = optional_date(text, option)
    assert day is not None  # required options
    return day


def logs_command(args: argparse.Namespace, out: TextIO, err: TextIO, ask: Ask) -> int:
    from compounder.records.boundary import reading, transaction
    from compounder.records.clock import records_now
    from compounder.records.database import migrate, session_factory

    with on_database(args.database, create=True, warnings=err) as (engine, _where):
        migrate(engine)
        if args.action in ("list", "report", "status"):
            with reading(session_factory(engine)) as session:
                return _read(args, session, records_now(session).astimezone().date(), out, err)
        actor = sign_in(args, engine, ask, args.user)
        with transaction(session_factory(engine)) as session:
            now = records_now(session)
            data, text = _write(args, session, actor, now, now.astimezone().date())
    return emit(args, out, data, text)


def _write(args: argparse.Namespace, session, actor, now: dt.datetime, today: dt.date) -> tuple[dict[str, Any], str]:
    from compounder.records import quality_balance, quality_logs

    log, action = args.log, args.action
    if log == "balance" and action == "register":
        state = quality_balance.register_balance(
            session, actor, args.code, args.name, args.tolerance, now, calibration_due=optional_date(args.calibration_due, "--calibration-due"),
            certificate_due=optional_date(args.certificate_due, "--certificate-due"),
        )
        return _data(state), f"registered balance {state.code} ({state.name}), daily-check tolerance ± {state.tolerance_percent:f} %"
    if log == "balance" and action == "retire":
        quality_balance.retire_balance(session, actor, args.code, now)
        return {"code": args.code, "active": False}, f"balance {args.code} retired: it records no weight"
    if log == "balance":
        weights = [quality_balance.TestWeight(name, nominal, read) for name, nominal, read in args.weight]
        check = quality_balance.record_check(session, actor, args.code, weights, today, now, note=args.note)
        lines = [f"  {w.weight}: {w.nominal_g:f} g read {w.read_g:f} g, {w.deviation_percent:+f} % — {'pass' if w.passed else 'FAIL'}" for w in check.weights]
        verdict = "PASSED: it may weigh today" if check.passed else "FAILED: it records no weight until a check passes"
        return _data(check), "\n".join([f"balance {check.code}, check of {check.checked_on} (± {check.tolerance_percent:f} %): {verdict}", *lines])
    if log == "equipment":
        entry = quality_logs.log_equipment(session, actor, args.equipment, args.kind, _day(args.on, "--on", today), args.note, now)
        return _data(entry), f"logged {entry.kind} of {entry.equipment} on {entry.done_on}"
    if log == "competency" and action == "rule":
        quality_logs.set_competency_rule(session, actor, args.value, now)
        return {"competency_rule": args.value}, f"competency rule: {args.value}"
    if log == "competency":
        comp = quality_logs.record_competency(
            session, actor, args.person, args.form, _day(args.assessed, "--assessed", today), _required_day(args.until, "--until"), now, note=args.note,
        )
        return _data(comp), f"{comp.person} ({comp.username}) competent to prepare a {comp.dosage_form} until {comp.valid_until}"
    if log == "complaints" and action == "close":
        row = quality_logs.close_complaint(session, actor, args.id, now, outcome=args.outcome, medwatch_on=optional_date(args.medwatch, "--medwatch"))
        return _data(row), f"complaint {row.id}: outcome {row.outcome or 'open'}; MedWatch {row.medwatch_on or '—'}"
    if log == "complaints":
        row = quality_logs.record_complaint(
            session, actor, args.kind, _day(args.received, "--received", today), args.reported_by, args.description, now,
            batch_number=args.batch, serious=args.serious,
        )
        return _data(row), f"recorded {row.kind} no. {row.id}" + (f"\n{row.reminder}" if row.reminder else "")
    sop = quality_logs.register_sop(
        session, actor, args.code, args.title, args.version, _day(args.effective, "--effective", today), _required_day(args.review_due, "--review-due"), now,
    )
    return _data(sop), f"SOP {sop.code} version {sop.version}, review due {sop.review_due}"


def _read(args: argparse.Namespace, session, today: dt.date, out: TextIO, err: TextIO) -> int:
    from compounder.records import quality_balance
    from compounder.records.quality_reports import log_table

    if args.action == "status":
        states = quality_balance.balance_states(session, today)
        if args.json:
            return emit(args, out, {"balances": [_data(s) for s in states]}, "")
        if not states:
            out.write("no balance is registered: weights are not held to a daily check\n")
        for s in states:
            out.write(f"{s.code} ({s.name}): {'may weigh' if s.may_weigh else 'BLOCKED — ' + (s.refusal or '')}\n")
            for warning in s.warnings:
                out.write(f"  warning: {warning}\n")
        return EXIT_OK
    since, until = optional_date(args.since, "--since"), optional_date(args.until, "--until")
    table = log_table(session, args.log, today, since=since, until=until)
    if args.action == "report":
        return _report(args, table, err)
    if args.json:
        return emit(args, out, {"title": table.title, "notices": list(table.notices),
                                "entries": [dict(zip(table.headers, row, strict=True)) for row in table.rows]}, "")
    for notice in table.notices:
        out.write(f"! {notice}\n")
    out.write(" | ".join(table.headers) + "\n")
    for row in table.rows:
        out.write(" | ".join(cell.replace("\n", ", ") for cell in row) + "\n")
    return EXIT_OK


def _report(args: argparse.Namespace, table, err: TextIO) -> int:
    from compounder.cli.records_io import pharmacy_settings
    from compounder.documents.common import UnprintableText
    from compounder.documents.quality_log import quality_log_pdf

    try:
        settings = pharmacy_settings(args)
        pharmacy, paper = settings.name, settings.worksheet_paper
    except FileNotFoundError:
        if args.pharmacy_settings is not None:
            raise
        pharmacy, paper = "(pharmacy settings not found)", "letter"
    try:
        pdf = quality_log_pdf(table, pharmacy, dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"), paper=paper)
    except UnprintableText as error:
        raise UsageError(f"compounder: {error.field}: {error.message}") from None
    try:
        args.out.write_bytes(pdf)
    except OSError as error:
        raise UsageError(f"--out: cannot write {args.out} ({error.strerror or error})") from None
    print(f"{table.title}: {len(table.rows)} row(s) written to {args.out}", file=err)
    return EXIT_OK


def _data(value: Any) -> dict[str, Any]:
    """A record as JSON's data (``emit`` writes decimals and dates as text, ``plain``)."""
    return dataclasses.asdict(value)
