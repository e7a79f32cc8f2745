"""Issue 25 in the window: the master formulation record editor writes each USP <795> element as a
new version of the library formula (approved again before batches use it), refuses a bad entry
under the fields with nothing typed lost, names what is still missing, and prints the record."""

from __future__ import annotations

from tests.pdf_text import pdf_text
from tests.records.helpers import PHARMACY
from tests.ui.workbench.test_formula_name_and_approval import KETOPROFEN


def test_the_editor_writes_each_element_as_a_new_version_and_prints_it(window, prompts, library, tmp_path):
    reference = next(e for e in library.entries() if e.name == KETOPROFEN)
    prompts.entries = [reference.id]
    window.open_library_action.trigger()
    prompts.names = [f"{KETOPROFEN} (ours)"]
    assert window.save_to_library()  # a reference formula is read-only: the pharmacy's own copy gets the record
    window.pharmacy = PHARMACY
    dialog = window.edit_master_record()
    assert dialog is not None and dialog.heading.text().endswith("version 1, not approved")
    assert dialog.missing.text().startswith("Missing (11): relevant characteristics of ketoprofen")  # 4 ingredients + 7 elements (the steps among them)

    dialog.characteristics["ketoprofen"].setText("USP, fine white powder")
    dialog.container_closure.setText("60 g airless pump")
    dialog.equipment.setPlainText("electronic balance 0.001 g\nointment mill")
    dialog.steps.setPlainText("Triturate camphor until it liquefies.\nLevigate the powders.\nIncorporate into the base.")
    dialog.description.setPlainText("smooth, off-white cream")
    dialog.bud_reference.setText("USP <795> (2023) Table 4")
    dialog.labelling.setText("For external use only")
    dialog.appearance.setText("smooth, off-white, no grit")
    dialog.ph.setText("about seven")
    assert not dialog.save()
    assert dialog.message.text().startswith("master_record.quality_control.ph: 'about seven' is not a pH range") and "nothing was saved" in dialog.message.text()
    assert dialog.container_closure.text() == "60 g airless pump"  # nothing typed is lost
    dialog.ph.setText("4.5 to 6.5")
    dialog.resize(900, 780)
    assert dialog.save()
    assert dialog.heading.text().endswith("version 2, not approved")
    assert dialog.missing.text() == ("Missing (3): relevant characteristics of baclofen; relevant characteristics of camphor; "
                                     "relevant characteristics of Lipoderm")
    dialog.grab().save(str(tmp_path / "editor.png"))
    version = library.versions(dialog.entry.id)[-1]
    assert version.data["master_record"]["quality_control"] == {"appearance": "smooth, off-white, no grit", "ph": "4.5 to 6.5"}
    assert version.data["steps"][0] == "Triturate camphor until it liquefies."

    dialog.print_button.click()
    (title, pdf), = prompts.printed
    (tmp_path / "mfr.pdf").write_bytes(pdf)
    text = pdf_text(pdf)
    assert title == f"master formulation record {KETOPROFEN} (ours)"
    for element in ("USP, fine white powder", "60 g airless pump", "ointment mill", "Triturate camphor until it liquefies.",
                    "smooth, off-white cream", "USP <795> (2023) Table 4", "For external use only", "pH 4.5 to 6.5", "version 2 — not approved"):
        assert element in text, element
    dialog.close()
    assert window.source.version == 2  # the window shows the version the record was saved as
