"""Start the window: options, error reporting, database, catalog, main window.

``compounder`` with no arguments (or with window options) comes here from ``__main__``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The window's non-Qt modules (SQLAlchemy and its SQLite dialect, pint, the engine, the parts of
# the records the window starts with) are imported with this module, before PySide6 is: once
# PySide6 is imported, its import hook reads the source of every module imported after it (looking
# for PySide feature imports), about 70 ms for these ~400 modules. Importing them here rather than
# in ``run_app`` keeps that true for a caller that imports PySide6 before calling ``run_app`` (a
# test, the benchmark). The records' model and the modules that need it (batches, lots, history,
# the audit trail) are not imported before the window shows: the library, the accounts check and
# the pharmacy rules read what start-up needs in plain SQL; the rest loads on first use.
# Python's cyclic garbage collector is paused while they are imported (issue #27): importing them
# made ~140 collections (one of them full) that freed ~500 of ~60,000 objects, since what an
# import makes (modules, classes, functions, pint's definitions, SQLAlchemy's constructs) lives as
# long as the program; about a tenth of start-up. What they made is then frozen (``gc.freeze``:
# never examined again, as a collection would find it alive), so the first collections after them
# do not walk it all either; the collector runs again as soon as they are imported.
_COLLECTING = gc.isenabled()
gc.disable()
try:
    import compounder.data.catalog_cache  # noqa: F401, E402 - the engine and pint
    import compounder.records.database  # noqa: F401, E402 - SQLAlchemy and the default database's driver
    import compounder.records.library  # noqa: F401, E402
    import compounder.records.people  # noqa: F401, E402
    import compounder.records.pharmacy_rules  # noqa: F401, E402
finally:
    gc.freeze()
    if _COLLECTING:
        gc.enable()
from compounder import __version__  # noqa: E402

LOG_NAME = "compounder.log"


@dataclass
class Workbench:
    """What ``build_workbench`` puts together; the caller shows the window and runs the loop."""

    window: object  # MainWindow
    reporter: object  # ErrorReporter
    engine: object  # the records' Engine
    records_actions: dict = field(default_factory=dict)  # the Records menu's QActions, by name


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="compounder", description="Compounder: the formulation window.")
    parser.add_argument("--database", metavar="URL", help="pharmacy database URL, sqlite:///FILE or postgresql://USER@HOST/DATABASE (default: $COMPOUNDER_DATABASE, else compounder.sqlite in the user data directory)")
    parser.add_argument("--reference", type=Path, help="reference database to use instead of the packaged one")
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="open FILE (or the first example), save a picture of the window to PNG and quit")
    parser.add_argument("file", nargs="?", type=Path, help="formula file to open")
    # Qt's own options (-platform, -style...) are left for QApplication.
    args, _qt_options = parser.parse_known_args(list(argv))
    return args


def build_workbench(args: argparse.Namespace, today: dt.date):
    """Error reporter, database (migrated), catalog and main window, in that order."""
    from platformdirs import user_cache_path

    from compounder.data.catalog_cache import cached_catalog
    from compounder.records.database import database_url, migrate, open_database, session_factory, user_data_dir
    from compounder.records.library import FormulaLibrary, reference_formulas
    from compounder.ui.common.error_reporter import ErrorReporter
    from compounder.ui.common.window_settings import Settings
    from compounder.ui.workbench.main_window import MainWindow
    from compounder.ui.workbench.prompts import Prompts

    prompts = Prompts()
    prompts.edit_pharmacy = _edit_pharmacy
    reporter = ErrorReporter(user_data_dir() / "logs" / LOG_NAME, prompts.unexpected)
    reporter.install()

    from compounder.ui.common.database_wait import DatabaseWait

    database_wait = DatabaseWait()
    engine = open_database(database_url(args.database), waiting=database_wait)
    migrate(engine)
    from compounder.records.errors import RecordsError
    from compounder.records.head_file import loss_at_start

    try:
        lost = loss_at_start(engine)  # before any new work: a database behind the head this workstation wrote
    except RecordsError as error:  # the head file is not a file (a FIFO, a device): said, never read
        lost = [str(error)]
    if lost:
        prompts.error("The records are behind what this workstation saved", (
            "Records this workstation saved are missing from the database, or it cannot tell. Tell the administrator "
            "before new work is done: work recorded since may be lost.\n\n" + "\n\n".join(lost)
        ))
    library = FormulaLibrary(session_factory(engine))
    library.sync_reference(reference_formulas())

    catalog = cached_catalog(args.reference, user_cache_path("compounder", appauthor=False))
    pharmacy, pharmacy_problem = _pharmacy_settings()
    if pharmacy is not None:
        from compounder.calc.equipment import with_certified_minimums
        from compounder.calc.errors import InputError

        try:
            catalog = with_certified_minimums(catalog, pharmacy.certified_minimums)
        except InputError as error:
            pharmacy_problem = f"Pharmacy settings, {error.field}: {error.message}; 820 × readability is used until it is corrected"
        from compounder.calc.base_description import with_base_descriptions

        try:
            catalog = with_base_descriptions(catalog, pharmacy.bases)
        except InputError as error:
            pharmacy_problem = f"Pharmacy settings, {error.field}: {error.message}; the reference data's bases are used until it is corrected"
    window = MainWindow(catalog, library, Settings.from_environment(), today, prompts, pharmacy=pharmacy)
    if pharmacy_problem:
        window.statusBar().showMessage(pharmacy_problem, 15000)
    prompts.parent = window
    prompts.pharmacy = lambda: window.pharmacy  # its printers print without a dialog
    database_wait.parent = window
    from compounder.records.clock import records_clock
    from compounder.records.library import utc_now
    from compounder.ui.common.records_context import RecordsContext
    from compounder.ui.records.records_window import install_records_menu

    # Every time the window records (sign-ins, weighings, signatures, prints) by the records' clock.
    context = RecordsContext(session_factory(engine), records_clock(session_factory(engine), utc_now), window)
    context.pharmacy = lambda: window.pharmacy  # who sees patient details, until the records hold the rule
    from compounder.records.database import sqlite_path

    database_file = sqlite_path(engine)  # no file dialog opens in its folder (ui/common/file_folders.py)
    prompts.database_folder = context.database_folder = database_file.resolve().parent if database_file is not None else None
    prompts.records = context  # every signature in the workbench is given in the signing dialog
    from compounder.ui.records.pharmacy_rules_ui import guard_pharmacy_rules

    guard_pharmacy_rules(window, context, prompts)

    # The batch dialog, the patient profile and printing (with ReportLab) are imported when first
    # used, not before the window shows.
    from PySide6.QtCore import Qt

    def make_batch():
        from compounder.ui.records.batch_dialog import BatchDialog

        return BatchDialog(
            context, library, catalog, window, pharmacy=lambda: window.pharmacy, print_pdf=prompts.print_pdf,
            label_position=prompts.label_position, open_station=_open_station,
        )

    def batch_from_workbench(order):
        """Make a batch, opened on the workbench's formula with its prescription and lots filled in."""
        dialog = make_batch()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.prefill_from_workbench(order)
        dialog.open()
        return dialog

    window.batch_maker = batch_from_workbench
    from compounder.ui.workbench.stored_patient import install_stored_profiles

    install_stored_profiles(window, context)  # a patient the records hold is screened with the stored profile

    def print_document(kind: str, batch_number: str, choose: bool = False) -> str:
        from compounder.ui.common.batch_printing import StoredBatchPrinter

        printer = StoredBatchPrinter(context, lambda: window.pharmacy, prompts.print_pdf, prompts.label_position)
        return printer.print(kind, batch_number, choose=choose)

    def edit_profile(patient_id: int):
        from compounder.ui.records.patient_profile_dialog import PatientProfileDialog

        return PatientProfileDialog(context, catalog, patient_id, window)

    records_actions = install_records_menu(
        window, context, make_batch, print_document, edit_profile, print_pdf=prompts.print_pdf, catalog=catalog, widths=window.settings,
        pharmacy=lambda: window.pharmacy, first_settings=lambda: window.pharmacy is not None or window.edit_pharmacy_settings(),
    )
    _install_session_lock(window, context)
    return Workbench(window, reporter, engine, records_actions)


def _install_session_lock(window, context) -> None:
    """Who is signed in in the status bar, and the lock after the pharmacy's idle time: the
    window's settings hold the records' rule (``guard_pharmacy_rules``); with no settings file,
    the records' rule or the default, read now."""
    from compounder.records import privacy
    from compounder.records.errors import DatabaseFailed
    from compounder.settings import DEFAULT_IDLE_LOCK_MINUTES
    from compounder.ui.records.session_lock import install_session_lock

    try:
        with context.reading() as session:
            without_settings = privacy.idle_lock_minutes(session, None)
    except DatabaseFailed:
        without_settings = DEFAULT_IDLE_LOCK_MINUTES
    install_session_lock(
        window, context, lambda: window.pharmacy.idle_lock_minutes if window.pharmacy is not None else without_settings,
        watch_once_drawn=True,  # the events of building and drawing the window do not pass through Python
    )


def _edit_pharmacy(current, path: Path, parent, save_rules):
    from compounder.ui.records.pharmacy_dialog import edit_pharmacy_settings

    return edit_pharmacy_settings(current, path, parent, save_rules)


def _open_station(context, batch_number: str, settings, parent, minimum):
    from compounder.ui.station.weighing_view import open_station

    return open_station(context, batch_number, settings, parent, minimum)


def _pharmacy_settings():
    """The pharmacy's settings, or ``None`` and why (not entered yet, or unusable: File ▸ Pharmacy settings…)."""
    from compounder.settings import SettingsError, load_settings

    try:
        return load_settings(), None
    except FileNotFoundError:
        return None, "Enter the pharmacy's name, address and licence under File ▸ Pharmacy settings… before printing."
    except SettingsError as error:
        return None, f"The pharmacy settings cannot be used ({error.field}: {error.message}); correct them under File ▸ Pharmacy settings…"


def run_app(argv: Sequence[str]) -> int:
    """The window until it is closed. Python's cyclic garbage collector is paused while the window
    is built and shown (~30 collections that find nothing: the objects built live as long as the
    window), and resumes with the event loop, once the window is up."""
    collecting = gc.isenabled()

    def resume_collecting() -> None:
        if collecting:
            gc.enable()

    gc.disable()
    try:
        return _run_app(argv, resume_collecting)
    finally:
        resume_collecting()


def _run_app(argv: Sequence[str], resume_collecting: Callable[[], None]) -> int:
    args = parse_args(argv)
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0], *_qt_args(argv)])
    app.setApplicationName("Compounder")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Compounder")
    QGuiApplication.setDesktopFileName("compounder")
    try:
        workbench = build_workbench(args, dt.date.today())
    except Exception as error:  # noqa: BLE001 - the database or catalog could not be opened: say so, do not crash
        from PySide6.QtWidgets import QMessageBox

        from compounder.records.database import database_url
        from compounder.records.maintenance import startup_problem

        text = startup_problem(error, database_url(args.database))
        QMessageBox.critical(None, "Compounder cannot start", text)
        print(f"compounder: cannot start: {text}", file=sys.stderr)
        return 70
    window = workbench.window
    try:
        if args.file is not None:
            window.open_file(args.file)
        if args.screenshot is not None:
            return save_screenshot(window, args.screenshot)
        window.show()
        window.table.setFocus()
        QTimer.singleShot(0, resume_collecting)
        if args.file is None:
            offer_welcome(workbench, args.database)
        return app.exec()
    finally:
        workbench.engine.dispose()


def offer_welcome(workbench: Workbench, database: str | None) -> None:
    """The first-run welcome, once the window is drawn (its module too is imported then: the
    pharmacist already sees the window while it opens); shown once per user. On a records database
    with no account yet it offers the first accounts first (issue 28)."""
    window: Any = workbench.window  # a MainWindow (its module is not imported before the window is built)
    if window.settings.welcomed():
        return
    from compounder.ui.common.when_drawn import when_drawn

    accounts = workbench.records_actions.get("first_accounts")
    first_accounts = accounts.trigger if accounts is not None and accounts.isVisible() else None
    when_drawn(window, lambda: _welcome(window, database, first_accounts))


def _welcome(window, database: str | None, first_accounts) -> None:
    from compounder.records.database import database_url, masked
    from compounder.ui.workbench.welcome import show_welcome

    show_welcome(window, masked(database_url(database)).removeprefix("sqlite:///"), first_accounts=first_accounts)


def save_screenshot(window, path: Path, size: tuple[int, int] = (1440, 900)) -> int:
    """Lay the window out at ``size``, render it and save a PNG."""
    from PySide6.QtWidgets import QApplication

    window.resize(*size)
    window.show()
    for _ in range(5):
        QApplication.processEvents()
    window.table.resizeRowsToContents()
    window.findings_view.resizeRowsToContents()
    QApplication.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(path))
    window.document.mark_saved()  # a screenshot changes nothing worth asking about
    window.close()
    print(f"saved {path}" if ok else f"compounder: could not save {path}", file=sys.stderr if not ok else sys.stdout)
    return 0 if ok else 1


def _qt_args(argv: Sequence[str]) -> list[str]:
    """The arguments meant for Qt (after the ones Compounder knows)."""
    known = {"--database", "--reference", "--screenshot"}
    result: list[str] = []
    skip = False
    for item in argv:
        if skip:
            skip = False
            continue
        if item in known:
            skip = True
            continue
        if item.split("=", 1)[0] in known or not item.startswith("-"):
            continue
        result.append(item)
    return result
