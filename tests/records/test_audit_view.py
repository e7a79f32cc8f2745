"""Issue 24, the audit trail viewer's reading of the trail: a page at a time newest first, filtered
by batch (its own entries and its lines'), user, kind and date; only administrators and
pharmacists; patient details hidden from a role that does not see them; and the verification
status as ``db check`` gives it, without recording anything. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from compounder.records import audit, audit_view, head_file
from compounder.records.model import AuditEntry, Base, BatchLine
from compounder.records.policy import PermissionRefused, RecordError
from tests.records.helpers import new_batch, weigh_all


@pytest.fixture
def two_batches(sessions, clock, pharmacy):
    first = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx="RX-1"))
    clock.advance(days=1)
    second = new_batch(sessions, clock, pharmacy, rx="RX-2")
    return first, second


def _all(session, actor, wanted, **options):
    return audit_view.page(session, actor, wanted, limit=10_000, **options)


def test_pages_run_newest_first_and_join_up(sessions, pharmacy, two_batches):
    with sessions() as s:
        total = s.scalar(select(func.count()).select_from(AuditEntry))
        every = _all(s, pharmacy.pharmacist, audit_view.TrailFilter())
        assert len(every) == total and [r.sequence for r in every] == sorted((r.sequence for r in every), reverse=True)
        pages, before = [], None
        while True:
            found = audit_view.page(s, pharmacy.pharmacist, audit_view.TrailFilter(), before=before, limit=7)
            pages.append(found)
            if len(found) < 7:
                break
            before = found[-1].sequence
        assert [r.sequence for page in pages for r in page] == [r.sequence for r in every]
        assert all(len(page) == 7 for page in pages[:-1])


def test_the_batch_filter_holds_the_batch_and_its_lines_only(sessions, pharmacy, two_batches):
    first, second = two_batches
    with sessions() as s:
        rows = _all(s, pharmacy.admin, audit_view.TrailFilter(batch_number=first.batch_number))
        line_ids = set(s.scalars(select(BatchLine.id).where(BatchLine.batch_id == first.id)))
        expected = set(s.scalars(select(AuditEntry.sequence).where(
            ((AuditEntry.table_name == "batch") & (AuditEntry.row_id == first.id))
            | ((AuditEntry.table_name == "batch_line") & (AuditEntry.row_id.in_(line_ids)))
        )))
        for name in audit.AUDITED:  # the rows of every other audited table that belong to the batch (its QC results, issue 25)
            table = Base.metadata.tables[name]
            if name != "batch" and "batch_id" in table.c:
                ids = set(s.scalars(select(table.c.id).where(table.c.batch_id == first.id)))
                expected |= set(s.scalars(select(AuditEntry.sequence).where(AuditEntry.table_name == name, AuditEntry.row_id.in_(ids))))
        # The batch's creation, its lines and their weights, its QC results; nothing of the other batch or of anything else.
        assert len(expected) > len(line_ids) and {r.sequence for r in rows} == expected
        assert any(r.what == f"batch {first.batch_number}" for r in rows)
        assert not any(second.batch_number in r.what for r in rows)
        with pytest.raises(RecordError, match="no batch numbered 999999-999"):
            _all(s, pharmacy.admin, audit_view.TrailFilter(batch_number="999999-999"))


def test_user_kind_and_date_filters(sessions, clock, pharmacy, two_batches):
    with sessions() as s:
        kinds = audit_view.kinds(s)
        assert "create" in kinds and kinds == sorted(kinds)
        by_tess = _all(s, pharmacy.pharmacist, audit_view.TrailFilter(username="tess"))
        assert by_tess and {r.username for r in by_tess} == {"tess"}
        created = _all(s, pharmacy.pharmacist, audit_view.TrailFilter(kind="create"))
        assert created and {r.kind for r in created} == {"create"}
        # The second batch was made a day after everything else (the clock moved one day).
        today = clock().astimezone().date()
        on_the_day = _all(s, pharmacy.pharmacist, audit_view.TrailFilter(since=today, until=today))
        before = _all(s, pharmacy.pharmacist, audit_view.TrailFilter(until=today - dt.timedelta(days=1)))
        assert on_the_day and before and {r.at.astimezone().date() for r in on_the_day} == {today}
        assert len(on_the_day) + len(before) == len(_all(s, pharmacy.pharmacist, audit_view.TrailFilter()))
        assert _all(s, pharmacy.pharmacist, audit_view.TrailFilter(since=today + dt.timedelta(days=1))) == []
        with pytest.raises(RecordError, match="the date range is empty"):
            _all(s, pharmacy.pharmacist, audit_view.TrailFilter(since=today, until=today - dt.timedelta(days=1)))


def test_only_administrators_and_pharmacists_read_the_trail(sessions, pharmacy):
    with sessions() as s:
        with pytest.raises(PermissionRefused, match="tess is a technician: administrators and pharmacists read the audit trail"):
            audit_view.page(s, pharmacy.technician, audit_view.TrailFilter())
        with pytest.raises(PermissionRefused, match="sign in as an administrator or a pharmacist"):
            audit_view.page(s, None, audit_view.TrailFilter())


def test_patient_details_in_entries_only_for_who_sees_them(sessions, pharmacy, two_batches):
    first, _second = two_batches
    with sessions() as s:
        hidden = _all(s, pharmacy.admin, audit_view.TrailFilter())
        shown = _all(s, pharmacy.pharmacist, audit_view.TrailFilter(), patients_shown=True)
    text_hidden = " ".join(r.change + r.detail + r.what for r in hidden)
    text_shown = " ".join(r.change + r.detail + r.what for r in shown)
    assert "Jane" in text_shown and "1948-03-02" in text_shown and "RX-1" in text_shown
    assert "Jane" not in text_hidden and "1948" not in text_hidden and "RX-1" not in text_hidden
    patient_rows = [r for r in hidden if r.what.startswith("patient ")]
    assert patient_rows and all("(hidden)" in r.change for r in patient_rows)


def test_the_status_is_db_checks_and_records_nothing(sessions, clock, pharmacy, two_batches, tmp_path):
    first, _second = two_batches
    heads = tmp_path / "heads.json"
    with sessions() as s:
        connection = s.connection()
        head_file.export_head(connection, heads, audit.key_ring(connection), clock())
        written = heads.read_bytes()
        status = audit_view.trail_status(s, heads)
        head = s.scalar(select(func.max(AuditEntry.sequence)))
    assert status.ok and status.head == head and status.since is None  # no clean check recorded yet: the whole trail
    assert status.summary() == f"The audit trail is unbroken to entry {head:,} and replays to the records (the whole trail read)"
    assert heads.read_bytes() == written  # nothing recorded
    with sessions.begin() as s:
        s.execute(text("UPDATE batch SET rx_number = 'RX-9999' WHERE id = :id"), {"id": first.id})
    with sessions() as s:
        status = audit_view.trail_status(s, heads)
    assert not status.ok and status.summary().startswith("1 problem in the audit trail")
    assert status.problems[0].startswith(f"batch row {first.id}: batch {first.batch_number} was changed outside the app: rx_number is")


def test_a_password_hash_is_never_shown_and_a_new_password_is_said_to_be_new(sessions, clock, pharmacy):
    """Seen in the audit viewer while checking issue 24: "user paula … password_hash
    scrypt$16384$8$1$NiwL7n0/…" for any pharmacist or administrator to read (and to attack offline)."""
    from compounder.records import people

    with sessions.begin() as s:
        people.reset_password(s, pharmacy.admin, "tess", "a new password 42", clock())
    with sessions() as s:
        rows = _all(s, pharmacy.admin, audit_view.TrailFilter())
    assert rows and not any("scrypt" in r.change + r.detail for r in rows)
    made = next(r for r in rows if r.what == "user paula")
    assert "password_hash (not shown)" in made.change
    reset = next(r for r in rows if r.what == "user tess" and "password_hash: " in r.change)
    assert "password_hash: (not shown) → (changed, not shown)" in reset.change
