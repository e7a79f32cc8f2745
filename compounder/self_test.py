"""``compounder --self-test``: prove an installed copy (a bundle, a wheel) works end to end.

It opens the packaged reference database, migrates a throw-away pharmacy database, computes a
seed formula and checks its numbers, opens the main window offscreen with that formula,
renders the worksheet and the label into a temporary folder and checks them. One line per
check; exit status 0 only when every check passed. Nothing is written outside the temporary
folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the checks import what they test, each in its turn
    from compounder.calc.catalog import Catalog
    from compounder.calc.model import BatchPlan
    from compounder.records.audit_keys import KeyRing

# The seed formula checked by hand: 120 g × 5 % = 6 g lidocaine; × 288.81/234.34 (HCl
# monohydrate, USP) = 7.3946 g; ÷ 99.5 % potency = 7.4318 g → 7.432 g on a 0.001 g balance.
EXPECTED_LIDOCAINE_GRAMS = 120 * 0.05 * 288.81 / 234.34 / 0.995
SEED = {
    "name": "Self-test: diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 %",
    "batch": "120 g",
    "base": "Lipoderm",
    "density": "1.0 g/mL",
    "directions": {"amount": "1 g", "times_per_day": 3},
    "actives": [
        {"ingredient": "diclofenac sodium", "strength": "3 %"},
        {"ingredient": "cyclobenzaprine hydrochloride", "strength": "2 %"},
        {"ingredient": "lidocaine", "strength": "5 %", "stock": "lidocaine hydrochloride monohydrate", "potency": "99.5 %"},
    ],
    "batch_number": "SELFTEST-001",
    "prescription": {
        "patient": "Self Test",
        "date_of_birth": "1950-01-01",
        "rx_number": "RX-SELFTEST",
        "prescriber": "Dr. Self Test",
        "directions": "Apply 1 g to the painful area three times daily",
        "quantity": "120 g",
        "refills": 0,
    },
    "acknowledged": [],
}


class SelfTest:
    """Runs the checks in order; a check that raises is a failure with its reason."""

    def __init__(self, out: TextIO, folder: Path, today: dt.date) -> None:
        self.out = out
        self.folder = folder
        self.today = today
        self.failures = 0
        self.catalog: Catalog | None = None  # set by the reference database check
        self.plan: BatchPlan | None = None  # set by the engine check

    def check(self, name: str, step: Callable[[], str]) -> None:
        try:
            detail = step()
        except Exception as error:  # noqa: BLE001 - every failure is reported, the run goes on
            self.failures += 1
            where = traceback.extract_tb(error.__traceback__)[-1]
            print(f"FAIL {name}: {type(error).__name__}: {error} ({Path(where.filename).name}:{where.lineno})", file=self.out)
        else:
            print(f"ok   {name}: {detail}", file=self.out)

    def reference_database(self) -> str:
        from compounder.data.catalog import load_catalog, packaged_reference

        catalog = self.catalog = load_catalog()
        return f"{len(catalog.forms)} forms, {len(catalog.bases)} bases from {packaged_reference().name}"

    def pharmacy_database(self) -> str:
        from compounder.records.database import current_revision, migrate, open_database

        engine = open_database(f"sqlite:///{self.folder / 'pharmacy.sqlite'}", keys=_throwaway_keys(), heads=self.folder / "audit-heads.json")
        try:
            migrate(engine)
            return f"migrated a new database to revision {current_revision(engine)}"
        finally:
            engine.dispose()

    def engine(self) -> str:
        from compounder.calc import evaluate, parse_formula
        from compounder.calc.balance_grams import format_grams

        plan = self.plan = evaluate(parse_formula(SEED), self._catalog(), self.today)
        line = next(line for line in plan.lines if line.name == "lidocaine hydrochloride (monohydrate, USP)")
        grams = line.grams.m_as("g")
        if abs(grams - EXPECTED_LIDOCAINE_GRAMS) > 1e-9:
            raise AssertionError(f"lidocaine HCl monohydrate {grams!r} g, expected {EXPECTED_LIDOCAINE_GRAMS!r} g")
        if abs(plan.total.m_as("g") - 120) > 1e-9:
            raise AssertionError(f"total {plan.total}, expected 120 g")
        if plan.has_errors:
            raise AssertionError("the seed formula has error findings")
        return f"lidocaine HCl monohydrate {format_grams(line.grams, plan.balance)} g, total 120.000 g"

    def window(self) -> str:
        if os.environ.setdefault("QT_QPA_PLATFORM", "offscreen") == "offscreen":
            os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")  # the offscreen platform's notes
        os.environ["COMPOUNDER_SETTINGS_DIR"] = str(self.folder / "settings")
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        from compounder.records.database import migrate, open_database, session_factory
        from compounder.records.library import FormulaLibrary, reference_formulas
        from compounder.ui.common.window_settings import Settings
        from compounder.ui.workbench.main_window import MainWindow

        app = QApplication.instance() or QApplication([sys.argv[0]])
        engine = open_database(f"sqlite:///{self.folder / 'window.sqlite'}", keys=_throwaway_keys(), heads=self.folder / "audit-heads.json")
        try:
            migrate(engine)
            library = FormulaLibrary(session_factory(engine))
            library.sync_reference(reference_formulas())
            window = MainWindow(self._catalog(), library, Settings.from_environment(), self.today)
            formula_file = self.folder / "seed.json"
            formula_file.write_text(json.dumps(SEED), encoding="utf-8")
            if not window.open_file(formula_file):
                raise AssertionError("the window did not open the seed formula")
            window.show()
            app.processEvents()
            model = window.table_model
            shown = {
                model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
                for row in range(model.rowCount())
                for column in range(model.columnCount())
            }
            if "7.432" not in shown:
                raise AssertionError("the table does not show 7.432 g of lidocaine HCl monohydrate")
            window.document.mark_saved()
            window.close()
            window.deleteLater()
            app.processEvents()
            return f"main window shown offscreen with {model.rowCount()} rows; lidocaine line shows 7.432"
        finally:
            engine.dispose()

    def worksheet(self) -> str:
        from compounder.calc.prescription import parse_order
        from compounder.calc.record import compounding_record
        from compounder.documents.worksheet import worksheet_renderer
        from compounder.settings import EXAMPLE, settings_from_data

        pharmacy = settings_from_data(EXAMPLE)
        record = compounding_record(self._plan(), parse_order(SEED), self._catalog(), self.today, pharmacy.final_weight_tolerance)
        pdf = worksheet_renderer("letter")(record, pharmacy).render()
        return self._pdf("worksheet.pdf", pdf)

    def label(self) -> str:
        from compounder.calc.label_stock import LABEL_STOCKS
        from compounder.calc.labeling import label_content
        from compounder.calc.prescription import parse_order
        from compounder.calc.release import release
        from compounder.documents.label import LabelRenderer
        from compounder.settings import EXAMPLE, settings_from_data

        pharmacy = settings_from_data(EXAMPLE)
        order = parse_order(SEED)
        release(self._plan(), order)
        content = label_content(self._plan(), order, self._catalog(), self.today)
        pdf = LabelRenderer(content, pharmacy, LABEL_STOCKS[pharmacy.label_stock]).render()
        return self._pdf("label.pdf", pdf)

    def _catalog(self) -> Catalog:
        """The catalog the reference database check loaded (``run_self_test`` runs the checks that need it only then)."""
        if self.catalog is None:
            raise AssertionError("the reference database was not loaded")
        return self.catalog

    def _plan(self) -> BatchPlan:
        """The seed formula's plan the engine check computed (``run_self_test`` runs the checks that need it only then)."""
        if self.plan is None:
            raise AssertionError("the seed formula was not computed")
        return self.plan

    def _pdf(self, name: str, pdf: bytes) -> str:
        if not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-64:]:
            raise AssertionError(f"{name} is not a complete PDF")
        pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ") or pdf.count(b"/Type /Page>")
        path = self.folder / name
        path.write_bytes(pdf)
        return f"{len(pdf):,} bytes, {max(pages, 1)} page(s) written to {path}"


def run_self_test(out: TextIO = sys.stdout, today: dt.date | None = None) -> int:
    """Run every check; 0 when all passed, 1 otherwise."""
    with tempfile.TemporaryDirectory(prefix="compounder-self-test-") as folder:
        test = SelfTest(out, Path(folder), today or dt.date.today())
        test.check("reference database", test.reference_database)
        test.check("pharmacy database", test.pharmacy_database)
        if test.catalog is not None:
            test.check("engine", test.engine)
            test.check("main window", test.window)
        if test.plan is not None:
            test.check("worksheet", test.worksheet)
            test.check("label", test.label)
        checks = 6
        passed = checks - test.failures - (0 if test.catalog is not None else 2) - (0 if test.plan is not None else 2)
        verdict = "all checks passed" if passed == checks else f"{checks - passed} of {checks} checks failed"
        print(f"self-test: {verdict}", file=out)
        return 0 if passed == checks else 1


def _throwaway_keys() -> KeyRing:
    """An audit key for the self-test's own databases: the workstation's key file is not made
    or used by a test (on a server's workstation it is the pharmacy's, copied there)."""
    from compounder.records.audit_keys import KeyRing, key_id, new_key

    key = new_key()
    return KeyRing({key_id(key): key}, key_id(key), "the self-test's throw-away key")
