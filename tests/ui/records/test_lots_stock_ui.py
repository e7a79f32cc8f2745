"""Issue 25 in the Ingredient lots window: a controlled substance's receipt asks the supplier, its
DEA number and the invoice; a technician's receipt waits in quarantine; a pharmacist releases it
and destroys stock with a witness who is not the signer, each signed in the dialog."""

from __future__ import annotations

from compounder.ui.records.lot_change_dialog import LotChangeDialog
from compounder.ui.records.lots_dialog import LotsDialog
from tests.records.helpers import PASSWORD
from tests.records.signing_helpers import credentials_of
from tests.ui.conftest import answer_signing, sign_click


def _row(dialog, lot_number):
    return next(dialog.model.row(r) for r in range(dialog.model.rowCount()) if dialog.model.row(r)[0] == lot_number)


def _index(dialog, lot_number):
    return next(r for r in range(dialog.model.rowCount()) if dialog.model.item(r).lot_number == lot_number)


def _lot(dialog, lot_number):
    return dialog.model.item(_index(dialog, lot_number))


def test_a_controlled_lot_is_received_into_quarantine_released_and_destroyed_with_a_witness(qtbot, records, catalog, tmp_path):
    context, _pharmacy, _record = records
    dialog = LotsDialog(context, catalog=catalog)
    qtbot.add_widget(dialog)
    context.sign_in("tess", PASSWORD)
    assert not dialog.release.isEnabled()  # a technician's receipt waits for a pharmacist
    dialog.ingredient.setText("ketamine hydrochloride")
    dialog.stock_form.setText("ketamine hydrochloride")
    assert not dialog.controlled.isHidden() and dialog.controlled.title().startswith("C-III controlled substance")
    dialog.manufacturer.setText("Medisca")
    dialog.lot_number.setText("K-1")
    dialog.expires.setText("2027-11-23")
    dialog.quantity.setText("25")
    assert not dialog.add_lot()  # refused before the signing dialog opens: no password asked for a receipt that cannot be stored
    assert dialog.message.text().startswith("give the supplier: the receipt of a C-III substance records it (21 CFR 1304.22(c))")
    dialog.controlled_supplier.setText("Medisca Inc.")
    dialog.supplier_address.setText("661 Route 3, Plattsburgh NY 12901")
    dialog.supplier_dea.setText("AB1234563")
    dialog.invoice.setText("INV-5501")
    assert dialog.add_lot()
    assert sign_click(dialog.delivery.sign_button) == ""
    assert dialog.message.text() == ""
    assert dialog.received.text() == "Received lot K-1 of ketamine hydrochloride: 25 g, in quarantine until a pharmacist releases it."
    assert _row(dialog, "K-1")[1] == "ketamine hydrochloride (C-III)"
    assert _row(dialog, "K-1")[-1] == "in quarantine — a pharmacist reviews the CoA and releases it"

    release = LotChangeDialog(context, _lot(dialog, "K-1"), "release", dialog)
    qtbot.add_widget(release)
    release.expires.setText("2027-11-23")
    release.identity.setChecked(True)
    # Signed in the one signing dialog (issue 24): tess, signed in, is refused there; paula signs.
    refused = answer_signing(PASSWORD, cancel_if_refused=False)
    signed = answer_signing(PASSWORD, username="paula")
    release.accept()
    assert refused[0]["meaning"] == "lot change" and "only a pharmacist may release a lot from quarantine" in refused[0]["said"]
    assert "said" not in signed[0] and release.message.text() == "" and release.result() == 1
    dialog.refresh()
    assert _row(dialog, "K-1")[-1] == "usable"

    destroy = LotChangeDialog(context, _lot(dialog, "K-1"), "destroy", dialog)
    qtbot.add_widget(destroy)
    destroy.quantity.setText("5")
    destroy.happened.setText("2026-11-23")
    destroy.method.setText("rendered non-retrievable in a denaturing kit")
    destroy.reason.setText("contaminated when the container fell")
    # The witness signs first, in their own signing dialog (no name filled in), then the pharmacist.
    witness = answer_signing(PASSWORD, username="paula")
    pharmacist = answer_signing(PASSWORD, username="paula")  # the same person as the witness: refused, cancelled
    destroy.accept()
    assert witness[0]["meaning"] == "witness" and not witness[0]["focus"]  # opened on the user name, not the password
    assert "the witness must be another person" in pharmacist[0]["said"]
    assert destroy.message.text() == "not signed; nothing was recorded" and destroy.result() == 0
    witness = answer_signing(PASSWORD, username="tess")
    pharmacist = answer_signing(PASSWORD, username="paula")
    destroy.accept()
    assert destroy.message.text() == "" and destroy.result() == 1
    dialog.refresh()
    # By hand: 25 g received, 5 g destroyed: 20 g left of 25 g.
    assert _row(dialog, "K-1")[5:7] == ("20", "25")
    dialog.view.selectRow(_index(dialog, "K-1"))
    dialog.resize(1100, 900)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.grab().save(str(tmp_path / "lots_dialog.png"))
    destroy.show()
    assert not destroy.loss_kind.isVisible() and not destroy.identity.isVisible()
    assert destroy.grab().save(str(tmp_path / "destroy_dialog.png"))


def test_the_batch_dialog_does_not_offer_a_quarantined_lot_and_says_why(batch_dialog):
    import datetime as dt

    from compounder.records import lots

    dialog, context, pharmacy = batch_dialog
    first = next(iter(pharmacy.lots))
    with context.sessions.begin() as s:
        held = lots.receive_lot(s, credentials_of(pharmacy.technician), ingredient=first, stock_form=first, manufacturer="Fagron", lot_number="Q-1",
                                expires=dt.date(2027, 12, 31), quantity="100", potency_percent=None, now=context.clock())
    context.sign_in("tess", PASSWORD)
    dialog.formula.setCurrentIndex(dialog.formula.findData(pharmacy.version_id))
    dialog.patient.setText("Jane Q. Doe")
    dialog.born.setText("1948-03-02")
    dialog.rx.setText("RX-2501")
    dialog.prescriber.setText("Dr. A. Smith")
    for field, value in ((dialog.directions, "Apply 1 g to the knee three times a day"), (dialog.quantity, "120 g"), (dialog.refills, "2")):
        field.setText(value)
    dialog.create()
    assert dialog.message.text() == "" and dialog.record is not None
    position = next(i for i, line in enumerate(dialog.record.lines) if line.name == first)
    box = dialog.lot_boxes[position]
    assert box.findData(held.id) < 0 and box.findData(pharmacy.lots[first].id) >= 0
    assert "Not offered: lot Q-1 in quarantine until a pharmacist reviews its certificate of analysis" in box.toolTip()
