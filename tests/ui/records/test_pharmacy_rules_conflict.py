"""Two administrators' windows saving the pharmacy's rules (issue 21, observation 2): the second,
whose settings were read before the first's save, is refused with what changed, by whom, and what
the records hold now; saving again applies its values on top of the newest."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMainWindow

from compounder.records import pharmacy_rules
from compounder.records.policy import RecordError
from compounder.settings import EXAMPLE, settings_from_data
from compounder.ui.common.records_context import RecordsContext
from compounder.ui.records.pharmacy_rules_ui import guard_pharmacy_rules
from tests.records.helpers import PASSWORD


class Prompts:
    save_rules = None


def _window(qtbot, context) -> Prompts:
    window = QMainWindow()
    qtbot.add_widget(window)
    window.pharmacy = settings_from_data({**EXAMPLE, "weighing_tolerance": "5 %"})
    prompts = Prompts()
    guard_pharmacy_rules(window, context, prompts)
    return prompts


def _stored(context) -> dict:
    with context.sessions() as session:
        return {name: value for name, (value, _who, _when) in pharmacy_rules.stored_rules(session).items()}


def test_rules_saved_on_settings_read_before_another_administrators_save_are_refused(qtbot, records, clock):
    context, _pharmacy, _record = records
    other = RecordsContext(context.sessions, clock)
    context.sign_in("admin", PASSWORD)
    other.sign_in("admin", PASSWORD)
    with context.transaction() as session:  # the rules as stored before both windows started
        pharmacy_rules.set_rules(session, context.actor, settings_from_data({**EXAMPLE, "weighing_tolerance": "5 %"}), clock())
    first, second = _window(qtbot, context), _window(qtbot, other)

    clock.advance(minutes=3)
    first.save_rules(settings_from_data({**EXAMPLE, "weighing_tolerance": "3 %"}))  # the first tightens the tolerance
    wanted = settings_from_data({**EXAMPLE, "weighing_tolerance": "5 %", "allow_self_verification": True})
    with pytest.raises(RecordError) as caught:  # the second, showing 5 %, allows self-verification
        second.save_rules(wanted)
    message = str(caught.value)
    assert message == (
        """the pharmacy rule weighing tolerance was changed by admin at 2026-11-23 09:03 UTC (change rule: value '"5 %"' → '"3 %"') """
        "since you opened it (it is at version 2, you saw version 1); nothing was saved — reload it, or apply your change again on the newest. "
        "The records now say: self-verification not allowed; weighing tolerance 3 %; final-weight tolerance not set; "
        "scanning each container not required; weighing on the balance not required; "
        "locking the window after 5 min idle; patients' names shown to technicians and pharmacists. "  # issue 24's defaults
        "Save again to apply the values shown here on top of them, or cancel to keep them."
    )
    assert _stored(context)["weighing_tolerance"] == "3 %" and _stored(context)["allow_self_verification"] is False
    second.save_rules(wanted)  # saved again, knowingly: on top of the newest
    assert _stored(context)["weighing_tolerance"] == "5 %" and _stored(context)["allow_self_verification"] is True
