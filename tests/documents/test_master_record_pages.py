"""The printed master formulation record keeps each section's heading with its content: a heading
never ends a page with its content on the next (seen on the record of a lidocaine cream with its
elements written: "9. Labelling requirements" alone at the foot of page 1). The steps' count moves
the page break through every section."""

from __future__ import annotations

import datetime as dt

import pytest

from compounder.calc.master_record_sheet import master_record_sheet
from compounder.documents.master_record import master_record_pdf
from compounder.settings import settings_from_data
from tests.pdf_text import pages_text

HEADINGS = (
    "1. Preparation", "2. Ingredients: identity, amount and relevant characteristics", "3. Calculations", "4. Container–closure system",
    "5. Equipment", "6. Compounding steps", "7. Physical description of the preparation", "8. Beyond-use date and storage",
    "9. Labelling requirements", "10. Quality control", "11. Other information needed to repeat the preparation", "Approval",
)
RECORD = {
    "master_record": {
        "characteristics": {"lidocaine": "USP grade, base form, fine powder", "Lipoderm": "PCCA transdermal base"},
        "container_closure": "60 g Topi-CLICK dispenser, white polypropylene",
        "equipment": ["electronic balance, 0.001 g readability", "ointment mill", "stainless spatula"],
        "description": "smooth white cream, free of particles", "bud_reference": "USP <795> 2023, Table 4",
        "labelling": "For external use only. Keep out of reach of children.",
        "quality_control": {"appearance": "smooth white cream, uniform", "ph": "5.5 to 7.0"}, "notes": "Pass twice through the ointment mill.",
    },
}
PHARMACY = settings_from_data({"schema_version": 1, "name": "Main Street Compounding", "address": ["12 Main Street"], "phone": "555-0142",
                               "licence": "IL 054-000000"})


@pytest.mark.parametrize("steps", range(1, 36))
def test_no_page_ends_on_a_section_heading(catalog, steps):
    data = {"batch": "60 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "4 %"}], **RECORD,
            "steps": [f"Step {n} of the preparation, done as the SOP says." for n in range(1, steps + 1)]}
    sheet = master_record_sheet(data, "Lidocaine 4 % in Lipoderm, version 2", catalog, dt.date(2026, 12, 7))
    pages = pages_text(master_record_pdf(sheet, PHARMACY))
    for number, page in enumerate(pages[:-1], start=1):
        body = page.split("Master formulation record ·")[0].strip()  # the footer drawn last
        assert not [heading for heading in HEADINGS if body.endswith(heading)], f"page {number} of {len(pages)} ends on a heading"
