"""Open and save: formula files and the library round-trip; unsaved changes are asked about;
the window remembers recent files, its size and its splitters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QSize

from compounder.calc import parse_formula
from compounder.ui.workbench.prompts import Unsaved
from tests.ui.conftest import add_ingredient, shown, type_into_cell

EXAMPLE = Path(__file__).parents[3] / "examples" / "diclofenac-cyclobenzaprine-lidocaine.json"


def test_open_and_save_a_file_round_trip(window, prompts, tmp_path):
    prompts.paths = [EXAMPLE]
    window.open_action.trigger()
    assert window.document.header("name").startswith("Diclofenac sodium 3 %")
    # lidocaine 6 g × 288.81/234.34 ÷ 0.995 = 7.43171 g
    assert shown(window, 2, "grams") == f"{6 * 288.81 / 234.34 / 0.995:.3f}" == "7.432"
    assert not window.isWindowModified()

    saved = tmp_path / "copy.json"
    prompts.paths = [saved]
    assert window.save_as_file()
    original = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert json.loads(saved.read_text(encoding="utf-8")) == original
    assert parse_formula(json.loads(saved.read_text(encoding="utf-8"))) == parse_formula(original)

    type_into_cell(window, 0, "lot", "DS9999")
    assert window.isWindowModified()
    window.save_action.trigger()  # saves back to copy.json
    assert json.loads(saved.read_text(encoding="utf-8"))["actives"][0]["lot"] == "DS9999"
    assert not window.isWindowModified()
    assert window.settings.recent_files()[:2] == [saved.resolve(), EXAMPLE.resolve()]


def test_a_file_that_is_not_a_formula_is_refused_and_the_formula_kept(window, prompts, tmp_path):
    window.new_formula()
    add_ingredient(window, "ketoprofen", "10 %")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert not window.open_file(bad)
    assert "not valid JSON at line 1" in prompts.errors[-1][1]
    assert window.document.cell(0, "ingredient") == "ketoprofen"
    assert not window.open_file(tmp_path / "missing.json")


def test_a_file_with_a_bad_field_opens_with_the_field_marked(window, tmp_path):
    path = tmp_path / "typo.json"
    path.write_text(json.dumps({"batch": "120 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "5 5"}]}))
    assert window.open_file(path)
    assert "unit '5' is not a unit such as g, mL, mg/g or % w/v" in window.document.cell_error(0, "strength")


def test_library_reference_formulas_open_read_only_and_save_as_new(window, prompts, library):
    reference = next(e for e in library.entries() if e.name.startswith("Ketoprofen 10 % / baclofen 2 %"))
    prompts.entries = [reference.id]
    window.open_library_action.trigger()
    # 120 g × 10 % = 12 g ketoprofen; × 2 % = 2.4 g baclofen; × 3 % = 3.6 g camphor
    assert [shown(window, r, "grams") for r in range(3)] == ["12.000", "2.400", "3.600"]

    type_into_cell(window, 1, "strength", "4 %")
    prompts.names = ["Ketoprofen 10 % / baclofen 4 % / camphor 3 % (Dr. Lee)"]
    window.save_action.trigger()  # a reference formula is saved as a new pharmacy formula
    mine = next(e for e in library.entries() if e.origin == "pharmacy")
    assert mine.data["actives"][1]["strength"] == "4 %"
    assert library.get(reference.id).data["actives"][1]["strength"] == "2 %", "the reference is unchanged"

    window.new_formula()
    prompts.entries = [mine.id]
    window.open_library_action.trigger()
    assert window.document.to_data() == mine.data
    assert shown(window, 1, "grams") == f"{120 * 0.04:.3f}"


def test_a_reference_formula_opened_unchanged_is_approved_in_place(window, prompts, library):
    """A shipped formula is offered for batches only once a pharmacist approves it; approving it
    as shipped must not make a pharmacy copy."""
    reference = next(e for e in library.entries() if e.name.startswith("Ketoprofen 10 % / baclofen 2 %"))
    assert library.approved_version(reference.id) is None
    prompts.entries = [reference.id]
    window.open_library_action.trigger()
    prompts.confirms = [True]  # "Approve … as it stands?"
    assert window.approve()
    assert library.approved_version(reference.id).version == 1
    assert [e.origin for e in library.entries()].count("pharmacy") == 0


def test_approve_needs_a_formula_without_errors_and_is_withdrawn_by_a_change(window, prompts, library):
    window.new_formula()
    add_ingredient(window, "ibuprofen", "10 %")
    window.document.set_header("name", "Ibuprofen 10 %")
    prompts.confirms = [True]  # one dialog: saved under the name typed and approved
    assert window.approve()
    entry = next(e for e in library.entries() if e.origin == "pharmacy")
    assert entry.approved_at is not None

    type_into_cell(window, 0, "strength", "abc")
    assert not window.approve_action.isEnabled()
    assert not window.approve()
    window.undo_action.trigger()
    type_into_cell(window, 0, "strength", "5 %")
    window.save_action.trigger()  # the name still says 10 %: refused, naming the field (issue 28, observation 8)
    assert prompts.errors[-1][1].startswith('name: "Ibuprofen 10 %" does not match the formula: it says "Ibuprofen 10 %" but the formula has ibuprofen 5 %')
    assert library.get(entry.id).approved_at is not None and library.get(entry.id).version == 1
    window.document.set_header("name", "Ibuprofen 5 %")
    window.save_action.trigger()
    assert library.get(entry.id).approved_at is None


@pytest.mark.parametrize(("answer", "closes"), [(Unsaved.CANCEL, False), (Unsaved.DISCARD, True)])
def test_closing_with_unsaved_changes_asks(window, prompts, answer, closes):
    window.new_formula()
    add_ingredient(window, "ketoprofen", "10 %")
    prompts.unsaved = [answer]
    window.close()
    assert prompts.asked_unsaved == 1
    assert window.isVisible() is not closes


def test_closing_with_save_saves(window, prompts, tmp_path):
    window.new_formula()
    add_ingredient(window, "ketoprofen", "10 %")
    prompts.unsaved = [Unsaved.SAVE]
    prompts.paths = [tmp_path / "k.json"]
    window.close()
    assert not window.isVisible()
    assert json.loads((tmp_path / "k.json").read_text())["actives"] == [{"ingredient": "ketoprofen", "strength": "10 %"}]


def test_the_window_remembers_size_and_splitters(make_window):
    first = make_window()
    first.resize(780, 560)  # within the offscreen platform's 800 × 600 screen
    first.main_splitter.setSizes([150, 200])
    sizes = first.main_splitter.sizes()
    first.close()
    second = make_window()
    assert second.size() == QSize(780, 560)
    assert second.main_splitter.sizes() == sizes
