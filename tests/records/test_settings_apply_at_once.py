"""Issue 28, observation 10: a new certified minimum weighable quantity applies to the next
weighing, without a restart. The batch was planned on a balance whose minimum was
820 × 0.001 g = 0.82 g; the pharmacy then certifies it from 3 g. Lidocaine's target, 2.405 g
(60 g × 4 % = 2.400 g ÷ 0.998), is now under the minimum: it must be weighed by aliquot, which only
a new plan gives, so the weighing is refused instead of accepted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.calc.equipment import certified_minimum
from compounder.calc.units import Q_
from compounder.records import batches
from compounder.records.policy import RecordError
from tests.records.lidocaine_lot import TARGET_AT_FORMULA, make_lidocaine_batch


def test_the_certified_minimum_read_at_weighing_refuses_a_target_now_under_it(sessions, clock, catalog, lidocaine_lot):
    pharmacy, version_id, _, _ = lidocaine_lot
    with sessions.begin() as s:
        record = make_lidocaine_batch(s, pharmacy, version_id, clock, catalog)
    balance = record.plan["balance"]["name"]
    assert record.plan["balance"]["minimum_weighable_grams"] == 0.82 and record.lines[0].target == TARGET_AT_FORMULA
    # The settings as they are now: the balance certified from 3 g.
    now_certified = certified_minimum(catalog, {balance: Q_(3, "g")}, balance)
    assert now_certified == Decimal("3")
    with sessions.begin() as s, pytest.raises(RecordError, match=r"now certified from 3 g and the target 2\.405 g is under it"):
        batches.enter_weight(s, pharmacy.technician, record.batch_number, 1, "2.405", clock(), minimum_weighable=now_certified)
    # A line still over the new minimum is weighed: Lipoderm 57.595 g.
    with sessions.begin() as s:
        weighed = batches.enter_weight(s, pharmacy.technician, record.batch_number, 2, "57.595", clock(), minimum_weighable=now_certified)
    assert weighed.lines[1].actual == Decimal("57.595")


def test_no_certification_for_the_balance_leaves_the_plans_minimum(catalog):
    name = catalog.balances[0].name
    assert certified_minimum(catalog, {}, name) is None
