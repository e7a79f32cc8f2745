"""Limits hold per drug (the total of its lines, converted by molecular weight), on a catalog
built here so the arithmetic does not depend on the reference data's values."""

from __future__ import annotations

import pytest

from compounder.calc import Q_, Severity, evaluate, parse_formula
from tests.calc.formulas import active, formula
from tests.calc.small_catalog import small_catalog
from tests.conftest import TODAY

# Limits of the small catalog: lidocaine typical 2–10 %, maximum 10 %, 850 mg a day (as lidocaine);
# cyclobenzaprine typical 1–2 % written as the HCl; menthol maximum 16 %; capsaicin maximum 0.25 %.
MW_LIDOCAINE, MW_LIDOCAINE_HCL = 234.34, 270.80
MW_CYCLOBENZAPRINE, MW_CYCLOBENZAPRINE_HCL = 275.39, 311.85


def findings(data, catalog=None, **kwargs):
    catalog = catalog or small_catalog()
    return evaluate(parse_formula(data), catalog, TODAY, **kwargs).findings


def by_code(found, code):
    return [f for f in found if f.code == code]


def test_lidocaine_10_percent_as_four_lines_gives_the_one_line_findings_plus_the_duplicate():
    one_line = findings(formula(active("lidocaine", "10 %"), base="Test cream", batch="100 g"))
    four = findings(formula(*[active("lidocaine", "2.5 %")] * 4, base="Test cream", batch="100 g"))
    # 4 × 2.5 % = 10 % = the maximum: no error, inside the 2–10 % range either way
    assert {f.code for f in one_line} - {"DUPLICATE_MOIETY"} == {f.code for f in four} - {"DUPLICATE_MOIETY"}
    [duplicate] = by_code(four, "DUPLICATE_MOIETY")
    assert duplicate.severity is Severity.WARNING and "4 lines" in duplicate.message
    assert not by_code(one_line, "DUPLICATE_MOIETY")


def test_four_lines_of_3_percent_are_12_percent_above_the_maximum():
    # each 3 % line is under the 10 % maximum; together 4 × 3 = 12 % > 10 %
    found = findings(formula(*[active("lidocaine", "3 %")] * 4, base="Test cream", batch="100 g"))
    [error] = by_code(found, "STRENGTH_ABOVE_MAXIMUM")
    assert error.severity is Severity.ERROR and "12 % lidocaine" in error.message and error.line == 0


def test_lidocaine_plus_lidocaine_hcl_is_added_as_lidocaine():
    # 6 % lidocaine + 6 % lidocaine HCl × 234.34/270.80 = 6 + 5.1922 = 11.192 % lidocaine > 10 %
    data = formula(
        active("lidocaine", "6 %"), active("lidocaine HCl", "6 %"), base="Test cream", batch="100 g",
        directions={"amount": "5 g", "times_per_day": 3},
    )
    found = findings(data)
    hcl_as_base = 6 * MW_LIDOCAINE / MW_LIDOCAINE_HCL
    assert hcl_as_base == pytest.approx(5.1922, abs=1e-4)
    [error] = by_code(found, "STRENGTH_ABOVE_MAXIMUM")
    assert "11.192 % lidocaine" in error.message
    # a day: 5 g × 3 = 15 g; 15 g × 60 mg/g = 900 mg lidocaine, 15 g × 60 mg/g × 234.34/270.80 = 778.8 mg
    # → 1678.8 mg lidocaine a day > 850 mg
    per_day = 15 * 60 + 15 * 60 * MW_LIDOCAINE / MW_LIDOCAINE_HCL
    assert per_day == pytest.approx(1678.8, abs=0.05)
    [daily] = by_code(found, "DAILY_AMOUNT_ABOVE_MAXIMUM")
    assert daily.severity is Severity.ERROR and daily.patient and "1678.8 mg lidocaine a day" in daily.message and "850 mg" in daily.message
    assert by_code(found, "DUPLICATE_MOIETY")


def test_daily_maximum_on_the_total_of_lines_each_under_it():
    # two lines of lidocaine 3 %, 5 g × 3 a day: each 15 g × 30 mg/g = 450 mg (under 850), together 900 mg (over)
    data = formula(
        active("lidocaine", "3 %"), active("lidocaine", "3 %"), base="Test cream", batch="100 g",
        directions={"amount": "5 g", "times_per_day": 3},
    )
    [daily] = by_code(findings(data), "DAILY_AMOUNT_ABOVE_MAXIMUM")
    assert "900.0 mg lidocaine a day" in daily.message


def test_range_written_for_the_salt_compares_the_salt_with_it():
    # cyclobenzaprine HCl 1 % against a 1–2 % range written as the HCl: inside, not "below range"
    found = findings(formula(active("cyclobenzaprine hydrochloride", "1 %"), base="Test cream"))
    assert not by_code(found, "STRENGTH_OUTSIDE_TYPICAL_RANGE")
    # the base written at 0.85 % is 0.85 × 311.85/275.39 = 0.9626 % as the HCl: below 1 %
    assert 0.85 * MW_CYCLOBENZAPRINE_HCL / MW_CYCLOBENZAPRINE == pytest.approx(0.9626, abs=1e-4)
    [below] = by_code(findings(formula(active("cyclobenzaprine", "0.85 %"), base="Test cream")), "STRENGTH_OUTSIDE_TYPICAL_RANGE")
    assert "0.963 % cyclobenzaprine hydrochloride" in below.message  # 3 significant figures and "below" in below.message
    # 0.9 % base = 1.0192 % HCl: inside
    assert not by_code(findings(formula(active("cyclobenzaprine", "0.9 %"), base="Test cream")), "STRENGTH_OUTSIDE_TYPICAL_RANGE")


@pytest.mark.parametrize(("ingredient", "strength", "maximum"), [("menthol", "40 %", "16 %"), ("capsaicin", "8 %", "0.25 %"), ("lidocaine", "30 %", "10 %")])
def test_above_the_maximum_strength_is_an_error_not_a_warning(ingredient, strength, maximum):
    found = findings(formula(active(ingredient, strength), base="Test cream"))
    [error] = by_code(found, "STRENGTH_ABOVE_MAXIMUM")
    assert error.severity is Severity.ERROR and maximum in error.message


def test_powder_load_above_the_base_maximum_is_an_error():
    catalog = small_catalog(max_powder_load="20 percent")
    # lidocaine 5 % + menthol 16 % = 21 % solids of 100 g > 20 %
    [error] = by_code(findings(formula(active("lidocaine", "5 %"), active("menthol", "16 %"), base="Test cream", batch="100 g"), catalog), "POWDER_LOAD_ABOVE_LIMIT")
    assert error.severity is Severity.ERROR and "21.0 %" in error.message and "20 %" in error.message
    # 5 % + 15 % = 20 %: at the maximum, quiet
    quiet = findings(formula(active("lidocaine", "5 %"), active("menthol", "15 %"), base="Test cream", batch="100 g"), catalog)
    assert not by_code(quiet, "POWDER_LOAD_ABOVE_LIMIT")


def test_99_percent_solids_without_a_base_maximum_is_a_warning():
    # cyclobenzaprine HCl 99 % of 100 g = 99 g of powder; 1 g (1.0 %) is left for the base
    [warning] = by_code(findings(formula(active("cyclobenzaprine hydrochloride", "99 %"), base="Test cream", batch="100 g")), "POWDER_LOAD_UNCHECKED_HIGH")
    assert warning.severity is Severity.WARNING and "99.0 %" in warning.message and "1.0 %" in warning.message
    # 49 % solids: the base still outweighs them; unchecked, said as information
    found = findings(formula(active("cyclobenzaprine hydrochloride", "49 %"), base="Test cream", batch="100 g"))
    assert [f.severity for f in by_code(found, "POWDER_LOAD_LIMIT_UNKNOWN")] == [Severity.INFO]
    assert not by_code(found, "POWDER_LOAD_UNCHECKED_HIGH")


def test_potency_above_100_percent_is_a_warning_naming_the_field():
    # lidocaine 5 % of 100 g at 101 % potency: 5 / 1.01 = 4.950 g weighed, less than the 5 g written
    data = formula(active("lidocaine", "5 %"), active("menthol", "2 %", potency="101 %"), base="Test cream", batch="100 g")
    [warning] = by_code(findings(data), "POTENCY_ABOVE_100")
    assert warning.severity is Severity.WARNING and warning.message.startswith("actives[1].potency: 101 %") and warning.line == 1
    assert not by_code(findings(formula(active("menthol", "2 %", potency="100 %"), base="Test cream")), "POTENCY_ABOVE_100")


def test_excess_above_the_pharmacy_setting_is_a_warning_naming_the_field():
    data = formula(active("lidocaine", "5 %"), base="Test cream", excess="12 %")
    [warning] = by_code(findings(data, max_excess=Q_(10, "percent")), "EXCESS_ABOVE_SETTING")
    assert warning.message.startswith("excess: 12 %") and "10 %" in warning.message
    assert not by_code(findings(data, max_excess=Q_(12, "percent")), "EXCESS_ABOVE_SETTING")
    assert not by_code(findings(data), "EXCESS_ABOVE_SETTING")  # no setting, no check


def test_capsaicin_0025_g_aliquot_takes_its_diluent_off_the_base():
    # capsaicin 0.025 g in 100 g on a balance whose minimum weighable quantity is 0.82 g:
    # k = ceil(0.82 / 0.025) = ceil(32.8) = 33: weigh 33 × 0.025 = 0.825 g capsaicin,
    # portion = max(0.82, 0.025 + 0.82/33 = 0.0498) = 0.82 g, mixture 33 × 0.82 = 27.06 g,
    # diluent 27.06 − 0.825 = 26.235 g; the portion carries 0.82 − 0.025 = 0.795 g of base,
    # so the base q.s. is 100 − 0.025 − 0.795 = 99.180 g and the batch weighs 0.82 + 99.18 = 100 g
    # (before, the base was 99.975 g and the batch came to 100.795 g, 0.025/100.795 = 0.0248 %: 0.79 % weak).
    plan = evaluate(parse_formula(formula(active("capsaicin", "0.025 g"), base="Test cream", batch="100 g")), small_catalog(), TODAY)
    capsaicin, base = plan.lines
    scheme = capsaicin.aliquot
    assert scheme.multiple == 33
    assert scheme.weigh.m_as("g") == pytest.approx(0.825, abs=1e-12)
    assert scheme.diluent.m_as("g") == pytest.approx(26.235, abs=1e-12)
    assert scheme.mixture.m_as("g") == pytest.approx(27.06, abs=1e-12)
    assert scheme.portion.m_as("g") == pytest.approx(0.82, abs=1e-12)
    assert base.grams.m_as("g") == pytest.approx(99.18, abs=1e-12)
    assert plan.total.m_as("g") == pytest.approx(100.0, abs=1e-12)
    assert "0.795 g Test cream carried in the aliquot portions" in base.trail[-1].text
    # every weighing of the aliquot is at least the 0.82 g minimum
    assert min(scheme.weigh.m_as("g"), scheme.diluent.m_as("g"), scheme.portion.m_as("g")) >= 0.82


def test_an_aliquot_close_to_the_minimum_weighs_enough_diluent():
    # 0.8 g needed, minimum 0.82 g: k = ceil(0.82/0.8) = 2, weigh 1.6 g; a 0.82 g portion would leave
    # 2 × (0.82 − 0.8) = 0.04 g of diluent, below the minimum. The portion is 0.8 + 0.82/2 = 1.21 g
    # instead: mixture 2 × 1.21 = 2.42 g, diluent 2.42 − 1.6 = 0.82 g, carried 1.21 − 0.8 = 0.41 g.
    from compounder.calc.aliquot import aliquot

    scheme = aliquot(Q_(0.8, "g"), Q_(0.82, "g"))
    assert scheme.multiple == 2
    assert scheme.portion.m_as("g") == pytest.approx(1.21)
    assert scheme.diluent.m_as("g") == pytest.approx(0.82)
    assert scheme.carried.m_as("g") == pytest.approx(0.41)


def test_the_daily_dose_table_compares_the_total_of_a_drug_in_several_lines():
    from compounder.calc import daily_doses

    # lidocaine 3 % twice, 5 g × 3 a day: each line 15 g × 30 mg/g = 450 mg, the total 900 mg of 850 mg = 105.9 %
    data = formula(active("lidocaine", "3 %"), active("lidocaine", "3 %"), base="Test cream", batch="100 g",
                   directions={"amount": "5 g", "times_per_day": 3})
    catalog = small_catalog()
    doses = daily_doses(evaluate(parse_formula(data), catalog, TODAY), catalog)
    assert [d.per_day.m_as("mg") for d in doses] == pytest.approx([450, 450])
    assert [d.fraction_of_maximum for d in doses] == pytest.approx([900 / 850] * 2)
    assert all(d.above_maximum and "total of the 2 lines of lidocaine" in d.note for d in doses)


def test_the_per_kilogram_limit_holds_for_the_total_of_the_lines():
    from compounder.calc.patient import PatientProfile

    # 4.5 mg/kg × 62 kg = 279 mg lidocaine a day. Two lines of lidocaine 3 %, 2 g × 3 a day:
    # each 6 g × 30 mg/g = 180 mg (under 279), together 360 mg (over)
    data = formula(active("lidocaine", "3 %"), active("lidocaine", "3 %"), base="Test cream", batch="100 g",
                   directions={"amount": "2 g", "times_per_day": 3})
    patient = PatientProfile(weight=Q_(62, "kg"), allergies=frozenset(), conditions=frozenset(), medications=frozenset())
    [warning] = by_code(findings(data, patient=patient), "DAILY_AMOUNT_ABOVE_WEIGHT_LIMIT")
    assert "360.0 mg lidocaine a day is above 4.5 mg/kg × 62 kg (patient weight) = 279.0 mg" in warning.message
    alone = formula(active("lidocaine", "3 %"), base="Test cream", batch="100 g", directions={"amount": "2 g", "times_per_day": 3})
    assert not by_code(findings(alone, patient=patient), "DAILY_AMOUNT_ABOVE_WEIGHT_LIMIT")


def prescribed(data):
    """The formula as a prescription for a named patient (its order), as the documents and batches see it."""
    from compounder.calc.prescription import parse_order

    data = {**data, "prescription": {"patient": "Jane Doe", "rx_number": "RX-1", "prescriber": "Dr. A. Smith"}}
    return data, parse_order(data)


def test_lidocaine_30_percent_without_a_maximum_on_file_is_not_dispensed_on_a_warning(catalog):
    """The shipped data has no maximum strength for lidocaine (no label sets one), only its typical
    range (2–5 %) and the labeled 850 mg a day: above the range, a prescription must give the
    directions so the daily check is made."""
    lidocaine = catalog.substance("lidocaine")
    assert lidocaine.max_strength is None and lidocaine.daily_max is not None
    assert lidocaine.daily_max.value.to("mg").magnitude == pytest.approx(850)
    # a master formula (no prescription, no directions): the range warning only, nothing to give yet
    assert not by_code(findings(formula(active("lidocaine", "30 %")), catalog), "DAILY_CHECK_NEEDED")
    # prescribed without directions: the daily amount cannot be checked → an error that says what to give
    data, order = prescribed(formula(active("lidocaine", "30 %")))
    [needed] = by_code(findings(data, catalog, order=order), "DAILY_CHECK_NEEDED")
    assert needed.severity is Severity.ERROR and not needed.patient and "30 % lidocaine" in needed.message
    assert "850 mg" in needed.message
    # 1 g three times a day: 3 g × 300 mg/g = 900 mg lidocaine a day > 850 mg → an error a pharmacist may override
    assert 3 * 300 == 900
    data, order = prescribed(formula(active("lidocaine", "30 %"), directions={"amount": "1 g", "times_per_day": 3}))
    found = findings(data, catalog, order=order)
    assert not by_code(found, "DAILY_CHECK_NEEDED")
    [daily] = by_code(found, "DAILY_AMOUNT_ABOVE_MAXIMUM")
    assert daily.severity is Severity.ERROR and daily.patient and "900.0 mg lidocaine a day" in daily.message


def test_inside_the_typical_range_no_daily_check_is_demanded(catalog):
    # lidocaine 5 % is the top of its 2–5 % range: a prescription without directions is not held up
    data, order = prescribed(formula(active("lidocaine", "5 %")))
    assert not by_code(findings(data, catalog, order=order), "DAILY_CHECK_NEEDED")
