"""``compounder lots …``: receive a lot (into quarantine, or released by the pharmacist receiving it),
release it, correct, adjust, record a loss or theft, destroy (witnessed), void; list the lots;
the controlled-substance ledger and biennial inventory (PDF or ``--json``); reconcile.

Every command that writes signs in its ``--user`` (password at a prompt or ``--password-stdin``);
a destruction's ``--witness`` signs too. Bad input is one line on stderr naming the option, exit 2;
``reconcile`` exits 1 when a lot's stock differs from its records.
"""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO

from compounder.calc import Catalog
from compounder.cli.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from compounder.cli.inputs import optional_date
from compounder.cli.records_io import Ask, emit, lot_id, now, pharmacy_settings, sign_in, signature

WRITES = ("receive", "release", "correct", "adjust", "loss", "destroy", "void")


def add_lot_commands(lot_commands, receive: argparse.ArgumentParser, database_help: str) -> None:
    """The ``lots`` subcommands besides ``receive`` (whose own options are in ``records_commands``),
    and ``receive``'s release and controlled-substance options."""
    receive.add_argument("--release", action="store_true",
                         help="a pharmacist receiving the lot has reviewed its certificate of analysis (identity test names the ingredient, "
                         "assay and expiry as given here) and releases it now; without it the lot waits in quarantine")
    receive.add_argument("--controlled-supplier", help="controlled substance: the supplier's name (21 CFR 1304.22(c))")
    receive.add_argument("--controlled-supplier-address", help="controlled substance: the supplier's address")
    receive.add_argument("--supplier-dea", help="controlled substance: the supplier's DEA registration number, e.g. AB1234563")
    receive.add_argument("--invoice", help="controlled substance: the invoice number")
    receive.add_argument("--order-form", help="Schedule II: the DEA Form 222 or CSOS order number")
    made = []
    listing = lot_commands.add_parser("list", help="every lot with its status (quarantined, released, voided) and stock on hand")
    release = lot_commands.add_parser("release", help="a pharmacist releases a quarantined lot after reviewing its certificate of analysis")
    release.add_argument("--assay", help="the assay on the certificate in %%, e.g. 99.6 (leave out when it gives none)")
    release.add_argument("--expires", required=True, help="the expiry on the certificate, YYYY-MM-DD")
    release.add_argument("--identity-confirmed", action="store_true", required=True,
                         help="the certificate's identity test names this ingredient")
    correct = lot_commands.add_parser("correct", help="correct the quantity received (a pharmacist, with the reason)")
    correct.add_argument("--received", required=True, help="the quantity actually received, grams")
    adjust = lot_commands.add_parser("adjust", help="adjust the stock on hand to a count (a pharmacist, with the reason)")
    adjust.add_argument("--change", required=True, help="grams, signed: -0.25 for 0.25 g less")
    loss = lot_commands.add_parser("loss", help="a loss or theft, with DEA Form 106's facts (a pharmacist)")
    loss.add_argument("--kind", choices=("loss", "theft"), required=True)
    loss.add_argument("--quantity", required=True, help="grams lost")
    loss.add_argument("--discovered", required=True, help="the date it was discovered, YYYY-MM-DD")
    loss.add_argument("--type", required=True, dest="loss_type", help='e.g. "lost in transit", "employee pilferage", "night break-in"')
    loss.add_argument("--police", required=True, help='"not notified", or the department and report number')
    destroy = lot_commands.add_parser("destroy", help="destroy stock, witnessed by another person who signs too (DEA Form 41)")
    destroy.add_argument("--quantity", help="grams destroyed (default: all on hand)")
    destroy.add_argument("--destroyed", required=True, help="the date of destruction, YYYY-MM-DD")
    destroy.add_argument("--method", required=True, help='e.g. "rendered non-retrievable in a denaturing kit"')
    destroy.add_argument("--witness", required=True, help="the second person who witnessed it (signs in: password asked)")
    void = lot_commands.add_parser("void", help="void a lot entered in error (never one a batch used)")
    for command in (release, correct, adjust, loss, destroy, void):
        command.add_argument("lot", help="the lot number")
        made.append(command)
    for command in (correct, adjust, loss, destroy, void):
        command.add_argument("--reason", required=True)
    ledger = lot_commands.add_parser("ledger", help="the controlled-substance perpetual inventory, lot by lot (PDF with --out)")
    inventory = lot_commands.add_parser("inventory", help="the biennial controlled-substance inventory (21 CFR 1304.11), PDF with --out")
    inventory.add_argument("--date", help="the day the inventory was taken, YYYY-MM-DD (default: now, as the records' clock says)")
    inventory.add_argument("--when", choices=("opening", "close"), required=True, help="at the opening or the close of business")
    for command in (ledger, inventory):
        command.add_argument("--out", help="PDF file to write")
        command.add_argument("--registration", help="the pharmacy's DEA registration number, printed on it")
        command.add_argument("--pharmacy-settings", help="pharmacy settings file (default: the user's settings)")
    reconcile = lot_commands.add_parser("reconcile", help="compare every controlled lot's stock with its records (exit 1 on a difference); "
                                        "--all: every lot")
    reconcile.add_argument("--all", action="store_true")
    for command in (listing, ledger, inventory, reconcile, *made):
        command.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help=database_help)
        command.add_argument("--json", action="store_true", help="print the result as JSON")
    for command in made:
        command.add_argument("--user", required=True, help="who signs it (a pharmacist; the password is asked for)")
        command.add_argument("--password-stdin", action="store_true", help="read each password asked for as one line of standard input")


def lots_command(args: argparse.Namespace, engine, catalog: Catalog, out: TextIO, ask: Ask) -> int:
    from compounder.calc.controlled import schedule_mark

    def schedule_of(form: str) -> str | None:
        return schedule_mark(catalog, form)

    command = args.lots_command
    if command == "receive":
        return _receive(args, engine, schedule_of, out, ask)
    if command in WRITES:
        return _write(args, engine, out, ask)
    return _read(args, engine, schedule_of, out)


def _grams_option(text: str, option: str) -> str:
    raw = text.strip().removesuffix("g").strip()
    try:
        Decimal(raw)
    except InvalidOperation:
        raise UsageError(f"compounder: {option}: {text[:40]!r} is not a quantity in grams, e.g. 2.5") from None
    return raw


def _receive(args: argparse.Namespace, engine, schedule_of, out: TextIO, ask: Ask) -> int:
    from compounder.records.boundary import transaction
    from compounder.records.clock import records_now
    from compounder.records.database import session_factory
    from compounder.records.stock import ControlledReceiptDetails, receive

    expires = optional_date(args.expires, "--expires")
    assert expires is not None  # --expires is required
    schedule = schedule_of(args.stock_form)
    papers = (args.controlled_supplier, args.controlled_supplier_address, args.supplier_dea, args.invoice)
    controlled = None
    if any(value is not None for value in papers):
        missing = [option for option, value in zip(("--controlled-supplier", "--controlled-supplier-address", "--supplier-dea", "--invoice"),
                                                   papers, strict=True) if not value]
        if missing:
            raise UsageError(f"compounder: {missing[0]}: give it too: a controlled substance's receipt records the supplier, "
                             "its address and DEA number, and the invoice (21 CFR 1304.22(c))")
        controlled = ControlledReceiptDetails(schedule or "", args.controlled_supplier, args.controlled_supplier_address, args.supplier_dea,
                                              args.invoice, order_form=args.order_form)
    elif schedule is not None:
        raise UsageError(f"compounder: --controlled-supplier: {args.stock_form} is {schedule}: give --controlled-supplier, "
                         "--controlled-supplier-address, --supplier-dea and --invoice (21 CFR 1304.22(c))")
    credentials = signature(args, engine, ask, args.user)  # the lot's receipt is signed
    quantity = args.quantity.strip().removesuffix("g").strip()
    with transaction(session_factory(engine)) as session:
        lot = receive(
            session, credentials, schedule=schedule, controlled=controlled, ingredient=args.ingredient, stock_form=args.stock_form,
            manufacturer=args.manufacturer, lot_number=args.lot, expires=expires, quantity=quantity, potency_percent=args.potency,
            now=records_now(session), release=args.release, supplier=args.supplier,
        )
    data = {"id": lot.id, "lot": lot.lot_number, "ingredient": lot.ingredient, "stock_form": lot.stock_form, "manufacturer": lot.manufacturer,
            "supplier": lot.supplier, "expires": lot.expires, "potency_percent": lot.potency_percent, "received_grams": lot.received, "status": lot.status,
            "schedule": schedule}
    potency = f"{lot.potency_percent:f} %" if lot.potency_percent is not None else "no assay given"
    where = "released" if lot.status == "released" else "in quarantine until a pharmacist releases it (compounder lots release)"
    mark = f"{schedule} " if schedule else ""
    return emit(args, out, data, f"received lot {lot.lot_number} of {mark}{lot.stock_form} ({lot.manufacturer}), {lot.received:f} g, "
                f"{potency}, expires {lot.expires}; {where}")


def _write(args: argparse.Namespace, engine, out: TextIO, ask: Ask) -> int:
    from compounder.records import lots, stock
    from compounder.records.boundary import transaction
    from compounder.records.clock import records_now
    from compounder.records.database import session_factory

    command = args.lots_command
    actor = sign_in(args, engine, ask, args.user)
    witness = sign_in(args, engine, ask, args.witness) if command == "destroy" else None
    with transaction(session_factory(engine)) as session:
        at = records_now(session)
        found = lot_id(session, args.lot, "lot")
        if command == "release":
            assay = None if args.assay is None else Decimal(_grams_option(args.assay.rstrip("%"), "--assay"))
            expires = optional_date(args.expires, "--expires")
            assert expires is not None
            stock.release_lot(session, actor, found, stock.CoaReview(assay, expires, args.identity_confirmed), at)
        elif command == "correct":
            stock.correct_received(session, actor, found, _grams_option(args.received, "--received"), args.reason, at)
        elif command == "adjust":
            stock.adjust(session, actor, found, args.change, args.reason, at)
        elif command == "loss":
            discovered = optional_date(args.discovered, "--discovered")
            assert discovered is not None
            stock.record_loss(session, actor, found, args.kind, _grams_option(args.quantity, "--quantity"), args.reason,
                              stock.LossDetails(discovered, args.loss_type, args.police), at)
        elif command == "destroy":
            destroyed = optional_date(args.destroyed, "--destroyed")
            assert destroyed is not None and witness is not None
            quantity = None if args.quantity is None else _grams_option(args.quantity, "--quantity")
            stock.destroy(session, actor, found, quantity, args.reason, stock.DestructionDetails(destroyed, args.method, witness), at)
        else:
            stock.void(session, actor, found, args.reason, at)
        lot = lots.get_lot(session, found)
    data = {"id": lot.id, "lot": lot.lot_number, "stock_form": lot.stock_form, "status": lot.status, "received_grams": lot.received,
            "on_hand_grams": lot.remaining}
    done = {"release": "released", "correct": "corrected", "adjust": "adjusted", "loss": f"{args.__dict__.get('kind')} recorded on",
            "destroy": "destruction recorded on", "void": "voided"}[command]
    return emit(args, out, data, f"{done} lot {lot.lot_number} of {lot.stock_form}: {lot.remaining:f} g on hand ({lot.status})")


def _read(args: argparse.Namespace, engine, schedule_of, out: TextIO) -> int:
    from compounder.records import lots, stock_ledger
    from compounder.records.boundary import transaction
    from compounder.records.database import session_factory

    command = args.lots_command
    with transaction(session_factory(engine)) as session:
        if command == "list":
            found = lots.lots(session)
            data = [{"id": lot.id, "lot": lot.lot_number, "stock_form": lot.stock_form, "manufacturer": lot.manufacturer,
                     "expires": lot.expires, "status": lot.status, "schedule": schedule_of(lot.stock_form), "received_grams": lot.received,
                     "on_hand_grams": lot.remaining, "potency_percent": lot.potency_percent} for lot in found]
            text = "\n".join(f"{row['lot']:<14} {(row['schedule'] or ''):<6} {row['stock_form']:<34} {row['status']:<11} "
                             f"{row['on_hand_grams']:f} g of {row['received_grams']:f} g, expires {row['expires']}" for row in data)
            return emit(args, out, {"lots": data}, text or "no lots on record")
        if command == "reconcile":
            chosen = lots.lots(session) if args.all else stock_ledger.controlled_lots(session, schedule_of)
            problems = stock_ledger.reconcile(session, chosen)
            emit(args, out, {"lots_checked": len(chosen), "differences": problems},
                 "\n".join(problems) if problems else f"{len(chosen)} lot{'s' if len(chosen) != 1 else ''}: stock on hand = the records")
            return EXIT_FINDINGS if problems else EXIT_OK
        ledgers = stock_ledger.ledgers(session, stock_ledger.controlled_lots(session, schedule_of), schedule_of)
        if command == "ledger":
            printed = [stock_ledger.printed_ledger(ledger) for ledger in ledgers]
            return _ledger_out(args, out, printed)
        from compounder.records.clock import records_now

        day = optional_date(args.date, "--date")
        taken = records_now(session)
        if day is not None:
            if day > taken.date():
                raise UsageError(f"compounder: --date: {day.isoformat()} is after today; an inventory is of what was on hand")
            taken = dt.datetime.combine(day, dt.time(0, 0) if args.when == "opening" else dt.time(23, 59, 59), tzinfo=dt.UTC)
        moment = taken
        lines = stock_ledger.inventory_lines(ledgers, moment)
    return _inventory_out(args, out, lines, moment)


def _ledger_out(args: argparse.Namespace, out: TextIO, printed) -> int:
    data = {"lots": [{"schedule": ledger.schedule, "stock_form": ledger.stock_form, "lot": ledger.lot_number, "receipt": ledger.receipt,
                      "on_hand_grams": ledger.on_hand_g, "entries": [
                          {"at": entry.at, "kind": entry.kind, "change_grams": entry.change_g, "balance_grams": entry.balance_g,
                           "what": entry.what, "by": entry.by} for entry in ledger.entries]} for ledger in printed]}
    if args.out:
        from compounder.documents.controlled_records import ledger_pdf

        Path(args.out).write_bytes(ledger_pdf(pharmacy_settings(args), printed, now(), args.registration))
    text = "\n".join(f"{ledger.schedule} {ledger.stock_form} lot {ledger.lot_number}: {ledger.on_hand_g:f} g on hand, "
                     f"{len(ledger.entries)} entries" for ledger in printed) or "no controlled-substance lots on record"
    return emit(args, out, data, text + (f"\nwrote {args.out}" if args.out else ""))


def _inventory_out(args: argparse.Namespace, out: TextIO, lines, moment: dt.datetime) -> int:
    from compounder.calc.controlled_records import CLOSE, OPENING

    when = OPENING if args.when == "opening" else CLOSE
    data = {"taken_at": moment, "when": when, "lines": [
        {"schedule": line.schedule, "stock_form": line.stock_form, "lot": line.lot_number, "manufacturer": line.manufacturer,
         "expires": line.expires, "on_hand_grams": line.on_hand_g} for line in lines]}
    if args.out:
        from compounder.documents.controlled_records import biennial_inventory_pdf

        Path(args.out).write_bytes(biennial_inventory_pdf(pharmacy_settings(args), lines, moment, when, now(), args.registration))
    text = "\n".join(f"{line.schedule:<6} {line.stock_form} lot {line.lot_number}: {line.on_hand_g:f} g" for line in lines)
    return emit(args, out, data, (text or "no controlled substance on hand") + (f"\nwrote {args.out}" if args.out else ""))
