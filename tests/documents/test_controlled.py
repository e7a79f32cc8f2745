"""A controlled substance in the batch: its DEA schedule (21 CFR 1308.13 ketamine C-III,
1308.14 tramadol C-IV) is printed on the worksheet and on the label, highest schedule first."""

from __future__ import annotations

from compounder.calc.label_stock import LABEL_STOCKS
from compounder.documents.label import LabelRenderer
from compounder.documents.worksheet import WorksheetRenderer
from tests.documents.helpers import issue_formula, label_of, pharmacy, record_of
from tests.pdf_text import pages_text

KETAMINE_TRAMADOL = [
    {"ingredient": "tramadol hydrochloride", "strength": "2 %"},
    {"ingredient": "ketamine hydrochloride", "strength": "5 %"},
]
C_III = "C-III: ketamine (DEA Schedule III controlled substance, 21 CFR 1308.13)"
C_IV = "C-IV: tramadol (DEA Schedule IV controlled substance, 21 CFR 1308.14)"


def test_the_schedules_are_stated_highest_first(catalog):
    data = issue_formula(actives=KETAMINE_TRAMADOL)
    # the small label carries the short form; the worksheet the section of 21 CFR part 1308
    assert label_of(catalog, data).controlled == ("C-III controlled substance: ketamine", "C-IV controlled substance: tramadol")
    assert record_of(catalog, data).controlled == (C_III, C_IV)


def test_a_batch_without_a_controlled_active_states_none(catalog):
    assert label_of(catalog, issue_formula()).controlled == ()
    assert record_of(catalog, issue_formula()).controlled == ()


def test_the_worksheet_prints_the_schedule_under_the_formula(catalog):
    text = pages_text(WorksheetRenderer(record_of(catalog, issue_formula(actives=KETAMINE_TRAMADOL)), pharmacy()).render())[0]
    assert f"Controlled substance {C_III}; {C_IV}" in text


def test_the_label_prints_the_schedule_after_the_drug(catalog):
    pdf = LabelRenderer(label_of(catalog, issue_formula(actives=KETAMINE_TRAMADOL)), pharmacy(), LABEL_STOCKS["thermal-4x2"]).render()
    text = pages_text(pdf)[0]
    first, second = "C-III controlled substance: ketamine", "C-IV controlled substance: tramadol"
    assert text.index("Compounded preparation") < text.index(first) < text.index(second) < text.index("Qty 120 g")
    # one controlled active fits the small 3 × 2 in stock too
    data = issue_formula(actives=[{"ingredient": "ketamine hydrochloride", "strength": "5 %"}], excipients=[])
    small = LabelRenderer(label_of(catalog, data), pharmacy(), LABEL_STOCKS["thermal-3x2"]).render()
    assert first in pages_text(small)[0]


def test_a_stored_batch_reprints_its_schedule_and_an_older_one_prints_none(catalog):
    import datetime as dt

    from compounder.calc.batch_document import DOCUMENTS_KEY, BatchIdentity, PrintMark, plan_with_documents, stored_label
    from tests.documents.helpers import evaluated

    plan, order, compounded_on = evaluated(catalog, issue_formula(actives=KETAMINE_TRAMADOL))
    stored = plan_with_documents(plan, order, catalog, compounded_on, None)
    assert stored[DOCUMENTS_KEY]["worksheet"]["controlled"] == [C_III, C_IV]
    identity = BatchIdentity("261123-001", "v1", "Jane Doe", None, "RX-1", "Dr. A. Smith", compounded_on, plan.bud.date)
    mark = PrintMark(False, dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC), "rph")
    ack = [*order.acknowledged]
    assert stored_label(stored, identity, mark, ack).controlled[0] == "C-III controlled substance: ketamine"
    del stored[DOCUMENTS_KEY]["label"]["controlled"]  # a batch frozen before schedules were on file
    assert stored_label(stored, identity, mark, ack).controlled == ()
