"""Issue 28, "One road": from the workbench, one action makes — or updates — the draft batch. A
draft this prescription already has is worked out again for the order now on screen while no
weight is entered; once weighed, or when the formula on screen is another approved master formula
version, the pharmacist is told to reject the draft and make it again. SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.calc.batch_document import plan_with_documents
from compounder.records import batches, trail_check
from compounder.records.library import FormulaLibrary
from compounder.records.policy import RecordError
from compounder.records.screening import ORDER_USED, parse_batch_order, update_draft
from tests.records.helpers import make_pharmacy
from tests.records.prescription_fills import fill, order
from tests.records.signing_helpers import credentials_of


def _update(sessions, clock, catalog, pharmacy, number, data, version_id=None):
    parsed = parse_batch_order(data).order
    with sessions.begin() as s:
        return update_draft(
            s, pharmacy.technician, catalog, number, formula_version_id=version_id or pharmacy.version_id, order=data, now=clock(),
            freeze=lambda p: plan_with_documents(p, parsed, catalog, clock().date(), None),
        )


def test_a_changed_quantity_updates_the_draft_not_a_second_batch(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    draft = fill(sessions, clock, catalog, pharmacy, order())  # 120 g made for 120 g: nothing beyond
    assert draft.surplus is None
    updated = _update(sessions, clock, catalog, pharmacy, draft.batch_number, order(quantity="42 g"))
    # The prescription on screen is now 42 g: the 120 g batch makes 120 − 42 = 78 g beyond it.
    assert updated.batch_number == draft.batch_number and updated.status.value == "draft"
    assert updated.surplus is not None and updated.surplus.beyond == Decimal("78")
    assert updated.plan[ORDER_USED]["prescription"]["quantity"] == "42 g"
    assert updated.plan["documents"]["label"]["quantity"] == "42 g"
    assert [line.target for line in updated.lines] == [line.target for line in draft.lines]  # the formula is the same
    with sessions() as s:
        assert trail_check.problems(s) == []


def test_a_draft_with_weights_entered_is_not_updated(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    draft = fill(sessions, clock, catalog, pharmacy, order())
    line = next(line for line in draft.lines if not line.steps)  # weighed directly
    with sessions.begin() as s:
        batches.assign_lot(s, pharmacy.technician, draft.batch_number, line.position, pharmacy.lots[line.name].id, clock())
        batches.enter_weight(s, pharmacy.technician, draft.batch_number, line.position, str(line.target), clock())
    with pytest.raises(RecordError, match=(
        rf"batch {draft.batch_number} has weights entered \(line {line.position} \({line.name}\)\); "
        r"reject it and make it again from the workbench \(Make batch in records…\)"
    )):
        _update(sessions, clock, catalog, pharmacy, draft.batch_number, order(quantity="42 g"))
    with sessions() as s:
        assert batches.batch_record(s, draft.batch_number).plan[ORDER_USED]["prescription"]["quantity"] == "120 g"  # left as it was


def test_another_approved_formula_version_says_reject_and_make_again(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    draft = fill(sessions, clock, catalog, pharmacy, order())
    library = FormulaLibrary(sessions, clock)
    same = library.version(pharmacy.version_id)
    entry = library.add("Diclofenac cream, the pharmacy's", same.data, pharmacy.technician)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    other = library.approved_version(entry.id)
    assert other.id != pharmacy.version_id
    with pytest.raises(RecordError, match=(
        rf"batch {draft.batch_number} was made on “.*” version {draft.formula_version}; the workbench's formula is “{other.name}” version {other.version}: "
        rf"reject draft {draft.batch_number} and make the batch again"
    )):
        _update(sessions, clock, catalog, pharmacy, draft.batch_number, order(quantity="42 g"), version_id=other.id)
