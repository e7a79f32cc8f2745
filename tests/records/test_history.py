"""History search and lot recall (with its CSV) on the rolled-back test database."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from decimal import Decimal

import pytest

from compounder.records import batches, history, lots, people
from compounder.records.policy import RecordError
from tests.records.helpers import make_pharmacy, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of


@pytest.fixture
def stocked(sessions, clock, catalog):
    """Three batches: two for Jane Doe (Nov 23, Nov 25; the second from a second lot of the first
    line), one for John Roe (Nov 24). The first two are prepared, the third a draft."""
    pharmacy = make_pharmacy(sessions, clock, catalog)
    first_line = pharmacy.plan["lines"][0]["name"]
    with sessions.begin() as s:
        other = lots.receive_lot(
            s, credentials_of(pharmacy.pharmacist), release=True, ingredient="x", stock_form=first_line, manufacturer="PCCA", lot_number="P-77", expires=dt.date(2027, 5, 1),
            quantity="250", potency_percent=None, now=clock(),
        )
        roe = people.patient(s, pharmacy.technician, "John  Roe", None, clock())
    jane1 = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx="RX-1"))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), jane1.batch_number, clock())
    clock.advance(days=1)
    john = new_batch(sessions, clock, pharmacy, rx="RX-2", patient=roe)
    clock.advance(days=1)
    jane2 = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx="RX-3"))
    with sessions.begin() as s:
        batches.assign_lot(s, pharmacy.technician, jane2.batch_number, 1, other.id, clock())
        batches.sign_prepared(s, credentials_of(pharmacy.technician), jane2.batch_number, clock())
    return pharmacy, other, (jane1.batch_number, john.batch_number, jane2.batch_number)


def numbers(found):
    return [b.batch_number for b in found]


def test_search_by_each_criterion(sessions, stocked):
    pharmacy, other, (jane1, john, jane2) = stocked
    with sessions() as s:
        assert numbers(history.search(s)) == [jane2, john, jane1]
        assert numbers(history.search(s, patient="jane")) == [jane2, jane1]
        assert numbers(history.search(s, patient="JOHN ROE")) == [john]
        assert numbers(history.search(s, patient="jo")) == [john]
        assert numbers(history.search(s, patient="roe")) == []  # the start of the name
        assert numbers(history.search(s, rx_number="RX-2")) == [john]
        assert numbers(history.search(s, formula="diclofenac")) == [jane2, john, jane1]
        assert numbers(history.search(s, formula="ketoprofen")) == []
        assert numbers(history.search(s, batch_number="261124")) == [john]
        assert numbers(history.search(s, batch_number=jane1)) == [jane1]
        assert numbers(history.search(s, lot_number="P-77")) == [jane2]
        assert numbers(history.search(s, lot_number=pharmacy.lots[pharmacy.plan["lines"][1]["name"]].lot_number)) == [jane2, jane1]
        assert numbers(history.search(s, since=dt.date(2026, 11, 24))) == [jane2, john]
        assert numbers(history.search(s, since=dt.date(2026, 11, 24), until=dt.date(2026, 11, 24))) == [john]
        assert numbers(history.search(s, patient="jane", since=dt.date(2026, 11, 24))) == [jane2]
        with pytest.raises(RecordError, match="range is empty"):
            history.search(s, since=dt.date(2026, 11, 25), until=dt.date(2026, 11, 24))
        (summary,) = history.search(s, rx_number="RX-1")
        assert (summary.patient, summary.date_of_birth, summary.status) == ("Jane Q. Doe", dt.date(1948, 3, 2), "prepared")


def test_recall_of_a_lot_lists_every_batch_and_patient_with_the_grams_used(sessions, stocked):
    pharmacy, other, (jane1, john, jane2) = stocked
    second = pharmacy.lots[pharmacy.plan["lines"][1]["name"]]
    with sessions() as s:
        rows = history.recall(s, second.id)
        assert [(r.batch_number, r.patient, r.status) for r in rows] == [(jane1, "Jane Q. Doe", "prepared"), (jane2, "Jane Q. Doe", "prepared")]
        assert rows[0].grams_used == Decimal(str(pharmacy.plan["lines"][1]["grams_rounded"])).normalize()
        assert [r.batch_number for r in history.recall(s, other.id)] == [jane2]
        assert [lot.id for lot in history.lots_numbered(s, "P-77")] == [other.id]
        with pytest.raises(RecordError, match="no ingredient lot"):
            history.recall(s, 10_000)


def test_recall_csv_has_a_header_a_row_per_batch_and_defuses_formulas(sessions, clock, stocked):
    pharmacy, other, (_jane1, _john, jane2) = stocked
    with sessions() as s:
        rows = history.recall(s, other.id)
        lot = lots.get_lot(s, other.id)
    rows = [dataclasses.replace(rows[0], patient="=HYPERLINK(\"x\")")]
    out = io.StringIO()
    history.write_recall_csv(lot, rows, out)
    table = list(csv.reader(io.StringIO(out.getvalue())))
    assert table[0] == list(history.CSV_HEADER)
    assert len(table) == 2 and len(table[1]) == len(history.CSV_HEADER)
    assert table[1][:4] == ["P-77", pharmacy.plan["lines"][0]["name"], "PCCA", jane2]
    assert table[1][6] == "'=HYPERLINK(\"x\")"


@pytest.mark.parametrize(("typed", "expected"), [
    ("o'", ["O'Neil Ann"]),
    ("ab-", ["Ab-X Doe"]),
    ("ab", ["Ab Zed", "Ab-X Doe", "Ab.Y Roe", "Ab_c Moe", "Ab%d Poe", "AB/E Loe", "Abc Ann"]),
    ("ab_", ["Ab_c Moe"]),  # _ and % are letters here, not LIKE wildcards
    ("ab%", ["Ab%d Poe"]),
    ("ab/", ["AB/E Loe"]),
    ("é", ["Émile Zola"]),
])
def test_a_patient_name_prefix_matches_exactly_the_names_that_start_with_it(sessions, clock, catalog, typed, expected):
    """On PostgreSQL the comparison follows the database's collation (the test server's is ICU
    en-US, where punctuation and case sort differently from byte order); the prefix match must
    still be exactly "starts with", on both databases."""
    pharmacy = make_pharmacy(sessions, clock, catalog)
    names = ["O'Neil Ann", "Oneil Bob", "Ab-X Doe", "Ab.Y Roe", "Ab_c Moe", "Ab%d Poe", "AB/E Loe", "Ab Zed", "Abc Ann", "Émile Zola", "Emile Adam"]
    with sessions.begin() as s:
        patients = {name: people.patient(s, pharmacy.technician, name, None, clock()) for name in names}
    for index, name in enumerate(names):
        new_batch(sessions, clock, pharmacy, rx=f"RX-P{index}", patient=patients[name])
    with sessions() as s:
        found = history.search(s, patient=typed)
    assert sorted(row.patient for row in found) == sorted(expected)
