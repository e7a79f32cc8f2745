"""Two administrators' windows on one account (issue 21, observation 2): the second, still
listing the account as it was, is refused with what changed and by whom, shown the newest, and
its change goes through when made again on it."""

from __future__ import annotations

from compounder.ui.common.records_context import RecordsContext
from compounder.ui.records.users_dialog import UsersDialog
from tests.records.helpers import PASSWORD


def _row(dialog: UsersDialog, username: str) -> tuple:
    return next(dialog.model.row(r) for r in range(dialog.model.rowCount()) if dialog.model.row(r)[0] == username)


def test_a_change_on_an_account_listed_before_another_administrators_change_is_refused(qtbot, records, clock):
    context, _pharmacy, _record = records
    other = RecordsContext(context.sessions, clock)  # the second workstation
    context.sign_in("admin", PASSWORD)
    other.sign_in("admin", PASSWORD)
    first, second = UsersDialog(context), UsersDialog(other)
    qtbot.add_widget(first)
    qtbot.add_widget(second)
    assert _row(first, "tess")[2] == _row(second, "tess")[2] == "technician"  # both list tess as a technician

    clock.advance(minutes=7)
    first.select("tess")
    first.role.setCurrentIndex(first.role.findData("pharmacist"))
    first.change_role_button.click()
    assert first.done_label.text() == "tess is now a pharmacist."

    second.select("tess")
    second.active_button.click()  # deactivate tess, as listed before the change
    assert second.message.text().startswith(
        "the account tess was changed by admin at 2026-11-23 09:07 UTC (change role: role 'technician' → 'pharmacist') since you opened it"
    )
    assert second.done_label.text() == ""
    assert _row(second, "tess")[2:4] == ("pharmacist", "active")  # the newest is shown, nothing was deactivated
    second.select("tess")
    second.active_button.click()  # made again on the newest: it goes through
    assert second.done_label.text().startswith("tess is deactivated")
    assert _row(second, "tess")[2:4] == ("pharmacist", "deactivated")
