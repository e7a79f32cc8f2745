"""The window's side of ``compounder.records.pharmacy_rules``: at start-up the records' rules
replace a settings file's (saying so when the file was edited by hand), and the pharmacy settings
dialog stores changed rules through a signed-in administrator."""

from __future__ import annotations

from compounder.records import pharmacy_rules
from compounder.records.edit_versions import EditConflict
from compounder.records.errors import DatabaseFailed
from compounder.records.policy import RecordError
from compounder.settings import PharmacySettings


def guard_pharmacy_rules(window, context, prompts) -> list[str]:
    """Put the records' rules into ``window.pharmacy`` and let the settings dialog store rule
    changes; returns the notices shown in the status bar."""
    notices: list[str] = []
    shown: dict[str, int] = {}  # the rules' versions the window's settings were read at: a save is made on top of them
    if window.pharmacy is not None:
        try:
            with context.reading() as session:
                window.pharmacy, notices = pharmacy_rules.effective(session, window.pharmacy)
                shown.update(pharmacy_rules.rule_versions(session))
        except DatabaseFailed:
            notices = []
    if notices:
        window.statusBar().showMessage("Pharmacy settings: " + " / ".join(notices), 60000)
    prompts.save_rules = lambda settings: save_rules(context, settings, shown)
    return notices


def save_rules(context, settings: PharmacySettings, shown: dict[str, int] | None = None) -> None:
    """Store the rules when they differ from the records'; only a signed-in administrator.
    Raises ``RecordError`` saying why not (a database error too, in words). ``shown``: the rules'
    versions as the settings were read (updated here after each save); a rule another
    administrator stored since is refused, saying what the records hold now, and ``shown`` moves
    to the newest, so that saving again applies the values in the dialog on top of them."""
    try:
        _save_rules(context, settings, shown)
    except EditConflict as conflict:
        with context.reading() as session:
            stored = pharmacy_rules.stored_rules(session)
            if shown is not None:
                shown.clear()
                shown.update(pharmacy_rules.rule_versions(session))
        now = "; ".join(f"{pharmacy_rules.TITLES[name]} {pharmacy_rules.shown_value(value, name)}" for name, (value, _who, _when) in stored.items())
        raise RecordError(f"{conflict}. The records now say: {now}. Save again to apply the values shown here on top of them, or cancel to keep them.") from None
    except DatabaseFailed as error:
        from compounder.records.maintenance import describe

        raise RecordError(describe(error, "of this workstation")) from None


def _save_rules(context, settings: PharmacySettings, shown: dict[str, int] | None) -> None:
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
        pharmacy_rules.set_rules(session, context.actor, settings, context.clock(), expected_versions=shown)
    if shown is not None:
        with context.reading() as session:
            shown.clear()
            shown.update(pharmacy_rules.rule_versions(session))
