"""Issue 24, the audit trail viewer in the window: for administrators and pharmacists only (the
Records menu's action and the viewer itself), filtered by batch, user, kind and date, read a page
at a time as the list scrolls, with the trail's status as ``db check`` gives it at the top —
green when unbroken, red naming the problem. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from compounder.records import audit, head_file
from compounder.records.model import AuditEntry
from compounder.ui.common import look
from compounder.ui.common.records_context import RecordsContext
from compounder.ui.records.audit_dialog import AuditTrailDialog
from compounder.ui.records.records_window import install_records_menu
from tests.records.conftest import backend, engine, pharmacy, sessions  # noqa: F401 - the records' fixtures, both databases
from tests.records.helpers import PASSWORD, new_batch, weigh_all


@pytest.fixture
def trail(sessions, clock, pharmacy, tmp_path):  # noqa: F811
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, rx="RX-2024"))
    heads = tmp_path / "heads.json"
    with sessions() as s:  # the head this workstation recorded at its last write
        head_file.export_head(s.connection(), heads, audit.key_ring(s.connection()), clock())
    context = RecordsContext(sessions, clock)
    return context, record, heads


def test_the_menu_offers_the_trail_to_administrators_and_pharmacists_only(qtbot, window, trail):
    context, _record, _heads = trail
    actions = install_records_menu(window, context)
    assert not actions["audit"].isEnabled()
    for user, allowed in (("tess", False), ("paula", True), ("admin", True)):
        context.sign_in(user, PASSWORD)
        assert actions["audit"].isEnabled() is allowed, user


def test_status_filters_and_pages(qtbot, trail, sessions):  # noqa: F811
    context, record, heads = trail
    context.sign_in("paula", PASSWORD)
    dialog = AuditTrailDialog(context, heads)
    qtbot.add_widget(dialog)
    with sessions() as s:
        total = s.scalar(select(func.count()).select_from(AuditEntry))
        newest = s.scalar(select(func.max(AuditEntry.sequence)))
    assert dialog.status.text().startswith(f"✔ The audit trail is unbroken to entry {newest:,} and replays to the records")
    assert look.OK_TEXT.name() in dialog.status.styleSheet()
    # The first page only; the rest as the list is scrolled to its end.
    dialog.model.page = 10
    dialog.search()
    assert dialog.model.rowCount() == 10 and dialog.model.canFetchMore()
    assert dialog.model.index(0, 0).data() == f"{newest:,}"
    while dialog.model.canFetchMore():
        dialog.model.fetchMore()
    assert dialog.model.rowCount() == total
    sequences = [dialog.model.entry(row).sequence for row in range(dialog.model.rowCount())]
    assert sequences == sorted(sequences, reverse=True) and len(set(sequences)) == total

    dialog.model.page = 200
    dialog.batch.setText(record.batch_number)
    dialog.search()
    shown = [dialog.model.entry(row) for row in range(dialog.model.rowCount())]
    assert shown and any(e.what == f"batch {record.batch_number}" for e in shown)
    assert all(e.what.startswith("batch") for e in shown)
    dialog.batch.setText("")
    dialog.user.setText("admin")
    dialog.kind.setCurrentIndex(dialog.kind.findData("create"))
    dialog.search()
    shown = [dialog.model.entry(row) for row in range(dialog.model.rowCount())]
    assert shown and {(e.username, e.kind) for e in shown} == {("admin", "create")}
    dialog.since.setText("2026-11-24")  # every entry was made on 2026-11-23 (the test clock)
    dialog.search()
    assert dialog.model.rowCount() == 0 and dialog.message.text() == "No entry matches."
    dialog.since.setText("24/11/2026")
    dialog.search()
    assert dialog.message.text() == "the 'from' date: '24/11/2026' is not a date; type it as YYYY-MM-DD, e.g. 2026-11-23"


def test_a_broken_trail_shows_red_with_the_problem(qtbot, trail, sessions):  # noqa: F811
    context, record, heads = trail
    with sessions.begin() as s:
        s.execute(text("UPDATE batch SET rx_number = 'RX-9999' WHERE id = :id"), {"id": record.id})
    context.sign_in("admin", PASSWORD)
    dialog = AuditTrailDialog(context, heads)
    qtbot.add_widget(dialog)
    assert dialog.status.text().startswith("✘ 1 problem in the audit trail (as `compounder db check` reports them): tell the administrator.")
    assert f"• batch row {record.id}: batch {record.batch_number} was changed outside the app: rx_number is" in dialog.status.text()
    assert look.ERROR_TEXT.name() in dialog.status.styleSheet()


def test_a_technician_or_nobody_reads_nothing(qtbot, trail):
    context, _record, heads = trail
    dialog = AuditTrailDialog(context, heads)
    qtbot.add_widget(dialog)
    assert dialog.model.rowCount() == 0 and dialog.message.text() == "sign in as an administrator or a pharmacist to read the audit trail"
    context.sign_in("paula", PASSWORD)  # read for her at once
    assert dialog.model.rowCount() > 0 and dialog.message.text() == ""
    context.sign_in("tess", PASSWORD)
    assert dialog.model.rowCount() == 0 and dialog.message.text() == "tess is a technician: administrators and pharmacists read the audit trail"
