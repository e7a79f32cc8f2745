"""How fast the records screens are over years of batches, on SQLite and PostgreSQL.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_screens.py [--batches 100000] [--folder DIR]

Prints a table per database; asserts nothing. The database is filled as ``bench_records.py``
fills it (bulk inserts; a fiftieth as many lots as batches: 2,000 lots for 100,000 batches; one
lot used in exactly 1,000 batches), without the signed audit entries, which no screen reads.
Each figure stands beside its floor, measured in the same run: the records query the screen
needs for what it shows (its first page of rows, the next page, every page), timed alone.

Figures (the dialog shown and its table painted before the clock stops):

- Ingredient lots: opening the dialog (its first rows drawn); scrolling to the last lot, in one
  go and per page (what one step of scrolling costs);
- batch history: opening the dialog; a search's first rows, the first time in the process and
  warm (every batch, 100,000 matching; a patient name's start); the next rows when the list is
  scrolled to its end;
- recall: a lot used in 1,000 batches, its first rows; scrolling to the last of them, in one go
  and per page.

The ratio is of CPU times (of this process: on PostgreSQL the server's work is in the wall clock
only), which a busy machine inflates far less than the wall clock.

Target (issue 27): every screen opens and every search shows its first rows in under 100 ms.
``--folder`` keeps the filled databases (and the PostgreSQL server's files) for another run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_records import NOW, fill  # noqa: E402
from measure import print_table  # noqa: E402

TARGET = "< 100 ms"


def filled(url: str, batches: int, marker: Path) -> dict:
    """The probe values of a database filled with ``batches`` (filled now unless ``marker`` says
    it was filled before with as many)."""
    if marker.exists():
        known = json.loads(marker.read_text())
        if known["batches"] == batches:
            print(f"reusing {batches:,} batches filled earlier ({marker.parent})", flush=True)
            return known["probe"]
    start = time.perf_counter()
    probe = fill(url, batches, signed=False)
    print(f"filled {batches:,} batches in {time.perf_counter() - start:.0f} s", flush=True)
    marker.write_text(json.dumps({"batches": batches, "probe": probe}))
    return probe


def timed(function: Callable[[], object], runs: int, before: Callable[[], object] | None = None) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of ``function`` over ``runs`` calls, ``before``
    (untimed) ahead of each."""
    walls, cpus = [], []
    for _ in range(runs):
        if before is not None:
            before()
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def screens(url: str, probe: dict, runs: int) -> list[tuple[str, str, str, str, str]]:
    """The table's rows for the database at ``url``."""
    from PySide6.QtWidgets import QApplication
    from sqlalchemy.orm import sessionmaker

    from compounder.records import history, lots
    from compounder.records.database import migrate, open_database
    from compounder.ui.common.records_context import RecordsContext
    from compounder.ui.records.history_dialog import HistoryDialog
    from compounder.ui.records.lots_dialog import LotsDialog
    from compounder.ui.records.recall_dialog import RecallDialog

    app = QApplication.instance() or QApplication([])
    engine = open_database(url)
    # As the app starts (``ui.app``): the schema checked, which connects the engine, so a
    # screen's first figure is not the process's first connection (on PostgreSQL a new server
    # process and SQLAlchemy's first-connect queries, 30-70 ms on a busy machine).
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    context = RecordsContext(sessions, lambda: NOW)
    page = _page_rows()
    rows: list[tuple[str, str, str, str, str]] = []
    open_dialogs: list = []

    def drawn(dialog) -> None:
        app.processEvents()
        dialog.view.viewport().repaint()

    def opened(make) -> Callable[[], None]:
        def run() -> None:
            dialog = make()
            dialog.resize(1100, 620)
            dialog.show()
            drawn(dialog)
            open_dialogs.append(dialog)
        return run

    def close_all() -> None:
        while open_dialogs:
            dialog = open_dialogs.pop()
            dialog.close()
            dialog.deleteLater()
        app.processEvents()

    def query(function) -> Callable[[], None]:
        def run() -> None:
            with sessions() as session:
                function(session)
        return run

    pages: list[int] = []  # the pages shown by the last scroll to the end (the first one included)

    def scrolled_to_end(dialog) -> Callable[[], None]:
        def run() -> None:
            view, model = dialog.view, dialog.model
            view.scrollToBottom()
            drawn(dialog)
            shown = 1
            while model.canFetchMore(model.index(-1, -1)):
                view.scrollToBottom()
                drawn(dialog)
                shown += 1
            pages[:] = [shown]
        return run

    def add(name: str, figure: tuple[float, float], floor: tuple[float, float] | None, target: str = TARGET) -> None:
        """A row: wall clock (CPU time of this process: on PostgreSQL the server's is not in
        it); the ratio is of the CPU times, which waiting for one of two busy cores does not inflate."""
        wall, cpu = figure
        text = f"{wall:.1f} ms (CPU {cpu:.1f})"
        if floor is None:
            rows.append((name, text, "—", "", target))
            return
        rows.append((name, text, f"{floor[0]:.1f} ms (CPU {floor[1]:.1f})", f"{cpu / floor[1]:.1f}×" if floor[1] else "", target))

    def shown_pages() -> str:
        return f"{pages[0]} page" + ("" if pages[0] == 1 else "s")

    def per_page(figure: tuple[float, float]) -> tuple[float, float]:
        """``figure`` (a scroll through every page) shared out over the pages it drew: what one
        step of scrolling costs, the figure "scrolling stays smooth" is about."""
        return figure[0] / pages[0], figure[1] / pages[0]

    # -- history: the first search in the process is timed before anything else warms it
    def history_dialog() -> HistoryDialog:
        dialog = HistoryDialog(context)
        dialog.resize(1100, 620)
        dialog.show()
        drawn(dialog)
        open_dialogs.append(dialog)
        return dialog

    def search(dialog: HistoryDialog, **criteria: str) -> Callable[[], None]:
        def run() -> None:
            for name in ("patient", "rx", "formula", "batch", "lot", "since", "until"):
                getattr(dialog, name).setText(criteria.get(name, ""))
            dialog.search()
            drawn(dialog)
        return run

    # The floor is the page as the dialog reads it: its count stopped at HISTORY_COUNT_UP_TO and
    # its amendment links (a checkout from before them reads the page and counts every batch).
    shown = _history_reading(history)

    def found(**criteria) -> Callable[[], None]:
        return query(lambda s: history.find(s, limit=page, **criteria, **shown))

    dialog = history_dialog()
    first = timed(search(dialog), 1)
    close_all()
    add("history: search every batch, first rows (first time)", first, timed(found(), runs))
    add("history: open", timed(opened(lambda: HistoryDialog(context)), runs, close_all), None)
    dialog = history_dialog()
    add(f"history: search every batch ({probe['batches']:,}), first rows", timed(search(dialog), runs), timed(found(), runs))
    name = probe["patient"][:3]
    add(f"history: search patient '{name}', first rows", timed(search(dialog, patient=name), runs), timed(found(patient=name), runs))
    add(f"history: search lot {probe['lot_number']}, first rows", timed(search(dialog, lot=probe["lot_number"]), runs),
        timed(found(lot_number=probe["lot_number"]), runs))

    def next_page() -> None:
        dialog.view.scrollToBottom()
        drawn(dialog)

    add("history: scrolled to the end of the rows shown (next page)", timed(next_page, runs, search(dialog)),
        timed(found(offset=page, counted=False), runs))
    close_all()

    # -- recall
    recall_lot = next(lot for lot in _lots(sessions, lots) if lot.id == probe["recall_lot"])

    def recall_dialog() -> RecallDialog:
        dialog = RecallDialog(context)
        dialog.resize(1100, 620)
        dialog.show()
        drawn(dialog)
        open_dialogs.append(dialog)
        dialog.lot_number.setText(recall_lot.lot_number)
        return dialog

    def recall_found(dialog: RecallDialog) -> Callable[[], None]:
        def run() -> None:
            dialog.find()
            drawn(dialog)
        return run

    dialog = recall_dialog()
    asked = [0]
    data = dialog.model.data

    def counted(index, role=0):  # noqa: ANN001 - QAbstractItemModel.data's
        asked[0] += 1
        return data(index, role)

    dialog.model.data = counted  # every call Qt makes, through the Python override
    recall_found(dialog)()
    dialog.model.data = data
    rows.append(("recall: data() calls to show the first rows", f"{asked[0]:,}", "", "", ""))
    # Looked up, not imported: the script also measures a checkout from before the paged queries
    # (issue 27's "before" figures), where these floors are left out.
    recall_first = getattr(history, "recall_page", None)
    add("recall: a lot in 1,000 batches, first rows", timed(recall_found(dialog), runs),
        timed(query(lambda s: (history.lots_numbered(s, recall_lot.lot_number), history.recall_count(s, recall_lot.id),
                               history.recall_page(s, recall_lot.id, limit=page))), runs) if recall_first else None)
    to_end = timed(scrolled_to_end(dialog), runs, recall_found(dialog))
    to_end_floor = timed(query(lambda s: history.recall(s, recall_lot.id)), runs)
    add(f"recall: scrolled to the last of the 1,000 batches ({shown_pages()}, in one go)", to_end, to_end_floor, "")
    add("recall: each next page while scrolling", per_page(to_end), per_page(to_end_floor))
    close_all()

    # -- ingredient lots
    lot_page = getattr(lots, "lot_page", None)
    add(f"lots: open ({probe['lots']:,} lots), first rows", timed(opened(lambda: LotsDialog(context)), runs, close_all),
        timed(query(lambda s: (lots.lot_count(s), lot_page(s, limit=page))), runs) if lot_page else None)
    dialog = LotsDialog(context)
    dialog.resize(1100, 620)
    dialog.show()
    drawn(dialog)
    open_dialogs.append(dialog)

    def reopened_lots() -> None:
        dialog.refresh()
        drawn(dialog)

    to_end = timed(scrolled_to_end(dialog), runs, reopened_lots)
    to_end_floor = timed(query(lambda s: lots.lots(s)), runs)
    add(f"lots: scrolled to the last lot ({shown_pages()}, in one go)", to_end, to_end_floor, "")
    add("lots: each next page while scrolling", per_page(to_end), per_page(to_end_floor))
    close_all()
    engine.dispose()
    return rows


def _page_rows() -> int:
    """The rows a screen reads at a time (100 where the screens read everything at once)."""
    try:
        from compounder.ui.common.paged_model import PAGE_ROWS
    except ImportError:
        return 100
    return PAGE_ROWS


def _history_reading(history) -> dict:
    """What the history dialog asks ``history.find`` for beside the criteria, where this
    checkout's ``find`` takes it (the count's limit, the amendment links)."""
    import inspect

    try:
        from compounder.ui.records.history_dialog import HISTORY_COUNT_UP_TO
    except ImportError:
        return {}
    if "links" not in inspect.signature(history.find).parameters:
        return {}
    return {"count_up_to": HISTORY_COUNT_UP_TO, "links": True}


def _lots(sessions, lots) -> list:
    with sessions() as session:
        return lots.lots(session)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10_000, help="batches in the database (default 10,000; the issue's scale: 100,000)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each figure (default 7)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only")
    parser.add_argument("--folder", type=Path, help="keep the filled databases here and reuse them")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from compounder.records.audit_keys import new_key

    os.environ.setdefault("COMPOUNDER_AUDIT_KEY", new_key().hex())  # never the user's key file
    with contextlib.ExitStack() as stack:
        folder = args.folder.resolve() if args.folder else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="compounder-screens-")))
        folder.mkdir(parents=True, exist_ok=True)

        def show(name: str, rows: list) -> None:
            print(f"\n{name}, {args.batches:,} batches, {args.batches // 50:,} lots ({dt.date.today().isoformat()}; medians of {args.runs} runs):\n")
            print_table(rows)
            sys.stdout.flush()

        if args.only in (None, "sqlite"):
            url = f"sqlite:///{folder / 'screens.sqlite'}"
            probe = {**filled(url, args.batches, folder / "sqlite-filled.json"), "batches": args.batches, "lots": args.batches // 50}
            show("SQLite", screens(url, probe, args.runs))
        if args.only in (None, "postgresql"):
            from tests.pgcluster import Cluster

            if args.folder:
                (folder / "pg").mkdir(exist_ok=True)
            cluster = Cluster(folder / "pg") if args.folder else Cluster()
            if args.folder:
                port_file = folder / "pg-port"
                cluster.port = int(port_file.read_text()) if port_file.exists() else cluster.port
                port_file.write_text(str(cluster.port))
            cluster.start()
            stack.callback(cluster.remove)
            marker = folder / "postgresql-filled.json"
            if not marker.exists():
                cluster.create_database("screens")
            url = cluster.url("screens")
            probe = {**filled(url, args.batches, marker), "batches": args.batches, "lots": args.batches // 50}
            show("PostgreSQL", screens(url, probe, args.runs))
    print("\nfloor: the records queries behind what the screen shows, timed alone in the same run.")


if __name__ == "__main__":
    main()
