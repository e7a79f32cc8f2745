"""Keys pressed from a fresh install to the seed prescription's batch in the records (issue 28).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/keys_to_label.py

Drives the real window (``compounder.ui.app.build_workbench`` on a new SQLite database and
settings folder in a temporary folder, started as ``run_app`` starts it: the first-run welcome) with QTest key events only, sent to the focused widget
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
# The QC results the master formula asks: the finished preparation weighed (120 g made, 0.5 g
# left in the mortar and on the spatula) and what it looks like.
FINAL_WEIGHT = "119.5"
APPEARANCE = "smooth white cream, uniform, no particles"
# The verifying pharmacist's own figures (the blind check), worked out by hand from the
# prescription, the lots' certificates and the container: grams = 120 g × strength / potency;
# one Topi-CLICK click = 0.25 mL × 1.02 g/mL = 0.255 g, so mg per click = 255 mg × strength.
#   diclofenac sodium    120 × 3 % = 3.6 g / 0.995 = 3.6181 g → 3.618 g;  255 mg × 3 % = 7.65 mg
#   cyclobenzaprine HCl  120 × 2 % = 2.4 g / 0.998 = 2.4048 g → 2.405 g;  255 mg × 2 % = 5.10 mg
#   lidocaine            120 × 5 % = 6.0 g / 0.998 = 6.0120 g → 6.012 g;  255 mg × 5 % = 12.75 mg → 12.8 (three figures, as labelled)
BLIND_FIGURES = (
    ("line 1 (diclofenac sodium): grams to weigh", "3.618 g"), ("line 1 (diclofenac sodium): mg per click", "7.65 mg/click"),
    ("line 2 (cyclobenzaprine hydrochloride): grams to weigh", "2.405 g"), ("line 2 (cyclobenzaprine hydrochloride): mg per click", "5.10 mg/click"),
    ("line 3 (lidocaine): grams to weigh", "6.012 g"), ("line 3 (lidocaine): mg per click", "12.8 mg/click"),
)
NOT_DRIVEN: tuple[str, ...] = ()


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


def steady(widget, turns: int = 5) -> Wait:
    """Until ``widget`` has had the keys for ``turns`` turns of the driver's timer in a row: what a
    closed completion list posted (offscreen, the activation it gives back) has been handled."""
    from PySide6.QtWidgets import QApplication

    seen = [0]

    def ready() -> bool:
        seen[0] = seen[0] + 1 if QApplication.focusWidget() is widget else 0
        return seen[0] >= turns

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

    tally.step("first accounts (the welcome's Create the first accounts…)")
    # The app's start on a fresh install (``offer_welcome``, as ``run_app`` calls it): the welcome,
    # on a records database with no account, has the keys on Create the first accounts….
    yield lambda: (shown := QApplication.activeWindow()) is not None and shown.objectName() == "welcome" and QApplication.focusWidget() is shown.accounts_button
    keys.key(key.Key_Return, later=True)
    yield modal("Create the first accounts")
    for username, full_name in ((ADMIN, "Paula Pharmacist"), (PHARMACIST, "Paula Pharmacist, RPh")):
        keys.field(username)
        keys.field(full_name)
        keys.field(PASSWORD)
        keys.field(PASSWORD, key.Key_Return if username == PHARMACIST else None)  # Enter in the last field creates both

    # The administrator, who has just typed their password twice, is signed in by the dialog (no
    # keys of its own), and the pharmacy settings open at once on a fresh install (issue 28).
    tally.step("sign in as the administrator (done by the first accounts)")
    yield modal("Pharmacy settings")
    reached["administrator"] = window.statusBar().currentMessage()

    tally.step("pharmacy settings (opened after the first accounts)")
    dialog = QApplication.activeModalWidget()
    for text in PHARMACY:  # name, address, phone, licence
        keys.field(text)
    keys.field(TOLERANCE)  # final weight tolerance
    keys.field(TOLERANCE)  # weighing tolerance
    keys.key(key.Key_Space)  # self-verification allowed
    keys.key(key.Key_Return, later=True)  # Save (label stock and paper as offered, after the tick)
    yield lambda: QApplication.activeModalWidget() is not dialog

    tally.step("sign in as the pharmacist (opened after the settings)")
    yield modal("Sign in")
    reached["pharmacy"] = window.pharmacy  # the settings saved (their dialog has returned)
    assert QApplication.focusWidget() is QApplication.activeModalWidget().password, "the sign-in is not on the password"
    keys.field(PASSWORD, key.Key_Return)  # the pharmacist's user name filled in
    yield no_modal()
    yield back_to(window)
    reached["signed in"] = window.statusBar().currentMessage()

    tally.step("receive the lots (Records ▸ Ingredient lots…)")
    keys.key(key.Key_R, alt)
    yield lambda: QApplication.activePopupWidget() is not None
    keys.key(key.Key_L, later=True)
    yield modal("Ingredient lots")
    lots_dialog = QApplication.activeModalWidget()
    for ingredient, stock, manufacturer, lot, expires, grams, potency in LOTS:
        # Opened on the ingredient, and back on it after each lot (typed over).
        yield back_to(lots_dialog)
        assert QApplication.focusWidget() is lots_dialog.ingredient, f"the keys are not on the ingredient for lot {lot}"
        keys.field(ingredient)
        if QApplication.focusWidget() is lots_dialog.stock_form:  # not filled in: a parent moiety (the base or a salt)
            keys.field(stock)
        assert lots_dialog.stock_form.text() == stock, f"lot {lot}: stock form {lots_dialog.stock_form.text()!r}"
        keys.field(manufacturer)  # the supplier, optional, is out of the Tab chain: bought from the manufacturer
        keys.field(lot)
        keys.field(expires)
        keys.field(grams)
        keys.field(potency)
        keys.key(key.Key_Space)  # release now: the pharmacist receiving it has the certificate of analysis in hand (issue 25)
        added = len(lots_dialog.delivery.receipts)
        keys.key(key.Key_Return)  # Enter on the release tick: the lot checked and added to the delivery (not yet signed)
        yield lambda added=added: len(lots_dialog.delivery.receipts) > added or bool(lots_dialog.message.text())
        if lots_dialog.message.text():  # refused before signing: the road stops, saying why
            raise RuntimeError(f"adding lot {lot}: {lots_dialog.message.text()}")
    # The delivery signed once (issue 28): Sign receipt of 4 lots, the password, Enter; the lots'
    # labels in one print preview (no lot-label printer set on a fresh install), closed.
    yield back_to(lots_dialog)
    keys.key(key.Key_N, alt, later=True)  # Sign receipt of N lots
    yield lambda: signing()() or bool(lots_dialog.message.text())
    if lots_dialog.message.text():
        raise RuntimeError(f"signing the delivery: {lots_dialog.message.text()}")
    yield from signature(keys)  # the password, then Enter (issue 24)
    yield lambda: lots_dialog.received.text().startswith("Received") or bool(lots_dialog.message.text()) or QApplication.activeModalWidget() is not lots_dialog
    if QApplication.activeModalWidget() is not lots_dialog:  # the lots' labels' print preview: one for the delivery
        reached["lot label previews"] = 1
        keys.key(key.Key_Escape, later=True)
        yield lambda: QApplication.activeModalWidget() is lots_dialog
        yield back_to(lots_dialog)
    reached["lots"] = lots_dialog.received.text() or lots_dialog.message.text()
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
            yield steady(following)
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
    if dialog is not batch and dialog.objectName() == "signingDialog":  # the seed's: Beers list at 78, supply beyond the BUD
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
    yield lambda: QApplication.focusWidget() in (batch.lot_boxes[0], batch.weights[0])
    last = len(batch.lot_boxes) - 1
    for number, (box, weight, line) in enumerate(zip(batch.lot_boxes, batch.weights, batch.record.lines, strict=True)):
        if QApplication.focusWidget() is box:  # a lot to choose (several on hand): the pharmacist's choice
            keys.key(key.Key_Down)
            keys.key(key.Key_Tab)
        # The only lot received of each is shown chosen (issue 28): the keys are on the weight.
        assert QApplication.focusWidget() is weight, f"the keys are not on line {line.position}'s weight"
        assert box.currentData() is not None, f"line {line.position}: no lot chosen"
        grams = f"{batch.shown_targets[line.position]:f}"  # weighed to the target the lot picked sets, typed (no balance here)
        if number < last:
            keys.field(grams, key.Key_Return)  # Enter: on to the next line's lot
        else:
            keys.text(grams)  # the last: Sign as preparer saves the lines typed
    reached["lines"] = [(box.currentText(), weight.text()) for box, weight in zip(batch.lot_boxes, batch.weights, strict=True)]

    tally.step("prepare: the lines saved and signed (Alt+P)")
    keys.key(key.Key_P, alt, later=True)
    yield lambda: signing()() or batch.message.text() or batch.record.status.value != "draft"
    if signing()():  # the signature is given now: the password, then Enter (issue 24)
        yield from signature(keys)
        yield lambda: batch.record.status.value != "draft" or batch.message.text()
    if batch.message.text():  # refused: the road stops, saying why
        reached["refused"] = f"prepare: {batch.message.text()}"
    reached["status"] = batch.record.status.value
    if "refused" not in reached:
        yield from after_prepared(batch, tally, keys, reached)
    batch.reject()  # the road measured ends with the label printed: the dialog closed, not a key of it
    yield no_modal()


def after_prepared(batch, tally: Tally, keys: Keys, reached: dict) -> Generator[Wait, None, None]:
    """From the prepared batch to its printed label: the QC results the master formula asks, the
    verifying pharmacist's blind check (the same pharmacist: self-verification, the pharmacy's
    setting), verification signed, and Print label (the pharmacy's label printer, or the print
    dialog on the spooler's printer)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    key = Qt.Key
    yield back_to(batch)
    qc = batch.qc_panel
    reached["qc asked"] = [asked.kind for asked in qc.details.asked] if qc.details else []

    tally.step("QC: final weight and appearance")
    yield from tab_to(keys, qc.final_weight)  # the keys are there once prepared: no key
    keys.field(FINAL_WEIGHT, key.Key_Return)  # entered
    yield lambda: "final weight" in qc.results.text() or bool(qc.message.text())
    yield from tab_to(keys, qc.appearance)
    keys.field(APPEARANCE, key.Key_Return)  # on to the tick: whether it conforms is the pharmacist's finding
    yield from tab_to(keys, qc.appearance_conforms)
    keys.key(key.Key_Space)  # conforms, ticked by hand
    keys.key(key.Key_Return)  # entered
    yield lambda: "appearance" in qc.results.text() or bool(qc.message.text())
    reached["qc"] = qc.results.text()
    reached["qc missing"] = qc.missing.text()
    if qc.message.text():
        reached["refused"] = f"QC: {qc.message.text()}"
        return

    tally.step("blind check: the pharmacist's own figures")
    panel = batch.blind_check
    reached["blind check asked"] = [figure.accessibleName() for figure in panel.fields.values()]
    figures = dict(BLIND_FIGURES)
    for figure in panel.fields.values():
        yield from tab_to(keys, figure)  # the keys go from one to the next: no key
        keys.field(figures[figure.accessibleName()], key.Key_Return)  # worked out by hand (see BLIND_FIGURES); the last compares
    yield lambda: batch.verify_view.isVisible() or bool(panel.result.text())
    reached["blind check"] = panel.result.text()
    if not batch.verify_view.isVisible():
        reached["refused"] = f"blind check: {panel.result.text()}"
        return

    tally.step("verify, signed (Sign as verifier)")
    yield back_to(batch)
    yield from tab_to(keys, batch.verify_button)  # the keys are there after the match: no key
    keys.key(key.Key_Space, later=True)
    yield signing()
    yield from signature(keys)
    yield lambda: batch.record.status.value != "prepared" or bool(batch.message.text())
    reached["verified"] = {"status": batch.record.status.value, "prepared by": batch.record.prepared_by,
                           "verified by": batch.record.verified_by, "said": batch.message.text()}
    if batch.record.status.value != "verified":
        reached["refused"] = f"verify: {batch.message.text()}"
        return

    tally.step("print the label (Print label)")
    yield back_to(batch)
    yield from tab_to(keys, batch.print_label_button)  # the keys are there once verified: no key
    keys.key(key.Key_Space, later=True)
    yield lambda: QApplication.activeModalWidget() is not batch or bool(batch.message.text())
    dialog = QApplication.activeModalWidget()
    if dialog is not batch and dialog.objectName() == "printDialog":  # no label printer set: the print dialog, on the spooler's printer
        yield lambda: QApplication.focusWidget() is not None and QApplication.focusWidget().window() is dialog
        reached["printed to"] = dialog.printer_combo.currentText()
        keys.key(key.Key_Return)  # Print
        yield lambda: QApplication.activeModalWidget() is not dialog or dialog.message.isVisible()
        if QApplication.activeModalWidget() is dialog:
            reached["refused"] = f"print the label: {dialog.message.text()}"
            dialog.reject()
            yield lambda: QApplication.activeModalWidget() is batch
            return
    yield lambda: QApplication.activeModalWidget() is batch
    reached["label"] = {"batch": batch.record.batch_number, "said": batch.message.text()}
    if batch.message.text():
        reached["refused"] = f"print the label: {batch.message.text()}"


def tab_to(keys: Keys, widget) -> Generator[Wait, None, None]:
    """Tab until ``widget`` has the keys (each Tab counted; Ctrl+Tab out of a table, which takes
    Tab for its cells); refused after 100."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractItemView, QApplication

    yield lambda: widget.isVisible() and widget.isEnabled()
    for _press in range(100):
        focus = QApplication.focusWidget()
        if focus is widget:
            return
        in_table = isinstance(focus, QAbstractItemView) and focus.tabKeyNavigation()
        keys.key(Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier if in_table else None)
        yield lambda: True
    raise RuntimeError(f"Tab does not reach {widget.objectName() or widget!r}")


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

    from compounder.ui.app import build_workbench, offer_welcome, parse_args

    app = QApplication.instance() or QApplication([sys.argv[0]])
    database = f"sqlite:///{folder / 'pharmacy.sqlite'}"
    workbench = build_workbench(parse_args(["--database", database]), dt.date.today())
    window = workbench.window
    sys.excepthook = sys.__excepthook__  # the reporter's log is in the temporary folder
    window.show()
    offer_welcome(workbench, database)  # what ``run_app`` does next on a fresh install
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


def label_printer() -> Generator[str | None, None, None]:
    """A throw-away CUPS scheduler with a PDF printer for the label (``tests/cupsd.py``, as the
    printing tests start it; the road's print dialog lists it): yields where the printed PDFs land,
    or None (after saying why) where it cannot start, and the road stops at the print dialog."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.cupsd import Spooler, SpoolerUnavailable

    try:
        spooler = Spooler().start()
    except SpoolerUnavailable as error:
        print(f"no spooler for the label ({error}): the road stops at the print dialog", file=sys.stderr)
        yield None
        return
    try:
        os.environ.update(spooler.environment)
        queue = spooler.add_pdf_printer("0-label")
        yield str(spooler.folder / "out" / queue)
    finally:
        spooler.remove()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="keys-to-label-") as folder:
        printer = label_printer()
        printed = next(printer)
        try:
            tally, reached = measure(Path(folder))
        finally:
            printer.close()
        print_report(tally, reached.get("refused"))
        if printed is not None and "label" in reached:
            print(f"label of batch {reached['label']['batch']} printed to {reached.get('printed to', 'the pharmacy label printer')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
