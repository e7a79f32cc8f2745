"""The pharmacy settings dialog's equipment list (certified minimum weighable quantities) and
maximum excess: typed as a user would, refused inline naming the balance, saved and read back."""

from __future__ import annotations

from PySide6.QtTest import QTest

from compounder.calc import Q_
from compounder.settings import EXAMPLE, load_settings, settings_from_data

BALANCE = "Electronic balance, readability 0.001 g"


def test_balances_and_maximum_excess_in_the_dialog(qtbot, tmp_path):
    from compounder.ui.records.pharmacy_dialog import PharmacySettingsDialog

    path = tmp_path / "settings" / "pharmacy.json"
    dialog = PharmacySettingsDialog(settings_from_data(EXAMPLE), path)
    qtbot.addWidget(dialog)
    dialog.show()
    QTest.keyClicks(dialog.excess_edit, "10 %")
    QTest.keyClicks(dialog.balances_edit, f"{BALANCE} = 5 mL")
    dialog.accept()
    assert dialog.isVisible() and not path.exists()
    assert dialog.message.text() == f"balance \"{BALANCE}\": '5 mL' is a volume; write a mass such as 120 g"
    dialog.balances_edit.setPlainText(f"{BALANCE} = 0.05 g")
    dialog.accept()
    assert not dialog.isVisible()
    saved = load_settings(path)
    assert saved.maximum_excess == Q_(10, "percent") and saved.certified_minimums == {BALANCE: Q_(0.05, "g")}
    again = PharmacySettingsDialog(saved, path)
    qtbot.addWidget(again)
    assert again.balances_edit.toPlainText() == f"{BALANCE} = 0.05 g" and again.excess_edit.text() == "10 %"
