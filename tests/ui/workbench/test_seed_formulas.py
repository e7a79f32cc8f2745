"""The three seed formulas typed in as a pharmacist would, the grams shown checked against
arithmetic written out here.

Molecular weights from their published sources (see tests/calc/test_compute.py): cyclobenzaprine
HCl 311.85, lidocaine 234.34, lidocaine HCl 270.80, lidocaine HCl monohydrate 288.81.
The default balance reads to 0.001 g, so grams show three decimals.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import add_ingredient, shown, type_into_field


def test_diclofenac_cyclobenzaprine_lidocaine(window):
    window.new_formula()
    type_into_field(window.batch_amount_edit, "120")
    dic = add_ingredient(window, "diclofenac sodium", "3 %")
    cyc = add_ingredient(window, "cyclobenzaprine HCl", "2 %")
    lid = add_ingredient(window, "lidocaine", "5 %", stock="lidocaine hydrochloride monohydrate")

    diclofenac = 120 * 0.03  # 3.6 g diclofenac sodium, weighed as written
    cyclobenzaprine = 120 * 0.02  # 2.4 g cyclobenzaprine HCl, weighed as written
    lidocaine = 120 * 0.05 * 288.81 / 234.34  # 6 g lidocaine as the monohydrate: 7.39464 g
    base = 120 - diclofenac - cyclobenzaprine - lidocaine  # 106.60536 g Lipoderm
    assert shown(window, dic, "grams") == "3.600" == f"{diclofenac:.3f}"
    assert shown(window, cyc, "grams") == "2.400" == f"{cyclobenzaprine:.3f}"
    assert shown(window, lid, "grams") == "7.395" == f"{lidocaine:.3f}"
    assert shown(window, window.table_model.base_row, "grams") == "106.605" == f"{base:.3f}"
    assert shown(window, window.table_model.total_row, "grams") == "120.000"
    # mg per gram of the written form: 3 % = 30 mg/g
    assert [shown(window, row, "mg_per_g") for row in (dic, cyc, lid)] == ["30.00", "20.00", "50.00"]
    assert not window.banner.isVisible()
    assert window.print_action.isEnabled()


def test_ketoprofen_baclofen_camphor_with_excess_and_directions(window):
    window.new_formula()
    type_into_field(window.excess_edit, "5 %")
    rows = [add_ingredient(window, name, strength) for name, strength in (("ketoprofen", "10 %"), ("baclofen", "2 %"), ("camphor", "3 %"))]
    type_into_field(window.amount_edit, "1 g")
    type_into_field(window.times_edit, "3")

    prepared = 120 * 1.05  # 126 g prepared for a 120 g batch with 5 % excess
    expected = [prepared * 0.10, prepared * 0.02, prepared * 0.03]  # 12.6, 2.52, 3.78 g
    assert [shown(window, row, "grams") for row in rows] == ["12.600", "2.520", "3.780"] == [f"{g:.3f}" for g in expected]
    assert shown(window, window.table_model.base_row, "grams") == f"{prepared - sum(expected):.3f}" == "107.100"
    # 1 g three times a day = 3 g a day: ketoprofen 100 mg/g × 3 g = 300 mg
    assert [shown(window, row, "mg_per_day") for row in rows] == ["300.0", "60.0", "90.0"]
    ketoprofen = window.daily_model.index(0, 3).data()
    assert ketoprofen == f"{300 / 375 * 100:.0f} %"  # of the labeled 375 mg a day


def test_ibuprofen_lidocaine_on_a_coarser_balance(window):
    window.new_formula()
    ibu = add_ingredient(window, "ibuprofen", "10 %")
    lid = add_ingredient(window, "lidocaine", "5 %", stock="lidocaine HCl anhydrous")
    lidocaine = 120 * 0.05 * 270.80 / 234.34  # 6 g lidocaine as the HCl salt: 6.933515 g
    assert shown(window, ibu, "grams") == "12.000"
    assert shown(window, lid, "grams") == f"{lidocaine:.3f}" == "6.934"
    assert shown(window, window.table_model.base_row, "grams") == f"{120 - 12 - lidocaine:.3f}" == "101.066"

    # Pick the 0.01 g balance with the keyboard: the grams follow its readability.
    combo = window.balance_combo
    combo.setFocus()
    while "0.01 g" not in combo.currentText():
        QTest.keyClick(combo, Qt.Key.Key_Up)
    assert shown(window, lid, "grams") == f"{lidocaine:.2f}" == "6.93"
    # 6.934 g is below that balance's 8.2 g minimum: an aliquot of k = ceil(8.2 / 6.934) = 2, whose
    # portion is 6.934 + 8.2 / 2 = 11.034 g (so the diluent, 2 × 4.1 = 8.2 g, is weighable too); the
    # 4.1 g of base it carries comes off the base: 101.066 − 4.1 = 96.966 g
    assert shown(window, window.table_model.base_row, "grams") == f"{120 - 12 - lidocaine - 4.1:.2f}" == "96.97"


def test_a_batch_by_volume_uses_the_density(window):
    window.new_formula()
    type_into_field(window.batch_amount_edit, "100")
    window.batch_unit_combo.setFocus()
    QTest.keyClick(window.batch_unit_combo, Qt.Key.Key_Down)  # g -> mL
    assert window.document.header("batch") == "100 mL"
    row = add_ingredient(window, "lidocaine", "5 %")
    assert shown(window, row, "grams") == ""  # no density yet: nothing is computed
    assert "density" in window.document.cell_error(None, "batch")
    type_into_field(window.density_edit, "1.02 g/mL")
    # 100 mL × 1.02 g/mL = 102 g; × 5 % = 5.1 g lidocaine; mg per 0.25 mL click: 50 mg/g × 0.255 g = 12.75 mg
    assert shown(window, row, "grams") == "5.100"
    assert shown(window, row, "mg_per_click") == "12.75"
