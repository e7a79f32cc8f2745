"""The batch worksheet: every field and number on the sheet, page flow, determinism.

Expected numbers are worked out here from the published molecular weights (lidocaine 234.34,
lidocaine hydrochloride monohydrate 288.81, USP 35), not read from the engine.
"""

from __future__ import annotations

import pytest

from compounder.calc import InputError
from compounder.calc.release import BatchBlocked
from compounder.documents.common import UnprintableText, licence_line
from compounder.documents.worksheet import A4WorksheetRenderer, WorksheetRenderer
from tests.documents.helpers import (
    assert_matches_reference,
    issue_formula,
    page_sizes,
    pharmacy,
    record_of,
)
from tests.pdf_text import pages_text


@pytest.fixture(scope="module")
def issue_pdf(catalog) -> bytes:
    return WorksheetRenderer(record_of(catalog, issue_formula()), pharmacy()).render()


def test_every_header_field(issue_pdf):
    text = " ".join(pages_text(issue_pdf))
    for expected in (
        "Main Street Compounding Pharmacy", "12 Main Street", "Springfield, IL 62701", "Licence PHA-054-118822",
        "COMPOUNDING RECORD",
        "Diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 % in Lipoderm",
        "MF-0042 v3", "cream (Lipoderm)", "261123-001", "RX-104233", "Jane Doe", "1948-03-02", "Dr. A. Smith",
        "Topi-CLICK 120 mL", "2026-11-23",
        # Lipoderm's water content is not on file: USP <795> aqueous, not preserved, 14 days,
        # day 1 = 2026-11-23, so the last day is 2026-11-23 + 13 days = 2026-12-06.
        "2026-12-06 (14 days)", "nonpreserved aqueous", "Store in a refrigerator, 2–8 °C",
    ):
        assert expected in text, expected


def test_a_licence_that_names_itself_is_printed_once(catalog):
    # The pharmacy dialog's example reads "IL pharmacy licence 054-000000": a licence typed that
    # way was printed "Licence IL pharmacy licence 054-118822"; a bare number keeps its word.
    typed = WorksheetRenderer(record_of(catalog, issue_formula()), pharmacy(licence="IL pharmacy licence 054-118822")).render()
    text = " ".join(pages_text(typed))
    assert "IL pharmacy licence 054-118822" in text and "Licence IL pharmacy licence" not in text
    assert licence_line("PHA-054-118822") == "Licence PHA-054-118822"


def test_every_ingredient_number(issue_pdf):
    text = " ".join(pages_text(issue_pdf))
    diclofenac = 120 * 0.03  # 3.600 g
    cyclobenzaprine = 120 * 0.02  # 2.400 g
    lidocaine_base = 120 * 0.05  # 6.000 g lidocaine
    lidocaine_salt = lidocaine_base * 288.81 / 234.34  # 7.3945 g of the monohydrate
    lidocaine_weighed = lidocaine_salt / 0.995  # 7.4317 g at 99.5 % potency
    ethoxydiglycol = 120 * 0.05  # 6.000 g
    base = 120 - diclofenac - cyclobenzaprine - lidocaine_weighed - ethoxydiglycol  # 100.568 g
    for grams in (diclofenac, cyclobenzaprine, lidocaine_weighed, ethoxydiglycol, base, 120.0):
        assert f"{grams:.3f} g" in text, grams  # rounded to the 0.001 g balance
    assert f"{lidocaine_weighed:.3f}" == "7.432" and f"{base:.3f}" == "100.568"
    # the moiety each stock form provides, manufacturer/lot, expiry, potency
    assert f"lidocaine {lidocaine_base:.3f} g (5 %)" in text
    for expected in ("PCCA / DS2401", "Medisca / CB2310", "Fagron / L123", "Gattefosse / TR5521", "LD2409",
                     "2028-01-31", "2027-09-30", "2027-06-30", "2028-03-31", "2027-12-31", "99.5 %"):
        assert expected in text, expected
    # the calculation trail, in small type under each line
    assert f"× 288.81/234.34 (lidocaine hydrochloride (monohydrate, USP) for lidocaine) = {lidocaine_salt:.3f} g" in text
    assert f"÷ 99.5 % potency = {lidocaine_weighed:.3f} g" in text
    assert "100.568 g Lipoderm (q.s.)" in text and "q.s. to 120.000 g" in text
    # cells to write in, the totals and the balance
    for expected in ("Actual weighed", "Initials", "Total (prepared)", "Electronic balance, readability 0.001 g",
                     "minimum weighable quantity 0.82 g"):
        assert expected in text, expected


def test_steps_quality_control_signatures(issue_pdf):
    text = " ".join(pages_text(issue_pdf))
    assert "levigate with ethoxydiglycol" in text
    assert "geometric dilution" in text
    assert "Pack 120 g into Topi-CLICK 120 mL" in text
    # final weight ± 5 % (the pharmacy's setting) of 120.000 g: 114.000 to 126.000 g
    assert f"accepted {120 * 0.95:.3f} to {120 * 1.05:.3f} g (± 5 %, pharmacy setting)" in text
    for expected in ("Appearance", "Final weight", "Quantity packed", "not less than 120 g", "Result",
                     "Prepared by", "Checked by", "Verified by (pharmacist)", "Signature", "Date", "Time"):
        assert expected in text, expected
    # information findings are printed for the checker
    assert "POWDER_LOAD_LIMIT_UNKNOWN" in text


def test_page_x_of_y_on_every_page(issue_pdf):
    pages = pages_text(issue_pdf)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text


def test_letter_and_a4(catalog):
    record = record_of(catalog, issue_formula())
    assert set(page_sizes(WorksheetRenderer(record, pharmacy()).render())) == {(612, 792)}
    assert {(round(w), round(h)) for w, h in page_sizes(A4WorksheetRenderer(record, pharmacy()).render())} == {(595, 842)}


def test_same_inputs_same_bytes_and_the_committed_reference(catalog, issue_pdf):
    again = WorksheetRenderer(record_of(catalog, issue_formula()), pharmacy()).render()
    assert again == issue_pdf
    assert_matches_reference(issue_pdf, "worksheet-letter.pdf")
    assert_matches_reference(A4WorksheetRenderer(record_of(catalog, issue_formula()), pharmacy()).render(), "worksheet-a4.pdf")


def long_formula() -> dict:
    """Ten actives on the 0.01 g balance (minimum weighable 8.2 g): every line needs an aliquot."""
    actives = [
        ("ketoprofen", "10 %"), ("baclofen", "2 %"), ("cyclobenzaprine hydrochloride", "1 %"), ("gabapentin", "6 %"),
        ("lidocaine", "2 %"), ("prilocaine hydrochloride", "2 %"), ("amitriptyline hydrochloride", "2 %"),
        ("ketamine hydrochloride", "5 %"), ("menthol", "1 %"), ("camphor", "1 %"),
    ]
    data = issue_formula(
        name="Ten-active pain cream",
        balance="Electronic balance, readability 0.01 g",
        actives=[{"ingredient": name, "strength": strength, "lot": f"LOT{i:03d}", "expires": "2028-01-31"} for i, (name, strength) in enumerate(actives)],
        excipients=[{"ingredient": "ethoxydiglycol", "strength": "5 %"}, {"ingredient": "propylene glycol", "strength": "3 %"}],
    )
    data["acknowledged"] = [
        {"code": code, "by": "J. Kim, RPh", "reason": "reviewed with the prescriber"}
        for code in ("STRENGTH_OUTSIDE_TYPICAL_RANGE",)
    ]
    return data


def test_a_long_formula_flows_onto_more_pages_with_the_table_header_repeated(catalog):
    record = record_of(catalog, long_formula())
    pdf = WorksheetRenderer(record, pharmacy()).render()
    pages = pages_text(pdf)
    assert len(pages) >= 3
    assert "Page 1 of" in pages[0] and f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert "Compounding record (continued)" in pages[1] and "Batch 261123-001" in pages[1]
    # the ingredient table continues on page 2 under its header
    assert pages[0].count("Ingredient weighed") == 1
    assert "Ingredient weighed" in pages[1] and "Actual weighed" in pages[1]
    # 120 g: ketoprofen 12 g is weighable on its own (≥ 8.2 g); the other eleven lines (2.4, 1.2,
    # 7.2, 2.4, 2.4, 2.4, 6, 1.2, 1.2 g of actives; 6 and 3.6 g of excipients) each need an aliquot.
    text = " ".join(pages)
    assert text.count("Aliquot:") == 11
    assert "Aliquot: ketoprofen" not in text
    # in the balance's digits: baclofen 2.40 g × 4 = 9.60 g, made up with 23.20 g base to 32.80 g
    assert "weigh 9.60 g baclofen (4 × 2.40 g), mix with 23.20 g Lipoderm to 32.80 g" in text
    # base: 120 − (12 + 2.4 + 1.2 + 7.2 + 2.4 + 2.4 + 2.4 + 6 + 1.2 + 1.2 + 6 + 3.6) = 72.00 g, less the base each
    # aliquot portion carries. Portion = max(8.2, needed + 8.2/k), carried = portion − needed:
    #   2.40 g (k 4): portion 8.2, carries 5.80 g — baclofen, lidocaine, prilocaine HCl, amitriptyline HCl: 4 × 5.80 = 23.20
    #   1.20 g (k 7): portion 8.2, carries 7.00 g — cyclobenzaprine HCl, menthol, camphor: 3 × 7.00 = 21.00
    #   7.20 g (k 2): portion 7.2 + 4.1 = 11.3, carries 4.10 g — gabapentin
    #   6.00 g (k 2): portion 6 + 4.1 = 10.1, carries 4.10 g — ketamine HCl, ethoxydiglycol: 2 × 4.10 = 8.20
    #   3.60 g (k 3): portion 3.6 + 2.733 = 6.333, carries 2.733 < 8.2 → portion 8.2, carries 4.60 g — propylene glycol
    # carried 23.20 + 21.00 + 4.10 + 8.20 + 4.60 = 61.10 g; base 72.00 − 61.10 = 10.90 g
    assert "10.90 g" in text and "72.00 g" not in text
    assert "J. Kim, RPh" in text


def test_aliquot_numbers(catalog):
    # 0.05 %: capsaicin 0.025 % alone is essentially a copy of the OTC cream (ESSENTIALLY_A_COPY)
    data = issue_formula(actives=[{"ingredient": "capsaicin", "strength": "0.05 %"}], excipients=[])
    text = " ".join(pages_text(WorksheetRenderer(record_of(catalog, data), pharmacy()).render()))
    needed = 120 * 0.0005  # 0.060 g capsaicin, below 0.82 g
    multiple = 14  # smallest whole number with 14 × 0.060 = 0.840 g ≥ 0.82 g
    assert multiple * needed >= 0.82 > (multiple - 1) * needed
    mixture = multiple * 0.82  # 11.480 g, of which 0.820 g holds the 0.060 g needed
    assert f"weigh {multiple * needed:.3f} g capsaicin ({multiple} × {needed:.3f} g)" in text
    assert f"mix with {mixture - multiple * needed:.3f} g Lipoderm to {mixture:.3f} g" in text
    assert f"weigh 0.820 g of the mixture (holds {needed:.3f} g capsaicin)" in text
    assert f"The portion carries {0.82 - needed:.3f} g Lipoderm, already taken off the Lipoderm line" in text
    # the Required column shows the same numbers, each weighing with its own cell: the capsaicin, the base
    # to dilute it, and the portion (the capsaicin row's own Required) — and the base line is
    # 120 − 0.060 − 0.760 = 119.180 g, so the batch weighs 120.000 g
    assert f"capsaicin for the aliquot ({multiple} × {needed:.3f} g) {multiple * needed:.3f} g" in text
    assert f"Lipoderm to dilute the aliquot to {mixture:.3f} g {mixture - multiple * needed:.3f} g" in text
    assert "in a 0.820 g portion of the aliquot mixture" in text and "0.820 g" in text
    assert "119.180 g" in text and "120.000 g" in text


def test_unacknowledged_warning_blocks_the_worksheet(catalog):
    data = issue_formula(actives=[{"ingredient": "ketoprofen", "strength": "10 %"}, {"ingredient": "ibuprofen", "strength": "5 %"}])
    with pytest.raises(BatchBlocked) as blocked:
        record_of(catalog, data)
    assert [f.code for f in blocked.value.findings] == ["DUPLICATE_NSAID"]


def test_error_findings_block_even_when_acknowledged(catalog):
    data = issue_formula(actives=[{"ingredient": "camphor", "strength": "12 %"}])
    data["acknowledged"] = [{"code": "STRENGTH_ABOVE_MAXIMUM", "by": "x", "reason": "y"}]
    with pytest.raises(BatchBlocked) as blocked:
        record_of(catalog, data)
    assert blocked.value.findings[0].code == "STRENGTH_ABOVE_MAXIMUM"


def test_acknowledging_a_warning_the_batch_does_not_have_is_refused(catalog):
    data = issue_formula()
    data["acknowledged"] = [{"code": "DUPLICATE_NSAID", "by": "J. Kim", "reason": "typo"}]
    with pytest.raises(InputError) as error:
        record_of(catalog, data)
    assert error.value.field == "acknowledged[0].code"


def test_missing_fields_are_named_together(catalog):
    data = issue_formula()
    del data["batch_number"]
    del data["prescription"]["prescriber"]
    with pytest.raises(InputError) as error:
        record_of(catalog, data)
    assert error.value.field == "batch_number, prescription.prescriber"


def test_names_beyond_latin_1_print_and_unprintable_ones_are_refused(catalog):
    data = issue_formula()
    data["prescription"]["patient"] = "Zoë Łukasiewicz-Dvořák"
    text = " ".join(pages_text(WorksheetRenderer(record_of(catalog, data), pharmacy()).render()))
    assert "Zoë Łukasiewicz-Dvořák" in text
    data["prescription"]["patient"] = "山田 花子"
    with pytest.raises(UnprintableText) as error:
        WorksheetRenderer(record_of(catalog, data), pharmacy())
    assert error.value.field == "prescription.patient"


def test_no_tolerance_setting_leaves_the_range_to_the_pharmacist(catalog):
    settings = pharmacy(final_weight_tolerance=None)
    text = " ".join(pages_text(WorksheetRenderer(record_of(catalog, issue_formula(), settings), settings).render()))
    assert "theoretical 120.000 g; accepted range ______ to ______ g" in text
    assert "no tolerance set in the pharmacy settings" in text
