"""Keys pressed from a fresh install to the seed prescription's batch in the records (issue 28).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/keys_to_label.py

Drives the real window (``compounder.ui.app.build_workbench`` on a new SQLite database and
settings folder in a temporary folder) with QTest key events only, sent to the focused widget
or the active modal dialog, and counts them in two buckets: free text (the prescription's own
words and numbers, user names and passwords) and other keys (Tab, Enter, shortcuts, arrows).
Prints a table: step | free text | other keys, and the totals beside the target (free text + 80).

The road measured is ``ROAD`` below; the steps it does not reach yet are listed by ``NOT_DRIVEN``
and printed under the table (a measurement of part of the road says which part).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

TARGET_OTHER_KEYS = 80
ADMIN, PHARMACIST, PASSWORD = "admin", "paula", "correct horse 42"

# The seed prescription (issue 28).
FORMULA = {
    "name": "Diclofenac 3 % / cyclobenzaprine 2 % / lidocaine 5 % transdermal",
    "actives": (("diclofenac sodium", "3 %"), ("cyclobenzaprine HCl", "2 %"), ("lidocaine", "5 %")),
    "base": "Lipoderm",
    "batch": "120",
    "dose": ("1 g", "2"),
    "density": "1.02 g/mL",  # the pharmacy's own measurement of its product (typed, like the prescription)
}
PRESCRIPTION = ("Jane Q. Doe", "1948-03-02", "RX-3003", "Dr. A. Smith", "Apply 1 g to the knee twice a day", "120 g", "0", "Topi-CLICK 120 mL")
PHARMACY = ("Main Street Compounding Pharmacy", "12 Main Street, Springfield, IL 62701", "(217) 555-0142", "IL 054-000000")
TOLERANCE = "5 %"
REASON = "prescriber consulted"
LOTS = (  # ingredient, stock form, manufacturer, lot number, expires, grams received, potency (CoA)
    ("diclofenac sodium", "diclofenac sodium", "Medisca", "DS26-101", "2027-06-30", "100", "99.5"),
    ("cyclobenzaprine HCl", "cyclobenzaprine hydrochloride", "PCCA", "CB26-202", "2027-06-30", "100", "99.8"),
    ("lidocaine", "lidocaine", "Fagron", "LB26-303", "2027-06-30", "100", "99.8"),
    ("Lipoderm", "Lipoderm", "PCCA", "LD26-404", "2027-06-30", "1000", ""),
)
NOT_DRIVEN = ("the QC results the master formula asks (final weight, appearance)", "the verifying pharmacist's blind check and verification",
              "print the label")


@dataclass
class Tally:
    """Keys counted per step, in the order the steps ran."""

    steps: list[tuple[str, list[int]]] = field(default_factory=list)

    def step(self, name: str) -> None:
        self.steps.append((name, [0, 0]))

    def add(self, free: int, other: int) -> None:
        self.steps[-1][1][0] += free
        self.steps[-1][1][1] += other

    def totals(self) -> tuple[int, int]:
        return sum(c[0] for _n, c in self.steps), sum(c[1] for _n, c in self.steps)


class Keys:
    """QTest key events to whatever has the keys (the focused widget of the active window), counted."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    @staticmethod
    def target():
        from PySide6.QtWidgets import QApplication

        widget = QApplication.activePopupWidget() or QApplication.focusWidget() or QApplication.activeModalWidget() or QApplication.activeWindow()
        assert widget is not None, "nothing has the keys"
        return widget

    def text(self, text: str) -> None:
        from PySide6.QtTest import QTest

        QTest.keyClicks(self.target(), text)
        self.tally.add(len(text), 0)

    def key(self, key, modifier=None, *, later: bool = False) -> None:
        """One key (with its modifier); ``later`` posts it, for a key that opens a modal dialog
        (its ``exec`` must not run inside the driver)."""
        from PySide6.QtCore import Qt, QTimer
        from PySide6.QtTest import QTest

        modifier = modifier if modifier is not None else Qt.KeyboardModifier.NoModifier
        self.tally.add(0, 1)
        if later:
            QTimer.singleShot(0, lambda: QTest.keyClick(self.target(), key, modifier))
        else:
            QTest.keyClick(self.target(), key, modifier)

    def field(self, text: str, then=None) -> None:
        """Type ``text`` and press ``then`` (Tab unless told)."""
        from PySide6.QtCore import Qt

        self.text(text)
        self.key(then if then is not None else Qt.Key.Key_Tab)


Wait = Callable[[], bool]


def run_driver(driver: Iterator[Wait], timeout_s: float = 120.0) -> None:
    """Run ``driver``: each value it yields is a condition to wait for before it goes on. A timer
    pumps it, so it goes on inside a modal dialog's own event loop too."""
    import time

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    loop = QEventLoop()
    state: dict = {"wait": None, "busy": False, "error": None, "done": False}
    deadline = time.monotonic() + timeout_s

    def tick() -> None:
        if state["busy"] or state["done"]:
            return
        if time.monotonic() > deadline:
            line = getattr(getattr(driver, 'gi_frame', None), 'f_lineno', '?')
            state['error'] = TimeoutError(f'the road did not finish in time: waiting at line {line}, the keys at {QApplication.focusWidget()!r}, modal {QApplication.activeModalWidget()!r}, popup {QApplication.activePopupWidget()!r}')
        elif state["wait"] is not None and not state["wait"]():
            return
        state["busy"] = True
        try:
            if state["error"] is None:
                state["wait"] = next(driver)
        except StopIteration:
            state["done"] = True
        except BaseException as error:  # noqa: BLE001 - handed back to the caller
            state["error"] = error
        finally:
            state["busy"] = False
        if state["done"] or state["error"] is not None:
            timer.stop()
            while (dialog := QApplication.activeModalWidget()) is not None:  # a road stopped inside a dialog: unwound
                dialog.reject()
                QApplication.processEvents()
            loop.quit()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(5)
    loop.exec()
    if state["error"] is not None:
        raise state["error"]


def modal(title: str) -> Wait:
    """Until the active modal dialog is the one titled ``title`` and it has the keys."""
    from PySide6.QtWidgets import QApplication

    def ready() -> bool:
        dialog = QApplication.activeModalWidget()
        focus = QApplication.focusWidget()
        return dialog is not None and dialog.windowTitle() == title and dialog.isActiveWindow() and focus is not None and focus.window() is dialog

    return ready


def active(title: str) -> Wait:
    """Until the window titled ``title`` is active and something in it has the keys."""
    from PySide6.QtWidgets import QApplication

    def ready() -> bool:
        window = QApplication.activeWindow()
        return window is not None and window.windowTitle() == title and QApplication.focusWidget() is not None

    return ready


def back_to(window) -> Wait:
    """Until ``window`` is active again. Offscreen, a completion list that closed can leave no
    window active (a desktop gives the activation back): it is given back, without a key."""
    from PySide6.QtWidgets import QApplication

    def ready() -> bool:
        if QApplication.activeWindow() is None and QApplication.activePopupWidget() is None:
            window.activateWindow()
        return window.isActiveWindow()

    return ready


def focus_on(window, widget) -> Wait:
    """Until ``widget`` has the keys. Offscreen, a completion list that closed can stay the active
    window, hidden (a desktop gives the activation back): it is given back, without a key."""
    from PySide6.QtWidgets import QApplication

    def ready() -> bool:
        shown = QApplication.activeWindow()
        if QApplication.activePopupWidget() is None and (shown is None or not shown.isVisible()):
            window.activateWindow()
        return QApplication.focusWidget() is widget

    return ready


def any_modal() -> Wait:
    from PySide6.QtWidgets import QApplication

    return lambda: QApplication.activeModalWidget() is not None and QApplication.focusWidget() is not None


def next_modal(shown) -> Wait:
    """Until another modal dialog than ``shown`` has the keys."""
    from PySide6.QtWidgets import QApplication

    return lambda: QApplication.activeModalWidget() not in (None, shown) and QApplication.focusWidget() is not None


def no_modal() -> Wait:
    from PySide6.QtWidgets import QApplication

    return lambda: QApplication.activeModalWidget() is None


def road(window, tally: Tally, keys: Keys, reached: dict) -> Generator[Wait, None, None]:
    """The keys from the window shown to as far as the road is driven (see ``NOT_DRIVEN``)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    key = Qt.Key
    alt, ctrl = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier

    tally.step("first accounts (Records ▸ Create the first accounts…)")
    window.activateWindow()
    yield lambda: window.isActiveWindow()
    keys.key(key.Key_R, alt)  # the Records menu
    yield lambda: QApplication.activePopupWidget() is not None
    keys.key(key.Key_C, later=True)  # Create the first accounts…
    yield modal("Create the first accounts")
    for username, full_name in ((ADMIN, "Paula Pharmacist"), (PHARMACIST, "Paula Pharmacist, RPh")):
        keys.field(username)
        keys.field(full_name)
        keys.field(PASSWORD)
        keys.field(PASSWORD)
    keys.key(key.Key_Return)
    yield no_modal()

    tally.step("sign in as the administrator (Records ▸ Sign in…)")
    yield from sign_in(window, keys, ADMIN)

    tally.step("pharmacy settings (File ▸ Pharmacy settings…)")
    keys.key(key.Key_F, alt)
    yield lambda: QApplication.activePopupWidget() is not None
    keys.key(key.Key_H, later=True)
    yield modal("Pharmacy settings")
    dialog = QApplication.activeModalWidget()
    for text in PHARMACY:  # name, address, phone, licence
        keys.field(text)
    keys.key(key.Key_Tab)  # label stock as offered
    keys.key(key.Key_Tab)  # worksheet paper as offered
    keys.field(TOLERANCE)  # final weight tolerance
    keys.field(TOLERANCE)  # weighing tolerance
    keys.key(key.Key_Space)  # self-verification allowed
    keys.key(key.Key_Return, later=True)  # Save
    yield lambda: QApplication.activeModalWidget() is not dialog
    yield back_to(window)
    reached["pharmacy"] = window.pharmacy

    tally.step("sign in as the pharmacist (Records ▸ Sign in…)")
    yield from sign_in(window, keys, PHARMACIST)
    reached["signed in"] = window.statusBar().currentMessage()

    tally.step("receive the lots (Records ▸ Ingredient lots…)")
    keys.key(key.Key_R, alt)
    yield lambda: QApplication.activePopupWidget() is not None
    keys.key(key.Key_L, later=True)
    yield modal("Ingredient lots")
    lots_dialog = QApplication.activeModalWidget()
    for ingredient, stock, manufacturer, lot, expires, grams, potency in LOTS:
        keys.key(key.Key_I, alt)
        keys.field(ingredient)
        keys.field(stock)
        keys.field(manufacturer)
        keys.key(key.Key_Tab)  # supplier: bought from the manufacturer
        keys.field(lot)
        keys.field(expires)
        keys.field(grams)
        keys.field(potency)
        keys.key(key.Key_Space)  # release now: the pharmacist receiving it has the certificate of analysis in hand (issue 25)
        shown = lots_dialog.received.text()
        keys.key(key.Key_R, alt, later=True)  # Receive lot
        yield lambda: signing()() or bool(lots_dialog.message.text())
        if lots_dialog.message.text():  # refused before signing: the road stops, saying why
            raise RuntimeError(f"receiving lot {lot}: {lots_dialog.message.text()}")
        yield from signature(keys)  # the receipt is signed: the password, then Enter (issue 24)
        yield lambda shown=shown: lots_dialog.received.text() != shown or lots_dialog.message.text() or QApplication.activeModalWidget() is not lots_dialog
        reached.setdefault("lots", []).append(lots_dialog.received.text() or lots_dialog.message.text())
        if QApplication.activeModalWidget() is not lots_dialog:  # the lot label's print preview (no lot-label printer set)
            keys.key(key.Key_Escape, later=True)
            yield lambda: QApplication.activeModalWidget() is lots_dialog
            yield back_to(lots_dialog)
    keys.key(key.Key_Escape, later=True)
    yield no_modal()
    yield back_to(window)

    tally.step("compose the formula in the workbench")
    window.activateWindow()
    yield lambda: window.isActiveWindow() and QApplication.focusWidget() is window.table
    for ingredient, strength in FORMULA["actives"]:
        row = window.table_model.new_row
        yield from enter_cell(window, keys, ingredient)  # one Enter takes the name (its completion list open) and commits it
        yield lambda row=row: window.table.currentIndex().row() == row and window.table.currentIndex().column() == column("strength")
        yield from enter_cell(window, keys, strength)  # Enter: on to the next ingredient, in the empty row
        yield lambda: window.table.currentIndex().row() == window.table_model.new_row and window.table.currentIndex().column() == column("ingredient")
    keys.key(key.Key_Return)  # Enter on the empty row: the ingredients are done, on to Base
    for text, following in ((FORMULA["base"], window.batch_amount_edit), (FORMULA["batch"], window.density_edit),
                            (FORMULA["density"], window.amount_edit), (FORMULA["dose"][0], window.times_edit), (FORMULA["dose"][1], None)):
        yield lambda: QApplication.focusWidget() is not None and QApplication.focusWidget().window() is window and QApplication.focusWidget() is not window.table
        keys.field(text, key.Key_Return)  # Base, Batch, Density (a Topi-CLICK label states what one click holds), Amount, Times a day
        if following is not None:
            yield focus_on(window, following)
    yield lambda: window.document.plan is not None

    tally.step("the prescription (Ctrl+R)")
    keys.key(key.Key_R, ctrl)
    yield active("Prescription")
    patient, born, rx, prescriber, directions, quantity, refills, container = PRESCRIPTION
    for text in (patient, born, rx, prescriber, directions, quantity, refills):  # the optional "written on" comes after the container
        keys.field(text)
    keys.field(container, key.Key_Return)  # Enter in the container closes the dialog, every field kept
    yield lambda: not window.prescription_dialog.isVisible()
    yield back_to(window)

    tally.step("approve the master formula (Ctrl+Shift+P)")
    keys.key(key.Key_P, ctrl | Qt.KeyboardModifier.ShiftModifier, later=True)
    yield modal("Approve master formula")  # one dialog: the name derived from the content, what is new since the last approval
    keys.key(key.Key_Return, later=True)  # Save to the library and approve (the default)
    yield signing()
    yield from signature(keys)  # the approval is signed: the password, then Enter (issue 24)
    yield no_modal()
    yield back_to(window)
    approved = window.library.approved_version(window.source.entry_id)
    reached["approved"] = approved.data if approved is not None and approved.approved_at is not None else None

    tally.step("make batch in records (Ctrl+B)")
    keys.key(key.Key_B, ctrl, later=True)
    yield any_modal()
    batch = QApplication.activeModalWidget()
    reached["batch dialog"] = {
        "formula": batch.formula.currentText(), "patient": batch.patient.text(), "rx": batch.rx.text(),
        "quantity": batch.quantity.text(), "container": batch.container.text(), "said": batch.message.text(),
    }

    tally.step("create batch")
    said = batch.message.text()
    keys.key(key.Key_Return, later=True)  # Create batch (the default, and it has the keys)
    yield lambda: batch.record is not None or signing()() or batch.message.text() != said
    dialog = QApplication.activeModalWidget()
    if dialog is not batch and dialog.objectName() == "signingDialog":  # the seed's: Beers list at 78, cyclobenzaprine > 21 days, supply beyond the BUD
        tally.step("acknowledge the warnings (signed)")
        reached["acknowledged"] = [field.objectName().removeprefix("reason.") for field in dialog.reasons]
        # Opened on the first finding's reason, the pharmacist signed in: each reason and Enter (on to
        # the next), then the password and Enter (the signing dialog's keys, issue 24).
        for _field in dialog.reasons:
            keys.field(REASON, key.Key_Return)
        yield from signature(keys)
    yield lambda: batch.record is not None or batch.message.text() != said
    reached["batch"] = {"number": batch.record.batch_number if batch.record else None, "said": batch.message.text()}
    yield back_to(batch)

    tally.step("the lots and typed weights on the batch's lines")
    yield lambda: QApplication.focusWidget() is batch.lot_boxes[0]
    for box, line in zip(batch.lot_boxes, batch.record.lines, strict=True):
        assert QApplication.focusWidget() is box, f"the keys are not on line {line.position}'s lot"
        keys.key(key.Key_Down)  # the lot received (the only one offered)
        keys.key(key.Key_Tab)
        keys.field(f"{batch.shown_targets[line.position]:f}")  # weighed to the target the lot picked sets, typed (no balance here)
    reached["lines"] = [(box.currentText(), weight.text()) for box, weight in zip(batch.lot_boxes, batch.weights, strict=True)]

    for step, mnemonic in (("save the lines (Alt+S)", key.Key_S), ("prepare, signed (Alt+P)", key.Key_P)):
        tally.step(step)
        record = batch.record
        keys.key(mnemonic, alt, later=True)
        yield lambda record=record: batch.record is not record or batch.message.text() or signing()()
        if signing()():  # the signature is given now: the password, then Enter (issue 24)
            yield from signature(keys)
            yield lambda record=record: batch.record is not record or batch.message.text()
        if batch.message.text():  # refused: the road stops, saying why
            reached["refused"] = f"{step}: {batch.message.text()}"
            break
    reached["status"] = batch.record.status.value
    batch.reject()  # the road measured stops here (see NOT_DRIVEN): closed, not a key of it
    yield no_modal()


def signing() -> Wait:
    """Until the signing dialog (``ui.common.signing_dialog``) has the keys."""
    from PySide6.QtWidgets import QApplication

    def ready() -> bool:
        dialog = QApplication.activeModalWidget()
        focus = QApplication.focusWidget()
        return dialog is not None and dialog.objectName() == "signingDialog" and focus is not None and focus.window() is dialog
    return ready


def signature(keys: Keys) -> Generator[Wait, None, None]:
    """The signing dialog opens on the password (the signer's name filled in): type it, Enter."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    dialog = QApplication.activeModalWidget()
    keys.field(PASSWORD, Qt.Key.Key_Return)
    yield lambda: QApplication.activeModalWidget() is not dialog


def sign_in(window, keys: Keys, username: str) -> Generator[Wait, None, None]:
    """Records ▸ Sign in…, the user name and the password."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    yield back_to(window)
    keys.key(Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    yield lambda: QApplication.activePopupWidget() is not None
    keys.key(Qt.Key.Key_S, later=True)
    yield modal("Sign in")
    keys.field(username)
    keys.field(PASSWORD, Qt.Key.Key_Return)
    yield no_modal()
    yield back_to(window)


def column(name: str) -> int:
    from compounder.ui.workbench.ingredient_columns import KEYS as COLUMNS

    return COLUMNS.index(name)


def type_cell(window, keys: Keys, text: str) -> Generator[Wait, None, None]:
    """Type into the current cell of the ingredient table (its editor opens with the first key)
    and press Enter (twice when a completion list is open: the first closes it)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    keys.text(text[0])
    yield lambda: QApplication.focusWidget() is not None and QApplication.focusWidget().objectName() != "ingredientTable"
    keys.text(text[1:])
    for _press in range(3):  # Enter closes the completion list when it is open, then commits
        keys.key(Qt.Key.Key_Return)
        QApplication.processEvents()
        if QApplication.activeWindow() is None:  # offscreen only: the closed completion list took the activation with it
            window.activateWindow()
            yield lambda: QApplication.activeWindow() is window
        if table_has_keys():
            return
    yield table_has_keys


def enter_cell(window, keys: Keys, text: str) -> Generator[Wait, None, None]:
    """Type into the current cell of the ingredient table (its editor opens with the first key)
    and press Enter once: it takes the name in an open completion list and commits the cell."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    keys.text(text[0])
    yield lambda: QApplication.focusWidget() is not None and QApplication.focusWidget().objectName() != "ingredientTable"
    keys.text(text[1:])
    keys.key(Qt.Key.Key_Return)
    yield back_to(window)  # offscreen only: the closed completion list can take the activation with it
    yield table_has_keys


def table_has_keys() -> bool:
    from PySide6.QtWidgets import QApplication

    widget = QApplication.focusWidget()
    return widget is not None and widget.objectName() == "ingredientTable"


def measure(folder: Path) -> tuple[Tally, dict]:
    """The road on a new database and settings folder under ``folder``: the tally of its keys,
    and what it reached (``road``'s facts, for the test)."""
    import datetime as dt

    os.environ["COMPOUNDER_SETTINGS_DIR"] = str(folder / "settings")
    os.environ["XDG_DATA_HOME"] = str(folder / "data")
    os.environ["XDG_CACHE_HOME"] = str(folder / "cache")
    from PySide6.QtWidgets import QApplication

    from compounder.ui.app import build_workbench, parse_args

    app = QApplication.instance() or QApplication([sys.argv[0]])
    workbench = build_workbench(parse_args(["--database", f"sqlite:///{folder / 'pharmacy.sqlite'}"]), dt.date.today())
    window = workbench.window
    sys.excepthook = sys.__excepthook__  # the reporter's log is in the temporary folder
    window.show()
    tally, reached = Tally(), {}
    try:
        run_driver(road(window, tally, Keys(tally), reached))
    finally:
        window.document.mark_saved()
        window.close()
        workbench.engine.dispose()
        app.processEvents()
    return tally, reached


def print_report(tally: Tally, refused: str | None = None) -> None:
    width = max(len(name) for name, _c in tally.steps)
    print(f"{'step':<{width}} | free text | other keys")
    for name, (free, other) in tally.steps:
        print(f"{name:<{width}} | {free:>9} | {other:>10}")
    free, other = tally.totals()
    print(f"{'total':<{width}} | {free:>9} | {other:>10}")
    print(f"target: the free text + at most {TARGET_OTHER_KEYS} other keys → {free + TARGET_OTHER_KEYS}; measured {free + other}")
    if NOT_DRIVEN:
        print("not driven yet (not in the figures): " + "; ".join(NOT_DRIVEN))
    if refused:
        print(f"the road stopped at a refusal: {refused}")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="keys-to-label-") as folder:
        tally, reached = measure(Path(folder))
        print_report(tally, reached.get("refused"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
