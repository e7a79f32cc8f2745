"""The weighing station driven as the bench uses it: the scanner types into the view, the
balance is a simulated one on a real pseudo-terminal, Enter records."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from compounder.balance import open_balance
from compounder.balance.simulator import SimulatedBalance
from compounder.calc.scan import pharmacy_lot_code
from compounder.records import batches
from compounder.records import station as station_records
from compounder.ui.common.look import ERROR_TEXT
from compounder.ui.station.weighing_view import WeighingView, open_station
from tests.pdf_text import pdf_text
from tests.records.signing_helpers import credentials_of
from tests.ui.conftest import answer_signing


@pytest.fixture
def simulated():
    with SimulatedBalance("mt-sics", grams="0.000") as balance:
        yield balance


class Monotonic:
    """The view's monotonic clock, which a test can move ahead (a stale reading)."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.ahead


def make_view(qtbot, context, record, simulated=None, monotonic=None) -> WeighingView:
    balance = open_balance(simulated.port, "mt-sics", "XS205-1", timeout=0.3) if simulated else None
    view = WeighingView(context, record.batch_number, balance=balance, monotonic=monotonic or Monotonic())
    qtbot.add_widget(view)
    view.show()
    return view


def scanner(qtbot, view, text: str) -> None:
    """A keyboard-wedge scanner: the characters, then Enter."""
    qtbot.keyClicks(view.entry, text)
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)


def line_in_db(context, record, position):
    with context.sessions() as s:
        return batches.batch_record(s, record.batch_number).lines[position - 1]


def test_scan_confirm_then_only_a_stable_fresh_reading_is_recorded(qtbot, bench, simulated):
    context, pharmacy, record = bench
    first, second = record.lines[0], record.lines[1]
    monotonic = Monotonic()
    view = make_view(qtbot, context, record, simulated, monotonic)
    assert view.line_title.text() == f"Line 1 of {len(record.lines)}: {first.name}"
    assert view.message.text() == f"Scan the container of {first.name}"

    # the container of another ingredient: refused at once, loudly, and recorded
    scanner(qtbot, view, pharmacy_lot_code(pharmacy.lots[second.name].id))
    assert view.message.text().startswith(f"REFUSED: this container is {second.name}")
    assert ERROR_TEXT.name() in view.message.styleSheet()
    # a weight before the container is confirmed is not taken
    scanner(qtbot, view, "1.5")
    assert "scan the container of" in view.message.text()

    scanner(qtbot, view, pharmacy_lot_code(pharmacy.lots[first.name].id))
    assert view.message.text().startswith(f"Line 1 confirmed: {first.name}")

    # unstable: shown, and Enter does not record it
    simulated.grams, simulated.state = first.target, "unstable"
    qtbot.waitUntil(lambda: view.live_state.text().startswith("not stable yet"), timeout=3000)
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    assert view.message.text().startswith("not recorded:") and "not stable yet" in view.message.text()
    assert line_in_db(context, record, 1).actual is None

    # stable and within the band: shown green; a stale one (10 s old by the view's clock) is refused
    simulated.state = "stable"
    qtbot.waitUntil(lambda: view.live_state.text() == "stable — within tolerance", timeout=3000)
    monotonic.ahead = 10.0
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    assert "s old; wait for a fresh one" in view.message.text()
    monotonic.ahead = 0.0
    qtbot.waitUntil(lambda: view.last_reading is not None and time.monotonic() - view.last_reading.at < 0.5, timeout=3000)
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    stored = line_in_db(context, record, 1)
    assert (stored.actual, stored.weight_source, stored.balance_id, stored.identity) == (first.target, "balance", "XS205-1", "scanned")
    assert view.position == 2 and view.message.text().startswith("Line 1 recorded: ")

    # the cable is pulled: the view says so and records nothing from the balance; a typed weight is marked typed
    scanner(qtbot, view, pharmacy_lot_code(pharmacy.lots[second.name].id))
    simulated.pull_cable()
    qtbot.waitUntil(lambda: "disconnected" in view.live_state.text(), timeout=3000)
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    assert "not recorded: the balance is disconnected" in view.message.text()
    assert line_in_db(context, record, 2).actual is None
    scanner(qtbot, view, f"{second.target}")
    stored = line_in_db(context, record, 2)
    assert (stored.actual, stored.weight_source, stored.balance_id) == (second.target, "typed", None)
    with context.sessions() as s:
        assert [(e.position, e.kind, e.accepted) for e in station_records.events(s, record.batch_number)] == [
            (1, "scan", False), (1, "scan", True), (1, "weight", True), (2, "scan", True), (2, "weight", True),
        ]
    view.close()


def test_out_of_tolerance_is_shown_live_and_when_recorded(qtbot, bench, simulated):
    context, pharmacy, record = bench
    first = record.lines[0]
    view = make_view(qtbot, context, record, simulated)
    scanner(qtbot, view, pharmacy_lot_code(pharmacy.lots[first.name].id))
    # 6 % over a ± 5 % band
    simulated.grams = (first.target * Decimal("1.06")).quantize(Decimal("0.001"))
    qtbot.waitUntil(lambda: view.live_state.text() == "stable — OVER the band", timeout=3000)
    assert ERROR_TEXT.name() in view.live.styleSheet()
    qtbot.waitUntil(lambda: time.monotonic() - view.last_reading.at < 0.5, timeout=3000)
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    assert "OUTSIDE ± 5 %" in view.message.text() and view.position == 1
    assert line_in_db(context, record, 1).out_of_tolerance
    view.close()


def test_the_batch_dialog_opens_the_station_without_a_balance(qtbot, bench, catalog):
    from compounder.records.library import FormulaLibrary
    from compounder.ui.records.batch_dialog import BatchDialog

    context, _pharmacy, record = bench
    dialog = BatchDialog(context, FormulaLibrary(context.sessions, context.clock), catalog, open_station=open_station)
    qtbot.add_widget(dialog)
    dialog.open_batch(record.batch_number)
    assert dialog.station_button.isEnabled()
    qtbot.mouseClick(dialog.station_button, Qt.MouseButton.LeftButton)
    assert isinstance(dialog.station, WeighingView)
    assert dialog.station.live_state.text().startswith("no balance set up")
    dialog.station.close()


def test_a_lot_label_is_printed_at_receipt_and_its_code_confirms_the_line(qtbot, bench):
    from compounder.ui.records.lots_dialog import LotsDialog

    context, pharmacy, record = bench
    printed = []
    dialog = LotsDialog(context, print_pdf=lambda title, pdf, kind=None, zpl=None, *, choose=False: printed.append((title, pdf)) or True)
    qtbot.add_widget(dialog)
    first = record.lines[0]
    dialog.ingredient.setText(first.name)
    dialog.stock_form.setText(first.name)
    dialog.manufacturer.setText("PCCA")
    dialog.lot_number.setText("PC-77")
    dialog.expires.setText("2027-11-23")
    dialog.quantity.setText("100")
    assert dialog.add_lot()
    answer_signing()  # the delivery's receipt is signed with the password
    dialog.sign_receipt()
    assert [title for title, _pdf in printed] == ["Lot label PC-77"]
    with context.sessions() as s:
        from compounder.records import lots

        (received,) = lots.lots(s, lot_number="PC-77")
    code = pharmacy_lot_code(received.id)
    assert code in pdf_text(printed[0][1])
    # the row of the new lot selected: printed again on demand
    dialog.view.selectRow(next(i for i in range(dialog.model.rowCount()) if dialog.model.key(i) == received.id))
    qtbot.mouseClick(dialog.label_button, Qt.MouseButton.LeftButton)
    assert len(printed) == 2
    view = make_view(qtbot, context, record)
    scanner(qtbot, view, code)  # a technician's receipt: in quarantine, refused at the scan naming the lot and why (issue 25)
    assert view.message.text().startswith(f"lot PC-77 of {first.name} cannot be used: it is in quarantine"), view.message.text()
    from compounder.records import stock

    with context.sessions.begin() as s:
        stock.release_lot(s, pharmacy.pharmacist, received.id, stock.CoaReview(None, dt.date(2027, 11, 23), True), context.clock())
    scanner(qtbot, view, code)
    assert view.message.text().startswith(f"Line 1 confirmed: {first.name}, lot PC-77")
    view.close()



def test_a_gs1_code_with_its_group_separator_typed_as_ctrl_bracket(qtbot, bench):
    from compounder.records import lots

    context, pharmacy, record = bench
    first = record.lines[0]
    with context.sessions.begin() as s:
        lots.receive_lot(
            s, credentials_of(pharmacy.pharmacist), release=True, ingredient=first.name, stock_form=first.name, manufacturer="Spectrum", lot_number="SP1234",
            expires=dt.date(2027, 12, 31), quantity="50", potency_percent=None, now=context.clock(),
        )
    view = make_view(qtbot, context, record)
    # ]d2 + (01) GTIN + (17) 2027-12-31 + (10) SP1234 <GS> (21) serial: the lot ends at the separator
    qtbot.keyClicks(view.entry, "]d2010950600013435217271231" + "10SP1234")
    qtbot.keyClick(view.entry, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(view.entry, "21SN77")
    assert view.entry.text().endswith("SP1234\x1d21SN77")
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    assert view.message.text().startswith(f"Line 1 confirmed: {first.name}, lot SP1234"), view.message.text()
    view.close()


def test_page_keys_move_between_lines(qtbot, bench):
    context, _pharmacy, record = bench
    view = make_view(qtbot, context, record)
    view.activateWindow()
    qtbot.waitUntil(lambda: view.entry.hasFocus(), timeout=2000)
    qtbot.keyClick(view.entry, Qt.Key.Key_PageDown)
    assert view.line_title.text().startswith("Line 2 of")
    qtbot.keyClick(view.entry, Qt.Key.Key_PageUp)
    qtbot.keyClick(view.entry, Qt.Key.Key_PageUp)  # no line 0: stays on line 1
    assert view.position == 1
    view.close()


def test_the_balance_is_set_in_the_pharmacy_settings_dialog(qtbot, tmp_path):
    from compounder.settings import EXAMPLE, load_settings, settings_from_data
    from compounder.ui.records.pharmacy_dialog import PharmacySettingsDialog

    path = tmp_path / "pharmacy.json"
    dialog = PharmacySettingsDialog(settings_from_data(EXAMPLE), path)
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.balance_port_edit, "/dev/ttyUSB0")
    dialog.balance_driver_combo.setCurrentIndex(dialog.balance_driver_combo.findData("sartorius-sbi"))
    dialog.accept()
    assert dialog.isVisible() and dialog.message.text().startswith("balance ID: give the balance's ID")
    qtbot.keyClicks(dialog.balance_id_edit, "BAL-07")
    dialog.accept()
    saved = load_settings(path)
    assert (saved.balance_port, saved.balance_driver, saved.balance_id) == ("/dev/ttyUSB0", "sartorius-sbi", "BAL-07")
    again = PharmacySettingsDialog(saved, path)
    qtbot.add_widget(again)
    assert again.data()["balance"] == {"port": "/dev/ttyUSB0", "driver": "sartorius-sbi", "id": "BAL-07"}


def _sign(qtbot, dialog, username: str, password: str, reason: str = "label torn; name and lot read by eye") -> None:
    """Type into the F8 signing dialog as a person does, then press its Sign button."""
    for field, text in ((dialog.username, username), (dialog.password, password), (dialog.reasons[0], reason)):
        field.clear()
        qtbot.keyClicks(field, text)
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)


def _hand_events(context, record):
    with context.sessions() as s:
        return [e for e in station_records.events(s, record.batch_number) if e.kind == "hand"]


def _failed_sign_ins(context, username):
    from sqlalchemy import select

    from compounder.records.model import User

    with context.sessions() as s:
        return s.scalar(select(User.failed_sign_ins).where(User.username == username))


def test_confirmation_by_hand_is_signed_there_by_a_pharmacist_then_a_bare_number(qtbot, bench):
    from compounder.records import trail_check
    from tests.records.helpers import PASSWORD

    context, pharmacy, record = bench  # the station is signed in as the technician, tess
    first = record.lines[0]
    with context.sessions.begin() as s:
        batches.assign_lot(s, context.actor, record.batch_number, 1, pharmacy.lots[first.name].id, context.clock())
    view = make_view(qtbot, context, record)
    view.activateWindow()
    qtbot.waitUntil(lambda: view.entry.hasFocus(), timeout=2000)
    qtbot.keyClick(view.entry, Qt.Key.Key_F8)
    dialog = view.hand_dialog
    assert dialog is not None and dialog.isVisible()

    # the technician's own (right) password: refused in the dialog, nothing recorded
    _sign(qtbot, dialog, "tess", PASSWORD)
    assert dialog.isVisible()
    assert dialog.message.text() == "tess is a technician: only a pharmacist confirms a container by hand — nothing was signed"
    assert dialog.password.text() == ""
    # the pharmacist's name with a wrong password: the sign-in's one message, counted on her account
    _sign(qtbot, dialog, "paula", "not her password")
    assert dialog.password_message.text() == "Password: wrong user name or password"
    assert _failed_sign_ins(context, "paula") == 1
    # a name no account has: the same words
    _sign(qtbot, dialog, "mallory", "a guess")
    assert dialog.password_message.text() == "Password: wrong user name or password"
    # no reason: said beside the reason, and no password attempt is spent on it
    _sign(qtbot, dialog, "paula", PASSWORD, reason="")
    assert dialog.reason_messages[0].text().startswith("Reason: ") and dialog.isVisible()
    assert _failed_sign_ins(context, "paula") == 1
    assert _hand_events(context, record) == [] and line_in_db(context, record, 1).identity is None

    _sign(qtbot, dialog, "paula", PASSWORD)
    assert not dialog.isVisible()
    assert view.message.text().startswith("Line 1 confirmed by hand by paula")
    assert "confirmed by hand ✔" in view.lot.text()
    (hand,) = _hand_events(context, record)
    assert (hand.user_id, hand.reason) == (pharmacy.pharmacist.id, "label torn; name and lot read by eye")
    assert hand.message == "Line 1 confirmed by hand by paula, signed with their password at the station signed in as tess"
    with context.sessions() as s:
        assert trail_check.problems(s) == []
    assert context.actor == pharmacy.technician  # the station stays signed in as it was

    # "3" alone could be a short code scanned: not taken for 3 g
    scanner(qtbot, view, "3")
    assert view.message.text().startswith("3: type a weight with its decimals")
    assert line_in_db(context, record, 1).actual is None
    scanner(qtbot, view, f"{first.target:f}")
    stored = line_in_db(context, record, 1)
    assert (stored.actual, stored.weight_source, stored.identity) == (first.target, "typed", "by hand")
    view.close()


def test_five_wrong_passwords_at_the_station_lock_the_pharmacist_and_record_nothing(qtbot, bench):
    from tests.records.helpers import PASSWORD

    context, pharmacy, record = bench
    first = record.lines[0]
    with context.sessions.begin() as s:
        batches.assign_lot(s, context.actor, record.batch_number, 1, pharmacy.lots[first.name].id, context.clock())
    view = make_view(qtbot, context, record)
    dialog = view.confirm_by_hand()
    for attempt in range(1, 5):
        _sign(qtbot, dialog, "paula", f"guess {attempt}")
        assert dialog.password_message.text() == "Password: wrong user name or password"
    _sign(qtbot, dialog, "paula", "guess 5")
    assert dialog.password_message.text().startswith("Password: the account paula is locked after 5 failed sign-ins")
    _sign(qtbot, dialog, "paula", PASSWORD)  # the right one now: still locked
    assert dialog.password_message.text().startswith("Password: the account paula is locked after 5 failed sign-ins")
    assert dialog.isVisible() and _hand_events(context, record) == [] and line_in_db(context, record, 1).identity is None
    dialog.reject()
    view.close()


def test_a_switched_off_pharmacist_is_refused_in_the_write_that_would_store_the_confirmation(qtbot, bench):
    """The signer is read inside the write's own transaction: an account switched off is told so,
    once its password is right, and nothing is recorded."""
    from compounder.records import people
    from tests.records.helpers import PASSWORD

    context, pharmacy, record = bench
    first = record.lines[0]
    with context.sessions.begin() as s:
        batches.assign_lot(s, context.actor, record.batch_number, 1, pharmacy.lots[first.name].id, context.clock())
        people.set_active(s, pharmacy.admin, "paula", False, context.clock())
    view = make_view(qtbot, context, record)
    dialog = view.confirm_by_hand()
    _sign(qtbot, dialog, "paula", PASSWORD)
    assert dialog.password_message.text() == (  # her password was right: told the account is switched off
        "Password: the account paula is switched off, so it can neither sign in nor sign; an administrator switches it back on (Records ▸ Users…)"
    )
    assert dialog.isVisible() and _hand_events(context, record) == []
    dialog.reject()
    view.close()
