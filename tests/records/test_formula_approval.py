"""Issue 28, observation 8, in the records (SQLite and PostgreSQL): a version whose name states a
strength its content contradicts cannot be saved; approval shows what changed since the version
last approved and is of exactly that version; a technician drafts, only a pharmacist approves;
a version saved before names were checked is not offered for batches."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from compounder.calc import evaluate, parse_formula
from compounder.calc.batch_document import plan_with_documents
from compounder.calc.prescription import parse_order
from compounder.documents.stored import stored_worksheet_pdf
from compounder.records import printing, trail_check
from compounder.records.edit_versions import EditConflict, content_hash
from compounder.records.library import FormulaLibrary, LibraryError
from compounder.records.model import MasterFormulaVersion
from tests.conftest import TODAY
from tests.pdf_text import pdf_text
from tests.records.helpers import ORDER, PHARMACY, make_pharmacy, new_batch
from tests.records.signing_helpers import credentials_of

NAME = "Diclofenac sodium 3 % / cyclobenzaprine HCl 2 % / lidocaine 5 % in Lipoderm"
SEED = {
    "batch": "120 g", "base": "Lipoderm",
    "actives": [
        {"ingredient": "diclofenac sodium", "strength": "3 %"},
        {"ingredient": "cyclobenzaprine hydrochloride", "strength": "2 %"},
        {"ingredient": "lidocaine", "strength": "5 %"},
    ],
}


def lidocaine(strength: str) -> dict:
    data = copy.deepcopy(SEED)
    data["actives"][2]["strength"] = strength
    return data


@pytest.fixture
def pharmacy(sessions, clock, catalog):
    return make_pharmacy(sessions, clock, catalog)


def test_a_technicians_version_2_at_4_percent_under_the_5_percent_name_is_refused(sessions, clock, pharmacy):
    """As seen: version 2 of "…lidocaine 5 %…" saved by a technician held 4 %."""
    library = FormulaLibrary(sessions, clock)
    entry = library.add(NAME, SEED, pharmacy.technician)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    clock.advance(minutes=5)
    with pytest.raises(LibraryError) as caught:
        library.update(entry.id, lidocaine("4 %"), actor=pharmacy.technician, based_on=1)
    assert str(caught.value).startswith(f'name: "{NAME}" does not match the formula: it says "lidocaine 5 %" but the formula has lidocaine 4 %')
    assert [v.version for v in library.versions(entry.id)] == [1]  # nothing saved
    assert library.approved_version(entry.id).data["actives"][2]["strength"] == "5 %"
    with pytest.raises(LibraryError, match='it says "lidocaine 5 %" but the formula has lidocaine 4 %'):
        library.add(NAME, lidocaine("4 %"), pharmacy.technician)

    # Named for what it holds, the technician's draft is saved; batches keep to version 1 until approved.
    renamed = NAME.replace("lidocaine 5 %", "lidocaine 4 %")
    draft = library.update(entry.id, lidocaine("4 %"), name=renamed, actor=pharmacy.technician, based_on=1)
    assert (draft.version, draft.approved_at) == (2, None)
    assert library.approved_version(entry.id).version == 1


def test_approval_shows_what_changed_since_the_version_last_approved_and_is_of_that_version(sessions, clock, pharmacy):
    library = FormulaLibrary(sessions, clock)
    entry = library.add(NAME, SEED, pharmacy.technician)
    first = library.review(entry.id)
    assert first.since is None and "never approved before" in first.heading
    assert [c.text for c in first.changes][:4] == [f"name added: {NAME}", "base added: Lipoderm", "batch size added: 120 g", "active diclofenac sodium added: 3 %"]
    library.approve(entry.id, credentials_of(pharmacy.pharmacist), version=1, shown=first.version.data)

    renamed = NAME.replace("lidocaine 5 %", "lidocaine 4 %")
    library.update(entry.id, {**lidocaine("4 %"), "excess": "3 %"}, name=renamed, actor=pharmacy.technician, based_on=1)  # version 2
    library.update(entry.id, {**lidocaine("4 %"), "excess": "2 %"}, name=renamed, actor=pharmacy.technician, based_on=2)  # version 3
    review = library.review(entry.id)
    assert (review.version.version, review.since.version) == (3, 1)  # against what batches use today, not the unapproved 2
    assert "since version 1, approved 2026-11-23 09:00 UTC (version in between never approved)" in review.heading
    assert [c.text for c in review.changes] == [f"name {NAME} → {renamed}", "excess added: 2 %", "lidocaine strength 5 % → 4 %"]
    assert review.content_hash == content_hash({"name": renamed, **lidocaine("4 %"), "excess": "2 %"})

    with pytest.raises(EditConflict, match="as shown is not its newest version 3"):  # approved only as shown
        library.approve(entry.id, credentials_of(pharmacy.pharmacist), version=3, shown={**lidocaine("4 %"), "excess": "3 %"})
    with pytest.raises(EditConflict, match="you edited version 2"):
        library.approve(entry.id, credentials_of(pharmacy.pharmacist), version=2, shown=review.version.data)
    assert library.approved_version(entry.id).version == 1
    library.approve(entry.id, credentials_of(pharmacy.pharmacist), version=review.version.version, shown=review.version.data)
    assert library.approved_version(entry.id).version == 3


def test_a_technician_drafts_only_a_pharmacist_approves(sessions, clock, pharmacy):
    library = FormulaLibrary(sessions, clock)
    entry = library.add("Ibuprofen 10 % in Lipoderm", {"batch": "60 g", "base": "Lipoderm", "actives": [{"ingredient": "ibuprofen", "strength": "10 %"}]},
                        pharmacy.technician)
    for who in (pharmacy.technician, pharmacy.admin):
        with pytest.raises(LibraryError, match=f"only a pharmacist may approve a master formula; {who.username} is a {who.role.value}"):
            library.approve(entry.id, credentials_of(who), version=1)
    assert library.approved_version(entry.id) is None
    library.approve(entry.id, credentials_of(pharmacy.pharmacist), version=1)
    with sessions() as s:
        version = s.scalars(select(MasterFormulaVersion).where(MasterFormulaVersion.master_formula_id == entry.id)).one()
        assert (version.created_by, version.approved_by) == (pharmacy.technician.id, pharmacy.pharmacist.id)
        assert trail_check.problems(s) == []


def test_a_version_saved_before_names_were_checked_is_not_offered_until_one_that_agrees_is_approved(sessions, clock, pharmacy, monkeypatch):
    """A database from before: version 2 of "…lidocaine 5 %…" holds 4 % and was approved. It is
    kept as it is (batches may point at it), but it is not offered for new batches, its entry does
    not read as approved, and it cannot be approved again; a version named for its content can."""
    library = FormulaLibrary(sessions, clock)
    entry = library.add(NAME, SEED, pharmacy.technician)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    with monkeypatch.context() as before:  # the code before this change, which saved and approved it with its trail
        before.setattr("compounder.records.library.refuse_contradicting_name", lambda name, data: None)
        before.setattr("compounder.records.formula_approval.refuse_contradicting_name", lambda name, data: None)
        library.update(entry.id, lidocaine("4 %"), actor=pharmacy.technician, based_on=1)
        library.approve(entry.id, credentials_of(pharmacy.pharmacist), version=2)
    with sessions() as s:
        assert s.scalars(select(MasterFormulaVersion).where(MasterFormulaVersion.master_formula_id == entry.id,
                                                            MasterFormulaVersion.version == 2)).one().approved_by == pharmacy.pharmacist.id
    assert library.approved_version(entry.id) is None
    shown = library.get(entry.id)
    assert shown.approved_at is None and shown.name_problem.startswith('it says "lidocaine 5 %" but the formula has lidocaine 4 %')
    with pytest.raises(LibraryError, match='^name: .*it says "lidocaine 5 %" but the formula has lidocaine 4 %'):
        library.approve(entry.id, credentials_of(pharmacy.pharmacist), version=2)

    renamed = NAME.replace("lidocaine 5 %", "lidocaine 4 %")
    fixed = library.update(entry.id, lidocaine("4 %"), name=renamed, actor=pharmacy.technician, based_on=2)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist), version=fixed.version)
    assert (library.approved_version(entry.id).version, library.approved_version(entry.id).name) == (3, renamed)


def test_the_worksheet_header_names_what_the_lines_weigh(sessions, clock, pharmacy, catalog):
    """The header and the lines of a batch made from version 2 say the same strength."""
    library = FormulaLibrary(sessions, clock)
    entry = library.add(NAME, SEED, pharmacy.technician)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    renamed = NAME.replace("lidocaine 5 %", "lidocaine 4 %")
    library.update(entry.id, lidocaine("4 %"), name=renamed, actor=pharmacy.technician, based_on=1)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist), version=2, shown=library.review(entry.id).version.data)
    version = library.approved_version(entry.id)
    pharmacy.version_id = version.id
    pharmacy.plan = plan_with_documents(evaluate(parse_formula(version.data), catalog, TODAY), parse_order(ORDER), catalog, TODAY,
                                        PHARMACY.final_weight_tolerance)
    record = new_batch(sessions, clock, pharmacy)
    with sessions.begin() as s:
        text = " ".join(pdf_text(stored_worksheet_pdf(printing.worksheet_to_print(s, pharmacy.technician, record.batch_number, clock()), PHARMACY)).split())
    assert record.formula_name == renamed
    assert "lidocaine 4 % in Lipoderm" in text and "lidocaine 5 %" not in text
    assert "4.800 g" in text  # 120 g × 4 % = 4.800 g lidocaine


def test_a_preview_shows_what_saving_would_approve_and_saves_nothing(sessions, clock, pharmacy):
    """The workbench's one approval dialog is shown before the formula is saved (issue 28, the keys
    road): version 1 of a new formula, all of it new; the next version of one in the library,
    against the version last approved. Nothing is written; the approval after saving is bound to
    the same content (its hash is the saved version's)."""
    library = FormulaLibrary(sessions, clock)
    new = library.preview_review(None, NAME, SEED)
    assert (new.version.version, new.since, new.name_problem) == (1, None, None)
    assert [e for e in library.entries() if e.origin == "pharmacy"] == []  # nothing saved
    entry = library.add(NAME, SEED, pharmacy.technician)
    assert library.review(entry.id).content_hash == new.content_hash
    library.approve(entry.id, credentials_of(pharmacy.pharmacist), version=1, shown=SEED)
    renamed = NAME.replace("lidocaine 5 %", "lidocaine 4 %")
    second = library.preview_review(entry.id, renamed, lidocaine("4 %"))
    assert (second.version.version, second.since.version) == (2, 1)
    assert [c.text for c in second.changes] == [f"name {NAME} → {renamed}", "lidocaine strength 5 % → 4 %"]
    assert library.get(entry.id).version == 1  # nothing saved
    assert library.preview_review(entry.id, NAME, lidocaine("4 %")).name_problem is not None  # a name the content contradicts
