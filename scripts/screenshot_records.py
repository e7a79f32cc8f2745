"""Save pictures of the records screens for docs/: the batch dialog with a prepared and checked
batch (docs/screenshot-batch.png), the history with an amendment linked both ways
(docs/screenshot-history.png), a refill showing what changed (docs/screenshot-refill.png), the
user accounts (docs/screenshot-users.png), the signing dialog (docs/screenshot-signing.png), the pharmacy settings (docs/screenshot-pharmacy.png)
and page 1 of a reprinted worksheet (docs/reprint-worksheet.png).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_records.py [FOLDER]

Runs on a throw-away database and settings folder, on a fixed clock (2026-11-23 09:00 UTC).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

from compounder.records.signing import Credentials

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else ROOT / "docs"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="compounder-screenshot-") as scratch:
        os.environ["COMPOUNDER_SETTINGS_DIR"] = str(Path(scratch) / "settings")
        # A throw-away audit key: pictures never make or use the workstation's key file.
        import secrets

        os.environ["COMPOUNDER_AUDIT_KEY"] = secrets.token_hex(32)
        return pictures(Path(scratch), folder)


def pictures(scratch: Path, folder: Path) -> int:
    from PySide6.QtWidgets import QApplication
    from sqlalchemy.orm import sessionmaker

    from compounder.data.catalog import load_catalog
    from compounder.records import lots, people
    from compounder.records.database import migrate, open_database
    from compounder.records.library import FormulaLibrary, reference_formulas
    from compounder.records.policy import Role
    from compounder.settings import EXAMPLE, settings_from_data
    from compounder.ui.common.batch_printing import StoredBatchPrinter
    from compounder.ui.common.pdf_print import page_images
    from compounder.ui.common.records_context import RecordsContext
    from compounder.ui.records.batch_dialog import BatchDialog
    from compounder.ui.records.history_dialog import HistoryDialog
    from compounder.ui.records.pharmacy_dialog import PharmacySettingsDialog
    from compounder.ui.records.users_dialog import UsersDialog
    from compounder.ui.station.weighing_view import open_station

    app = QApplication.instance() or QApplication([sys.argv[0]])
    clock = Clock()
    engine = open_database(f"sqlite:///{scratch / 'pharmacy.sqlite'}")
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    catalog = load_catalog()
    pharmacy = settings_from_data({**EXAMPLE, "final_weight_tolerance": "3 %", "weighing_tolerance": "5 %"})
    library = FormulaLibrary(sessions, clock)
    library.sync_reference(reference_formulas())
    now = clock()
    with sessions.begin() as s:
        admin = people.create_user(s, None, "ada", "Ada Admin", Role.ADMINISTRATOR, PASSWORD, now)
        people.create_user(s, admin, "tess", "Tess Technician", Role.TECHNICIAN, PASSWORD, now)
        pharmacist = people.create_user(s, admin, "paula", "Paula Pharmacist, RPh", Role.PHARMACIST, PASSWORD, now)
        people.create_user(s, admin, "peter", "Peter Pharmacist, RPh", Role.PHARMACIST, PASSWORD, now)
        former = people.create_user(s, admin, "sam", "Sam Former", Role.TECHNICIAN, PASSWORD, now)
        people.set_active(s, admin, former.username, False, now)
    formula = {
        "name": "Diclofenac 3 % / lidocaine 5 % in Lipoderm", "batch": "120 g", "base": "Lipoderm",
        "actives": [{"ingredient": "diclofenac sodium", "strength": "3 %"}, {"ingredient": "lidocaine", "strength": "5 %"}],
    }
    entry = library.add(formula["name"], formula)
    library.approve(entry.id, Credentials(pharmacist.username, PASSWORD))
    with sessions.begin() as s:
        tech = people.authenticate(s, "tess", PASSWORD)
        for index, (ingredient, stock) in enumerate((("diclofenac sodium", "diclofenac sodium"), ("lidocaine", "lidocaine"), ("Lipoderm", "Lipoderm"))):
            lots.receive_lot(
                s, Credentials(tech.username, PASSWORD), ingredient=ingredient, stock_form=stock, manufacturer="Medisca", lot_number=f"M{index + 1:03d}",
                expires=dt.date(2027, 6, 30), quantity="500", potency_percent=None, now=now,
            )

    printed: list[bytes] = []
    context = RecordsContext(sessions, clock)
    printer = StoredBatchPrinter(context, lambda: pharmacy, lambda _title, pdf: printed.append(pdf) or True)

    def make_batch() -> BatchDialog:
        return BatchDialog(
            context, library, catalog, pharmacy=lambda: pharmacy, print_pdf=lambda _t, pdf: printed.append(pdf) or True, open_station=open_station,
        )

    def settle(widget) -> None:
        widget.show()
        for _ in range(10):
            app.processEvents()

    def save(widget, name: str) -> None:
        settle(widget)
        path = folder / name
        if not widget.grab().save(str(path)):
            raise SystemExit(f"could not save {path}")
        print(f"saved {path}")

    def signed(button, picture: str | None = None) -> None:
        """Click a button that opens the signing dialog; type the password and press Enter in it
        (saving a picture of it first when named), as the one signed in would."""
        from PySide6.QtCore import Qt, QTimer
        from PySide6.QtTest import QTest

        from compounder.ui.common.signing_dialog import SigningDialog

        def answer() -> None:
            shown = next((w for w in app.topLevelWidgets() if isinstance(w, SigningDialog) and w.isVisible()), None)
            if shown is None:
                QTimer.singleShot(0, answer)
                return
            if picture is not None:
                save(shown, picture)
            shown.password.setText(PASSWORD)
            QTest.keyClick(shown.password, Qt.Key.Key_Return)

        QTimer.singleShot(0, answer)
        button.click()

    # A batch: made, printed before weighing, weighed, prepared, checked, verified.
    context.sign_in("tess", PASSWORD)
    dialog = make_batch()
    dialog.resize(1180, 760)
    dialog.formula.setCurrentIndex(dialog.formula.findData(library.approved_version(entry.id).id))
    dialog.patient.setText("Jane Q. Doe")
    dialog.born.setText("1948-03-02")
    dialog.rx.setText("RX-104233")
    dialog.prescriber.setText("Dr. A. Smith")
    dialog.directions.setText("Apply 1 g to the affected knee three times a day")
    dialog.quantity.setText("120 g")
    dialog.refills.setText("2")
    dialog.create()
    dialog.print_document("worksheet")
    for index, line in enumerate(dialog.record.lines):
        dialog.lot_boxes[index].setCurrentIndex(1)
        dialog.weights[index].setText(f"{line.target + (line.target / 200 if index == 0 else 0):.3f}")  # line 1: +0.5 %
    dialog.save_lines()
    clock.advance(minutes=25)
    signed(dialog.prepare_button)
    clock.advance(minutes=5)
    context.sign_in("peter", PASSWORD)
    signed(dialog.check_button)
    save(dialog, "screenshot-batch.png")
    clock.advance(minutes=10)
    context.sign_in("paula", PASSWORD)
    signed(dialog.verify_button, "screenshot-signing.png")
    number = dialog.record.batch_number
    clock.advance(hours=2)
    dialog.amend_reason.setText("line 1 weight copied as 3.618 g; the balance printout shows 3.628 g")
    dialog.amend_button.click()
    dialog.close()

    # The master formula changes (lidocaine 4 %), approved; the history offers the refill.
    changed = copy.deepcopy(formula)
    changed["actives"][1]["strength"] = "4 %"
    library.update(entry.id, changed)
    library.approve(entry.id, Credentials(pharmacist.username, PASSWORD))
    opened: list[BatchDialog] = []

    def make_and_keep() -> BatchDialog:
        opened.append(make_batch())
        opened[-1].resize(1180, 760)
        return opened[-1]

    from compounder.ui.records.patient_profile_dialog import PatientProfileDialog

    history = HistoryDialog(
        context, make_batch=make_and_keep, print_document=printer.print,
        edit_profile=lambda patient_id: PatientProfileDialog(context, catalog, patient_id),
    )
    history.resize(1280, 560)
    history.search()
    history.select(number)
    save(history, "screenshot-history.png")
    history.refill_button.click()
    save(opened[-1], "screenshot-refill.png")
    opened[-1].close()
    history.reprint_worksheet_button.click()
    history.close()

    image = next(page_images(printed[-1], 110))
    image.save(str(folder / "reprint-worksheet.png"))
    print(f"saved {folder / 'reprint-worksheet.png'}")

    context.sign_in("ada", PASSWORD)
    users = UsersDialog(context)
    users.resize(900, 640)
    users.select("sam")
    save(users, "screenshot-users.png")
    users.close()

    settings = PharmacySettingsDialog(pharmacy, scratch / "settings" / "pharmacy.json")
    settings.adjustSize()
    save(settings, "screenshot-pharmacy.png")
    settings.close()

    # A locked account, as the sign-in says it.
    from compounder.ui.records.sign_in_dialog import SignInDialog

    context.sign_out()
    sign_in = SignInDialog(context)
    sign_in.username.setText("tess")
    for attempt in range(people.LOCK_AFTER):
        sign_in.password.setText(f"wrong guess {attempt}")
        sign_in.try_sign_in()
    save(sign_in, "screenshot-sign-in-locked.png")
    sign_in.close()
    engine.dispose()

    # A new, empty database: the first accounts are made in the window.
    from compounder.ui.records.first_accounts_dialog import FirstAccountsDialog

    fresh = open_database(f"sqlite:///{scratch / 'fresh.sqlite'}")
    migrate(fresh)
    first = FirstAccountsDialog(RecordsContext(sessionmaker(fresh, expire_on_commit=False), clock))
    for form, username, name in ((first.administrator, "ada", "Ada Admin"), (first.pharmacist, "paula", "Paula Pharmacist, RPh")):
        form.username.setText(username)
        form.full_name.setText(name)
    save(first, "screenshot-first-accounts.png")
    first.close()
    fresh.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
