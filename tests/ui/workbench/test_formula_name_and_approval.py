"""Issue 28, observation 8, in the window: a name its content contradicts is marked on the name
field (its message names the field and the mismatch), and approval shows what changed since the
version last approved before the pharmacist approves."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from compounder.ui.workbench.approval_dialog import ApprovalDialog
from tests.ui.conftest import type_into_cell

KETOPROFEN = "Ketoprofen 10 % / baclofen 2 % / camphor 3 % in Lipoderm"


def open_reference(window, prompts, library):
    reference = next(e for e in library.entries() if e.name == KETOPROFEN)
    prompts.entries = [reference.id]
    window.open_library_action.trigger()
    return reference


def test_a_strength_changed_under_a_name_that_states_another_marks_the_name_field(window, prompts, library):
    open_reference(window, prompts, library)
    assert window.document.cell_error(None, "name") is None
    type_into_cell(window, 1, "strength", "4 %")  # baclofen 2 % → 4 %; the name still says 2 %

    message = window.document.cell_error(None, "name")
    assert message.startswith('it says "baclofen 2 %" but the formula has baclofen 4 %')
    assert 'the content implies "Ketoprofen 10 % / baclofen 4 % / camphor 3 % in Lipoderm"' in message
    name_field = window.header_widgets["name"]
    assert name_field.toolTip() == message  # marked inline, on the field
    assert any(n.message == f"name: {message}" for n in window.document.evaluation.notices)
    assert not window.approve_action.isEnabled() and not window.print_action.isEnabled()

    window.document.set_header("name", "Ketoprofen 10 % / baclofen 4 % / camphor 3 % in Lipoderm")
    assert window.document.cell_error(None, "name") is None and window.approve_action.isEnabled()


def test_saving_a_changed_formula_suggests_the_name_its_content_implies(window, prompts, library):
    open_reference(window, prompts, library)
    type_into_cell(window, 1, "strength", "4 %")
    asked = []
    prompts.name = lambda title, label, suggested: asked.append(suggested) or suggested
    assert window.save_to_library()
    assert asked == ["Ketoprofen 10 % / baclofen 4 % / camphor 3 % in Lipoderm"]


def test_approval_shows_the_changes_since_the_version_last_approved(window, prompts, library, qtbot):
    open_reference(window, prompts, library)
    prompts.confirms = [True]
    assert window.approve()  # version 1 as shipped: everything is new
    assert prompts.reviews[-1].since is None

    type_into_cell(window, 1, "strength", "4 %")
    window.document.set_header("name", "Ketoprofen 10 % / baclofen 4 % / camphor 3 % (ours)")
    prompts.confirms = [True]  # one dialog: the name typed, what changed; its button saves and approves
    assert window.approve()
    assert prompts.saves[-1] and prompts.reviews[-1].version.name == "Ketoprofen 10 % / baclofen 4 % / camphor 3 % (ours)"
    review = prompts.reviews[-1]
    assert review.since is None  # a new pharmacy formula (the reference stays as shipped): all of it to review
    entry = next(e for e in library.entries() if e.origin == "pharmacy")

    # A second version: camphor 3 % → 2.5 %, and what changed since version 1 is shown.
    type_into_cell(window, 2, "strength", "2.5 %")
    window.document.set_header("name", "Ketoprofen 10 % / baclofen 4 % / camphor 2.5 % (ours)")
    prompts.confirms = [False]  # the pharmacist cancels in the review: nothing saved, nothing approved
    assert not window.approve()
    assert library.get(entry.id).version == 1
    review = prompts.reviews[-1]
    assert (review.version.version, review.since.version) == (2, 1)
    dialog = ApprovalDialog(review)
    qtbot.addWidget(dialog)
    assert dialog.rows() == [
        ("name", "Ketoprofen 10 % / baclofen 4 % / camphor 3 % (ours)", "Ketoprofen 10 % / baclofen 4 % / camphor 2.5 % (ours)"),
        ("camphor strength", "3 %", "2.5 %"),
    ]
    assert "version 2" in dialog.heading.text() and "since version 1" in dialog.heading.text()
    assert review.short_hash in dialog.fingerprint.text()
    buttons = dialog.findChild(QDialogButtonBox)
    assert dialog.approve_button.isDefault()  # Enter goes on to the signing dialog: the password approves
    assert not buttons.button(QDialogButtonBox.StandardButton.Cancel).isDefault()
    assert library.approved_version(entry.id).version == 1

    prompts.confirms = [True]
    assert window.approve()
    assert library.approved_version(entry.id).data["actives"][2]["strength"] == "2.5 %"


def test_the_library_list_never_shows_a_contradicting_name_as_approved(qtbot):
    import datetime as dt

    from PySide6.QtCore import Qt

    from compounder.records.library import LibraryEntry
    from compounder.ui.workbench.library_dialog import LibraryModel

    at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    entry = LibraryEntry(1, "Lidocaine 5 % in Lipoderm", "pharmacy", {}, at, at, None, 2,
                         name_problem='it says "Lidocaine 5 %" but the formula has lidocaine 4 %')
    model = LibraryModel([entry])
    assert model.data(model.index(0, 2)) == "not offered: the name contradicts the content"
    assert model.data(model.index(0, 2), Qt.ItemDataRole.ToolTipRole) == 'name: it says "Lidocaine 5 %" but the formula has lidocaine 4 %'
