"""The batch dialog's dose check: the structured directions (amount per application, times a day)
typed next to the label's directions, checked as typed, prefilled from the master formula, and
sent with the prescription so the batch's findings include the daily maximum."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from compounder.records.library import FormulaLibrary
from tests.pdf_text import pdf_text
from tests.records.helpers import PASSWORD
from tests.records.signing_helpers import credentials_of
from tests.ui.conftest import signed_by_paula

LIDOCAINE = {"batch": "100 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "10 %"}]}
WITH_DIRECTIONS = {**LIDOCAINE, "directions": {"amount": "2 g", "times_per_day": 2}}


@pytest.fixture
def dialog(qtbot, records, catalog, pharmacy_settings, printed):
    from compounder.ui.records.batch_dialog import BatchDialog

    context, pharmacy, _record = records
    library = FormulaLibrary(context.sessions, context.clock)
    versions = {}
    for name, data in (("Lidocaine 10 %", LIDOCAINE), ("Lidocaine 10 % 2 g bid", WITH_DIRECTIONS)):
        entry = library.add(name, data, pharmacy.pharmacist)
        library.approve(entry.id, credentials_of(pharmacy.pharmacist))
        versions[name] = library.approved_version(entry.id).id
    dialog = BatchDialog(context, library, catalog, pharmacy=lambda: pharmacy_settings["current"], print_pdf=printed)
    qtbot.add_widget(dialog)
    dialog.decide = signed_by_paula(context, asked=[])
    context.sign_in("tess", PASSWORD)
    return dialog, versions


def choose(dialog, version_id) -> None:
    dialog.formula.setCurrentIndex(dialog.formula.findData(version_id))


def fill(dialog, *, label="Apply 3 g to the lower back three times a day", quantity="60 g") -> None:
    dialog.patient.setText("Jane Q. Doe")
    dialog.born.setText("1948-03-02")
    dialog.rx.setText("RX-4004")
    dialog.prescriber.setText("Dr. A. Smith")
    dialog.directions.setText(label)
    dialog.quantity.setText(quantity)
    dialog.refills.setText("0")


def type_into(qtbot, edit, text) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def test_prefilled_from_the_master_formula_when_it_has_directions(dialog):
    dialog, versions = dialog
    choose(dialog, versions["Lidocaine 10 % 2 g bid"])
    assert (dialog.dose_amount.text(), dialog.dose_times.text()) == ("2 g", "2")
    choose(dialog, versions["Lidocaine 10 %"])
    assert (dialog.dose_amount.text(), dialog.dose_times.text()) == ("", "")
    assert dialog.dose_error.isHidden()


def test_a_bad_value_is_named_as_it_is_typed(qtbot, dialog):
    dialog, versions = dialog
    choose(dialog, versions["Lidocaine 10 %"])
    type_into(qtbot, dialog.dose_amount, "3 tablets")
    assert not dialog.dose_error.isHidden()
    assert dialog.dose_error.text().startswith("dose check: amount per application: ")
    type_into(qtbot, dialog.dose_amount, "3 g")
    assert dialog.dose_error.text() == "dose check: times a day: missing; give how many times a day the amount is applied, e.g. 3"
    type_into(qtbot, dialog.dose_times, "often")
    assert dialog.dose_error.text().startswith("dose check: times a day: 'often' is not a number; give how many times a day, e.g. 3")
    type_into(qtbot, dialog.dose_times, "30")
    assert "more than 0 and at most 24" in dialog.dose_error.text()
    type_into(qtbot, dialog.dose_times, "3")
    assert dialog.dose_error.isHidden() and dialog.dose_error.text() == ""
    # Refused at Create as well, in the same words, and nothing is made.
    type_into(qtbot, dialog.dose_times, "x")
    fill(dialog)
    dialog.create()
    assert dialog.record is None and dialog.message.text().startswith("dose check: times a day: 'x' is not a number")


def test_without_directions_refused_with_them_the_daily_maximum_is_overridden_and_printed(qtbot, dialog, printed):
    dialog, versions = dialog
    choose(dialog, versions["Lidocaine 10 %"])
    fill(dialog)
    dialog.create()
    # Lidocaine 10 % is above its typical range (2-5 %) with no maximum strength on file: the
    # batch needs the directions its daily amount is checked with.
    assert dialog.record is None and dialog.decide.asked == []
    assert dialog.message.text().startswith("No batch made: the batch has error findings; correct the formula or the prescription as each finding says. DAILY_CHECK_NEEDED: lidocaine")
    assert "give the directions (amount and times a day)" in dialog.message.text()

    # 10 % lidocaine = 100 mg/g; 3 g × 3 a day = 9 g → 900 mg a day, above the 850 mg daily maximum.
    type_into(qtbot, dialog.dose_amount, "3 g")
    type_into(qtbot, dialog.dose_times, "3")
    qtbot.keyClick(dialog.dose_times, Qt.Key.Key_Tab)
    dialog.create()
    assert dialog.message.text() == "" and dialog.record is not None
    assert "DAILY_AMOUNT_ABOVE_MAXIMUM" in dialog.decide.asked[-1] and "DAILY_CHECK_NEEDED" not in dialog.decide.asked[-1]
    decided = {a.code: a for a in dialog.record.acknowledgements}
    assert decided["DAILY_AMOUNT_ABOVE_MAXIMUM"].override and decided["DAILY_AMOUNT_ABOVE_MAXIMUM"].by == "Paula Pharmacist, RPh"
    assert dialog.record.plan["directions"] == {"amount": "3 g", "times_per_day": 3}
    assert "DAILY_AMOUNT_ABOVE_MAXIMUM: OVERRIDDEN by Paula Pharmacist, RPh" in dialog.heading.text()

    dialog.print_worksheet_button.click()
    worksheet = pdf_text(printed[-1][1])
    assert "Dose checked 3 g × 3 a day" in worksheet
    assert "900.0 mg lidocaine a day" in worksheet and "DAILY_AMOUNT_ABOVE_MAXIMUM" in worksheet


def test_a_quantity_larger_than_the_container_is_refused(qtbot, dialog):
    dialog, versions = dialog
    choose(dialog, versions["Lidocaine 10 % 2 g bid"])
    fill(dialog, label="Apply 2 g to the lower back twice a day", quantity="100 g")
    dialog.container.setText("60 g ointment jar")
    dialog.create()
    assert dialog.record is None
    assert "CONTAINER_TOO_SMALL: prescription.quantity: 100 g will not go into the 60 g ointment jar" in dialog.message.text()


def test_a_refill_takes_the_dose_check_of_the_last_batch_on_the_rx(qtbot, dialog):
    dialog, versions = dialog
    choose(dialog, versions["Lidocaine 10 % 2 g bid"])  # prefilled 2 g × 2; the prescriber changed it to 1.5 g × 3
    fill(dialog, label="Apply 1.5 g to the lower back three times a day")
    type_into(qtbot, dialog.dose_amount, "1.5 g")
    type_into(qtbot, dialog.dose_times, "3")
    dialog.create()
    assert dialog.message.text() == "" and dialog.record.plan["directions"] == {"amount": "1.5 g", "times_per_day": 3}
    number = dialog.record.batch_number
    dialog.dose_amount.clear()
    dialog.dose_times.clear()
    dialog.prepare_refill(number)
    assert (dialog.dose_amount.text(), dialog.dose_times.text()) == ("1.5 g", "3") and dialog.dose_error.isHidden()
