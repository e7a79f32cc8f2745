"""``compounder batches verify --figure``, ``batches sign-refill`` and ``batches blind-check``: the
verifying pharmacist's own figures compared before the verification, the refill's changes signed
by a pharmacist, and the pharmacy's blind-check setting (issue 24), for ``batch_commands``."""

from __future__ import annotations

import argparse
from typing import TextIO

from compounder.cli.errors import UsageError, one_line
from compounder.cli.records_io import Ask, emit, now, password


def blind_check(args: argparse.Namespace, engine, actor, err: TextIO) -> bool:
    """The blind double check before a verification (issue 24): the pharmacist's ``--figure``s
    compared with the plan and recorded in their own transaction, match or not. True when the
    verification may go on (a match, or the pharmacy has the check off); on a mismatch the
    figures and the calculation are written to ``err`` and False returned (exit 2). Figures
    missing: one line naming them (``UsageError``), nothing recorded."""
    from compounder.calc import InputError
    from compounder.calc.blind_check import WORDS, missing, named_figures
    from compounder.records.blind_check import figures_wanted, record_check
    from compounder.records.boundary import reading, transaction
    from compounder.records.clock import records_now
    from compounder.records.database import session_factory

    with reading(session_factory(engine)) as session:
        wanted = figures_wanted(session, args.number)
    if not wanted:
        if args.figure:
            raise UsageError("compounder: --figure: the pharmacy has the blind check switched off; verify without figures")
        return True
    try:
        given = named_figures(wanted, args.figure)
    except InputError as error:
        raise UsageError(f"compounder: {error.field}: {error.message}") from None
    absent = missing(wanted, given)
    if absent:
        needed = ", ".join(f'--figure "{w.position}=…{" g" if w.kind == "grams" else " " + w.kind}" ({w.name}: {WORDS[w.kind]})' for w in absent)
        raise UsageError(f"compounder: batches verify: the blind check needs the figures you worked out yourself: {needed}")
    with transaction(session_factory(engine)) as session:
        outcome = record_check(session, actor, args.number, given, records_now(session))
    if outcome.matches:
        return True
    print(one_line(f"compounder: batch {args.number} is not verified: your blind check did not match the plan (recorded)"), file=err)
    for compared in outcome.check.compared:
        print(one_line(f"  {compared.text}"), file=err)
        if not compared.matches:
            for step in compared.wanted.trail:
                print(one_line(f"      {step}"), file=err)
    return False


def sign_refill(args: argparse.Namespace, engine, out: TextIO, err: TextIO, ask: Ask) -> int:
    """``batches sign-refill``: the changes printed (on ``err``, before the password is asked),
    then the pharmacist's signature, checked and stored by the records."""
    from compounder.records import refill_signoff
    from compounder.records.batch_rows import batch_row
    from compounder.records.boundary import reading, transaction
    from compounder.records.clock import records_now
    from compounder.records.database import session_factory
    from compounder.records.refill import refill_changes

    with reading(session_factory(engine)) as session:
        row = batch_row(session, args.number)
        diff = refill_changes(session, row.patient_id, row.rx_number, row.formula_version_id, made_before=row.id)
    if diff is None or not diff.changes:
        raise UsageError(f"compounder: batches sign-refill: batch {args.number} is not a refill to a changed formula; there is nothing to sign")
    print(one_line(f"the formula changed since batch {diff.previous_batch} ({diff.previous_version}):"), file=err)
    for change in diff.changes:
        print(one_line(f"  {change}"), file=err)
    signature = refill_signoff.sign(session_factory(engine), args.pharmacist, password(args, ask, args.pharmacist), now())
    with transaction(session_factory(engine)) as session:
        signed = refill_signoff.store(session, signature, args.number, diff.changes, records_now(session))
    return emit(args, out, {"batch_number": args.number, **signed.as_data()}, signed.text)


def blind_check_setting(args: argparse.Namespace, engine, actor, out: TextIO) -> int:
    """``batches blind-check on|off|show``: the pharmacy's setting; an administrator changes it (audited)."""
    from compounder.records.blind_check import blind_check_rule, set_blind_check_rule
    from compounder.records.boundary import transaction
    from compounder.records.clock import records_now
    from compounder.records.database import session_factory

    with transaction(session_factory(engine)) as session:
        if args.state == "show":
            rule = blind_check_rule(session)
        else:
            rule = set_blind_check_rule(session, actor, args.state == "on", args.lines, records_now(session))
    data = {"on": rule.on, "lines": rule.lines, "changed_by": rule.changed[0] if rule.changed else None,
            "changed_at": rule.changed[1] if rule.changed else None}
    return emit(args, out, data, f"blind check {rule.text}" + (f" (set by {rule.changed[0]})" if rule.changed else " (the default)"))
