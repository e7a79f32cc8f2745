"""Issue 26: with a printer chosen for each document in the pharmacy settings the records screens
print at once; "Print on…" still prints a document this once on a printer picked in the print
dialog, in the batch dialog, the history and the lots dialog."""

from __future__ import annotations

from tests.records.helpers import PASSWORD
from tests.ui.conftest import sign_click
from tests.ui.records.qc_entry import enter_qc
from tests.ui.records.test_batch_records import order, weigh


def _draft(batch_dialog) -> str:
    """A draft batch made by the technician in the batch dialog; its number."""
    dialog, context, pharmacy = batch_dialog
    context.sign_in("tess", PASSWORD)
    order(dialog, pharmacy.version_id)
    dialog.create()
    return dialog.record.batch_number


def test_the_batch_dialog_prints_on_another_printer_this_once(batch_dialog, printed):
    dialog, context, pharmacy = batch_dialog
    number = _draft(batch_dialog)
    assert dialog.print_on_button.isEnabled() and not dialog.print_on_actions["label"].isEnabled()  # no label before verification
    dialog.print_worksheet_button.click()
    dialog.print_on_actions["worksheet"].trigger()
    assert [title for title, _pdf in printed] == [f"Worksheet {number}"] * 2
    assert printed.chosen == [False, True]  # the pharmacy's printer, then the print dialog
    weigh(dialog, pharmacy)
    assert sign_click(dialog.prepare_button) == ""
    context.sign_in("paula", PASSWORD)
    enter_qc(dialog)  # issue 25: the QC results first
    assert sign_click(dialog.verify_button) == ""
    assert dialog.print_on_actions["label"].isEnabled()
    dialog.print_on_actions["label"].trigger()
    assert printed[-1][0] == f"Label {number}" and printed.chosen[-1] is True and dialog.message.text() == ""


def test_the_history_reprints_on_another_printer_this_once(qtbot, batch_dialog, printed):
    from compounder.ui.records.history_dialog import HistoryDialog

    dialog, context, _pharmacy = batch_dialog
    number = _draft(batch_dialog)
    history = HistoryDialog(context, print_document=dialog._printer.print)
    qtbot.add_widget(history)
    history.search()
    assert not history.reprint_on_button.isEnabled()  # nothing chosen yet
    history.select(number)
    history.reprint_on_actions["worksheet"].trigger()
    assert printed[-1][0] == f"Worksheet {number}" and printed.chosen == [True] and history.message.text() == ""


def test_the_lot_label_prints_on_another_printer_this_once(qtbot, records):
    from compounder.ui.records.lots_dialog import LotsDialog

    context, _pharmacy, _record = records
    context.sign_in("tess", PASSWORD)
    asked = []
    dialog = LotsDialog(context, print_pdf=lambda title, pdf, kind=None, zpl=None, *, choose=False: asked.append((title, kind, choose)) or True)
    qtbot.add_widget(dialog)
    dialog.view.selectRow(0)
    dialog.label_on_button.menu().actions()[0].trigger()
    assert len(asked) == 1 and asked[0][0].startswith("Lot label ") and asked[0][1:] == ("lot_label", True)
