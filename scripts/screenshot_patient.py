"""Save pictures of the patient screening dialogs: the profile editor, the pharmacist's signed
override and acknowledgement, the batch dialog after a batch with an override, and the main
window with a patient's findings.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_patient.py [FOLDER]

Runs on a throw-away database and settings folder (default FOLDER: docs/).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

from compounder.records.signing import Credentials

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
REASON = "reaction was GI upset only; prescriber Dr. Smith confirmed by phone"


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else ROOT / "docs"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="compounder-screenshot-") as scratch:
        os.environ["COMPOUNDER_SETTINGS_DIR"] = str(Path(scratch) / "settings")
        return pictures(Path(scratch), folder)


def pictures(scratch: Path, folder: Path) -> int:
    from PySide6.QtWidgets import QApplication
    from sqlalchemy.orm import sessionmaker

    from compounder.data.catalog import load_catalog
    from compounder.records import people
    from compounder.records.database import migrate, open_database
    from compounder.records.library import FormulaLibrary, reference_formulas
    from compounder.records.patients import ProfileEntry, save_profile
    from compounder.records.policy import Role
    from compounder.records.screening import screened_plan, sign_in_to_decide
    from compounder.ui.common.finding_decisions import SignedDecision, findings_dialog, one_per_code
    from compounder.ui.common.records_context import RecordsContext
    from compounder.ui.records.batch_dialog import BatchDialog
    from compounder.ui.records.patient_profile_dialog import PatientProfileDialog
    from compounder.ui.station.weighing_view import open_station

    app = QApplication.instance() or QApplication([sys.argv[0]])
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    engine = open_database(f"sqlite:///{scratch / 'pharmacy.sqlite'}")
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    catalog = load_catalog()
    library = FormulaLibrary(sessions, lambda: now)
    library.sync_reference(reference_formulas())
    with sessions.begin() as s:
        admin = people.create_user(s, None, "admin", "Ada Admin", Role.ADMINISTRATOR, PASSWORD, now)
        tech = people.create_user(s, admin, "tess", "Tess Technician", Role.TECHNICIAN, PASSWORD, now)
        pharmacist = people.create_user(s, admin, "paula", "Paula Pharmacist, RPh", Role.PHARMACIST, PASSWORD, now)
        patient = people.patient(s, tech, "Jane Q. Doe", dt.date(1948, 3, 2), now)
        save_profile(s, tech, patient.id, ProfileEntry(dt.date(1948, 3, 2), Decimal("62"), ("NSAID allergy",), (), ("warfarin",),
                                                       "metoprolol 25 mg twice daily"), catalog, now)
    context = RecordsContext(sessions, lambda: now)
    context.sign_in("tess", PASSWORD)

    def grab(widget, name: str) -> None:
        widget.show()
        for _ in range(5):
            app.processEvents()
        path = folder / name
        widget.grab().save(str(path))
        print(f"saved {path}")

    profile = PatientProfileDialog(context, catalog, patient.id)
    profile.weight.setText("136")
    profile.weight_unit.setCurrentText("lb")
    profile.groups["medication"].boxes["anticoagulant"].setChecked(True)
    profile.born.setText("1948-02-30")
    profile.adjustSize()
    grab(profile, "screenshot-patient-profile.png")
    profile.close()

    entry = next(e for e in library.entries() if "cyclobenzaprine" in e.name.lower() and e.name.lower().startswith("diclofenac"))
    library.approve(entry.id, Credentials(pharmacist.username, PASSWORD))
    version = library.approved_version(entry.id)
    with sessions() as s:
        plan = screened_plan(s, catalog, version.id, patient.id, now.date())

    from compounder.calc import Severity
    from compounder.calc.release import overridable

    needed = [f for f in plan.findings if f.severity is Severity.WARNING or overridable(f)]
    decide = findings_dialog(None, context, needed, "make the batch")  # the signing dialog, a reason per finding
    decide.password.setText(PASSWORD)
    decide.reasons[0].setText(REASON)
    if decide.ticks[0] is not None:
        decide.ticks[0].setChecked(True)
    for field in decide.reasons[1:]:
        field.setText("reviewed with the patient and the prescriber")
    grab(decide, "screenshot-override-dialog.png")  # shown first: the signing dialog sizes itself to its findings
    decide.accept()  # tess, the technician signed in: refused, naming the role
    grab(decide, "screenshot-override-dialog.png")
    decide.close()

    batch = BatchDialog(context, library, catalog, open_station=open_station)
    batch.formula.setCurrentIndex(batch.formula.findData(version.id))
    batch.patient.setText("Jane Q. Doe")
    batch.born.setText("1948-03-02")
    batch.rx.setText("RX-104233")
    batch.prescriber.setText("Dr. A. Smith")
    batch.tolerance.setText("5")
    batch.directions.setText("Apply 1 g to the lower back three times daily")
    batch.quantity.setText("120 g")
    batch.refills.setText("2")

    def paula_signs(findings):
        signer = sign_in_to_decide(sessions, "paula", PASSWORD, now)
        return [SignedDecision(f, signer, REASON if f.severity is Severity.ERROR else "reviewed with the patient and the prescriber", now)
                for f in one_per_code(findings)]

    batch.decide = paula_signs
    batch.create()
    batch.resize(1100, 820)
    grab(batch, "screenshot-batch-with-override.png")
    batch.close()

    from compounder.ui.common.window_settings import Settings
    from compounder.ui.workbench.main_window import MainWindow

    window = MainWindow(catalog, library, Settings(scratch / "settings"), now.date())
    data = json.loads((ROOT / "examples" / "diclofenac-cyclobenzaprine-lidocaine-rx.json").read_text(encoding="utf-8"))
    data["patient"] = {"date_of_birth": "1948-03-02", "weight": "62 kg", "allergies": ["NSAID allergy"], "conditions": [],
                       "medications": ["warfarin"]}
    window.document.load(data)
    window.resize(1440, 900)
    window.show()
    for _ in range(5):
        app.processEvents()
    window.findings_view.resizeRowsToContents()
    grab(window, "screenshot-patient-findings.png")
    window.document.mark_saved()
    window.close()
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
