"""``history`` and ``recall``: read-only searches of the compounding records."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
from typing import TextIO

from compounder.cli.errors import EXIT_OK, UsageError
from compounder.cli.inputs import on_database, optional_date, search_texts
from compounder.cli.privacy import patients_shown, refuse_patient_search
from compounder.cli.records_io import Ask


def history_command(args: argparse.Namespace, out: TextIO, err: TextIO, ask: Ask) -> int:
    """``history`` and ``recall``: read-only queries of the records; patients' details only to a
    ``--user`` who sees them (``cli.privacy``)."""
    from compounder.records import history, privacy
    from compounder.records.boundary import reading
    from compounder.records.database import HEAD_REVISION, current_revision, session_factory

    if args.command == "history":
        limit = _page_options(args)
        search_texts(args, {"--patient": "patient", "--rx": "rx_number", "--formula": "formula", "--batch": "batch_number", "--lot": "lot"})
    else:
        search_texts(args, {"lot": "lot", "--manufacturer": "manufacturer"})
    with on_database(args.database, create=False, warnings=err) as (engine, where):
        if current_revision(engine) != HEAD_REVISION:
            raise UsageError(f"compounder: the database {where} is not at this version's schema; run `compounder db migrate`")
        shown = patients_shown(args, engine, ask)
        if args.command == "history":
            refuse_patient_search(shown, args.patient, args.rx)
        with reading(session_factory(engine)) as session:
            if args.command == "history":
                page = history.find(
                    session, patient=args.patient, rx_number=args.rx, formula=args.formula, batch_number=args.batch,
                    lot_number=args.lot, since=optional_date(args.since, "--since"), until=optional_date(args.until, "--until"),
                    limit=None if args.all else limit, offset=args.offset,
                )
                if not shown:
                    page = dataclasses.replace(page, rows=[privacy.hide_summary(row) for row in page.rows])
                _print_history(page, args.json, out)
                return EXIT_OK
            lots = [lot for lot in history.lots_numbered(session, args.lot) if args.manufacturer in (None, lot.manufacturer)]
            if not lots:
                raise UsageError(f"compounder: no lot {args.lot}{' from ' + args.manufacturer if args.manufacturer else ''} in {where}")
            if len(lots) > 1:
                makers = ", ".join(sorted({lot.manufacturer for lot in lots}))
                raise UsageError(f"compounder: lot {args.lot} is held from several manufacturers ({makers}); give --manufacturer")
            rows = history.recall(session, lots[0].id)
            if not shown:  # the export too
                rows = [privacy.hide_recall(row) for row in rows]
            if args.out is None:
                history.write_recall_csv(lots[0], rows, out)
            else:
                try:
                    with args.out.open("w", encoding="utf-8", newline="") as stream:
                        history.write_recall_csv(lots[0], rows, stream)
                except OSError as error:
                    raise UsageError(f"--out: cannot write {args.out} ({error.strerror or error})") from None
                print(f"{len(rows)} batch(es) with lot {args.lot} written to {args.out}", file=err)
            return EXIT_OK


def _page_options(args: argparse.Namespace) -> int:
    """``--limit`` (default 500) and ``--offset``, refused when they make no page; ``--all`` takes no limit."""
    from compounder.records.history import DEFAULT_LIMIT

    if args.all and args.limit is not None:
        raise UsageError("compounder: --all: every matching batch is listed; leave out --limit")
    if args.limit is not None and not 1 <= args.limit <= MAX_LIMIT:
        raise UsageError(f"compounder: --limit: {args.limit} batches; give 1 to {MAX_LIMIT:,} (or --all for every one)")
    if not 0 <= args.offset <= MAX_OFFSET:
        raise UsageError(f"compounder: --offset: {args.offset}; give 0 to {MAX_OFFSET:,}")
    return DEFAULT_LIMIT if args.limit is None else args.limit


#: A page larger than this is an export: ``--all`` says so.
MAX_LIMIT = 100_000
MAX_OFFSET = 10**9


def _print_history(page, as_json: bool, out: TextIO) -> None:
    if as_json:
        batches = [{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in dataclasses.asdict(b).items()} for b in page.rows]
        data = {"total": page.total, "offset": page.offset, "shown": len(page.rows), "cut": page.cut, "batches": batches}
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    if not page.rows:
        out.write("no batch matches\n" if page.total == 0 else f"{page.describe()}\n")
        return
    for b in page.rows:
        out.write(f"{b.batch_number}  {b.compounded_on.isoformat()}  {b.status:<9}  {b.rx_number:<12}  {b.patient}  —  {b.formula} v{b.formula_version}\n")
    if page.cut:
        shown_to = page.offset + len(page.rows)
        more = f"; the next with --offset {shown_to}, every one with --all" if shown_to < page.total else ""
        out.write(f"{page.describe()}{more}\n")
