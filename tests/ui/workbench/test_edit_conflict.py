"""Two windows on one formula (two workstations): the second save is refused with what changed
and by whom, and the pharmacist reloads or re-applies their change on the newest; an approval is
of the version the window shows (issue 21, observation 2)."""

from __future__ import annotations

from compounder.ui.common.edit_conflict_dialog import ConflictChoice
from tests.ui.conftest import add_ingredient


def two_windows_on_one_formula(make_window, prompts):
    a = make_window()
    add_ingredient(a, "ketoprofen", "5 %")
    prompts.names = ["Ketoprofen gel (house)"]
    assert a.save_to_library()
    b = make_window()
    assert b.open_library_entry(a.source.entry_id)
    assert a.source.version == b.source.version == 1
    return a, b


def test_the_second_save_is_refused_and_its_change_reapplied_on_the_newest(make_window, prompts, library):
    a, b = two_windows_on_one_formula(make_window, prompts)
    a.document.set_cell(0, "strength", "4 %")  # A: 5 → 4 %
    assert a.save() and a.source.version == 2
    b.document.set_header("excess", "3 %")  # B: an excess, on version 1
    prompts.conflict_choices = [ConflictChoice.REAPPLY]
    assert not b.save()

    said = prompts.conflicts[-1]
    assert said.startswith('"Ketoprofen gel (house)" was changed by a workstation nobody was signed in to at ')
    assert "(version 2, you edited version 1: ketoprofen strength 5 % → 4 %)" in said and "nothing was saved" in said
    assert prompts.unexpected_errors == []
    assert library.get(a.source.entry_id).data["actives"][0]["strength"] == "4 %"  # A's save stands
    # B's window: its excess on A's 4 %, unsaved, for review.
    assert (b.document.cell(0, "strength"), b.document.header("excess")) == ("4 %", "3 %")
    assert b.isWindowModified() and b.source.version == 2
    assert b.save()
    newest = library.get(a.source.entry_id)
    assert (newest.version, newest.data["actives"][0]["strength"], newest.data["excess"]) == (3, "4 %", "3 %")


def test_reload_shows_the_newest_and_a_stale_approval_is_refused(make_window, prompts, library):
    a, b = two_windows_on_one_formula(make_window, prompts)
    b.document.set_cell(0, "strength", "9 %")  # a technician saves 9 %
    assert b.save()

    prompts.confirms = [True]  # A, looking at 5 %, approves
    prompts.conflict_choices = [ConflictChoice.RELOAD]
    assert not a.approve()
    assert "ketoprofen strength 5 % → 9 %" in prompts.conflicts[-1]
    assert library.approved_version(a.source.entry_id) is None  # the 9 % version was not approved unseen
    assert a.document.cell(0, "strength") == "9 %" and not a.isWindowModified() and a.source.version == 2  # reloaded

    prompts.confirms = [True]
    assert a.approve()  # now of what the window shows
    assert library.approved_version(a.source.entry_id).data["actives"][0]["strength"] == "9 %"
