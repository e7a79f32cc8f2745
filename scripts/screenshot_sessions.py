"""Save pictures of the sessions and privacy screens for docs/ (issue 24): the main window with who
is signed in in its status bar (screenshot-signed-in.png, not kept in docs/), the window locked after the idle
time with a batch being made hidden (docs/screenshot-locked.png), the history with nobody signed
in (docs/screenshot-history-hidden.png) and the audit trail viewer (docs/screenshot-audit-trail.png).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_sessions.py [FOLDER]

Runs on a throw-away database and settings folder, on a fixed clock (2026-11-23 09:00 UTC); the
idle time is moved by hand, nothing waits.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


class Ticks:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else ROOT / "docs"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="compounder-screenshot-") as scratch:
        os.environ["COMPOUNDER_SETTINGS_DIR"] = str(Path(scratch) / "settings")
        os.environ["COMPOUNDER_AUDIT_KEY"] = secrets.token_hex(32)  # a throw-away key: pictures never use the workstation's
        return pictures(Path(scratch), folder)


def pictures(scratch: Path, folder: Path) -> int:
    from PySide6.QtWidgets import QApplication
    from sqlalchemy.orm import sessionmaker

    from compounder.data.catalog import load_catalog
    from compounder.records import head_file, lots, people
    from compounder.records.database import migrate, open_database
    from compounder.records.library import FormulaLibrary, reference_formulas
    from compounder.records.policy import Role
    from compounder.settings import EXAMPLE, settings_from_data
    from compounder.ui.common.records_context import RecordsContext
    from compounder.ui.common.window_settings import Settings
    from compounder.ui.records.audit_dialog import AuditTrailDialog
    from compounder.ui.records.batch_dialog import BatchDialog
    from compounder.ui.records.history_dialog import HistoryDialog
    from compounder.ui.records.records_window import install_records_menu
    from compounder.ui.records.session_lock import install_session_lock
    from compounder.ui.workbench.main_window import MainWindow
    from compounder.ui.workbench.prompts import Prompts

    app = QApplication.instance() or QApplication([sys.argv[0]])
    clock = Clock()
    engine = open_database(f"sqlite:///{scratch / 'pharmacy.sqlite'}")
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    catalog = load_catalog()
    pharmacy = settings_from_data({**EXAMPLE, "weighing_tolerance": "5 %"})
    library = FormulaLibrary(sessions, clock)
    library.sync_reference(reference_formulas())
    now = clock()
    with sessions.begin() as s:
        admin = people.create_user(s, None, "ada", "Ada Admin", Role.ADMINISTRATOR, PASSWORD, now)
        tech = people.create_user(s, admin, "tess", "Tess Technician", Role.TECHNICIAN, PASSWORD, now)
        pharmacist = people.create_user(s, admin, "paula", "Paula Pharmacist, RPh", Role.PHARMACIST, PASSWORD, now)
    formula = {
        "name": "Diclofenac 3 % / lidocaine 5 % in Lipoderm", "batch": "120 g", "base": "Lipoderm",
        "actives": [{"ingredient": "diclofenac sodium", "strength": "3 %"}, {"ingredient": "lidocaine", "strength": "5 %"}],
    }
    entry = library.add(formula["name"], formula)
    library.approve(entry.id, pharmacist)
    with sessions.begin() as s:
        for index, name in enumerate(("diclofenac sodium", "lidocaine", "Lipoderm")):
            lots.receive_lot(
                s, tech, ingredient=name, stock_form=name, manufacturer="Medisca", lot_number=f"M{index + 1:03d}",
                expires=dt.date(2027, 6, 30), quantity="500", potency_percent=None, now=now,
            )

    window = MainWindow(catalog, library, Settings(scratch / "window"), now.date(), Prompts(), pharmacy=pharmacy)
    context = RecordsContext(sessions, clock, window)
    context.pharmacy = lambda: window.pharmacy

    def make_batch() -> BatchDialog:
        return BatchDialog(context, library, catalog, window, pharmacy=lambda: pharmacy)

    install_records_menu(window, context, make_batch)
    ticks = Ticks()
    lock, _status = install_session_lock(window, context, lambda: window.pharmacy.idle_lock_minutes if window.pharmacy else 5, monotonic=ticks)
    window.resize(1280, 800)
    window.document.set_header("name", "Our diclofenac / lidocaine cream")

    def save(widget, name: str) -> None:
        widget.show()
        for _ in range(10):
            app.processEvents()
        path = folder / name
        if not widget.grab().save(str(path)):
            raise SystemExit(f"could not save {path}")
        print(f"saved {path}")

    context.sign_in("tess", PASSWORD)
    batch = make_batch()
    batch.formula.setCurrentIndex(batch.formula.findData(library.approved_version(entry.id).id))
    for field, value in ((batch.patient, "Jane Q. Doe"), (batch.born, "1948-03-02"), (batch.rx, "RX-104233"), (batch.prescriber, "Dr. A. Smith")):
        field.setText(value)
    batch.create()
    batch.close()
    save(window, "screenshot-signed-in.png")

    batch = make_batch()  # a second batch half typed when the technician walks away
    batch.patient.setText("John Roe")
    batch.open()
    ticks.now += 5 * 60
    lock.check()
    save(window, "screenshot-locked.png")
    lock.sign_in("tess", PASSWORD)
    batch.close()

    context.sign_out()
    history = HistoryDialog(context)
    history.resize(1180, 420)
    history.formula.setText("diclofenac")
    history.search()
    save(history, "screenshot-history-hidden.png")
    history.close()

    context.sign_in("paula", PASSWORD)
    with engine.connect() as connection:  # the head recorded as `db check` leaves it, for the status
        from compounder.records import audit

        head_file.export_head(connection, scratch / "heads.json", audit.key_ring(connection), clock())
    viewer = AuditTrailDialog(context, scratch / "heads.json")
    viewer.resize(1280, 680)
    save(viewer, "screenshot-audit-trail.png")
    lock.stop()
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
