"""The window's side of ``compounder.records.pharmacy_rules``: at start-up the records' rules
replace a settings file's (saying so when the file was edited by hand), and the pharmacy settings
dialog stores changed rules through a signed-in administrator."""

from __future__ import annotations

from compounder.records import pharmacy_rules
from compounder.records.errors import DatabaseFailed
from compounder.records.policy import RecordError
from compounder.settings import PharmacySettings


def guard_pharmacy_rules(window, context, prompts) -> list[str]:
    """Put the records' rules into ``window.pharmacy`` and let the settings dialog store rule
    changes; returns the notices shown in the status bar."""
    notices: list[str] = []
    if window.pharmacy is not None:
        try:
            with context.reading() as session:
                window.pharmacy, notices = pharmacy_rules.effective(session, window.pharmacy)
        except DatabaseFailed:
            notices = []
    if notices:
        window.statusBar().showMessage("Pharmacy settings: " + " / ".join(notices), 60000)
    prompts.save_rules = lambda settings: save_rules(context, settings)
    return notices


def save_rules(context, settings: PharmacySettings) -> None:
    """Store the rules when they differ from the records'; only a signed-in administrator.
    Raises ``RecordError`` saying why not (a database error too, in words)."""
    try:
        _save_rules(context, settings)
    except DatabaseFailed as error:
        from compounder.records.maintenance import describe

        raise RecordError(describe(error, "of this workstation")) from None


def _save_rules(context, settings: PharmacySettings) -> None:
    with context.reading() as session:
        stored = {name: value for name, (value, _who, _when) in pharmacy_rules.stored_rules(session).items()}
    wanted = pharmacy_rules.rule_values(settings)
    if stored and all(stored.get(name) == value for name, value in wanted.items()):
        return
    if not stored and wanted == pharmacy_rules.rule_values(
        PharmacySettings(settings.name, settings.address, settings.phone, settings.licence)
    ):
        return  # the defaults, never stored: nothing to protect yet
    if context.actor is None:
        raise RecordError("sign in as an administrator (Records ▸ Sign in…) to change self-verification or the tolerances")
    with context.transaction() as session:
        pharmacy_rules.set_rules(session, context.actor, settings, context.clock())
