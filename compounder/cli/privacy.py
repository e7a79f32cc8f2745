"""Patients' details on the command line (issue 24, privacy): ``history``, ``recall``,
``patients show`` and ``batches show`` print a patient's name, date of birth or Rx number only to
a user signed in with ``--user`` (the password asked at a prompt, or read with
``--password-stdin``) whose role the pharmacy shows them to (``compounder.records.privacy``).
Without one, the rows are printed with "(hidden)" in their place and a search by patient or Rx
is refused (exit 2), as in the window."""

from __future__ import annotations

import argparse

from compounder.cli.errors import UsageError
from compounder.cli.records_io import Ask, sign_in

USER_HELP = (
    "who reads (signs in: the password is asked for): patients' names, dates of birth and Rx numbers are printed only "
    "to a user the pharmacy shows them to (by default technicians and pharmacists), else \"(hidden)\""
)


def add_reader_options(parser: argparse.ArgumentParser) -> None:
    """``--user`` and ``--password-stdin`` on a command that prints patients."""
    parser.add_argument("--user", help=USER_HELP)
    parser.add_argument("--password-stdin", action="store_true", help="read the password as one line of standard input")


def patients_shown(args: argparse.Namespace, engine, ask: Ask) -> bool:
    """Whether the ``--user`` signed in sees patient details (the output then says "(hidden)"
    where they would be: nothing more on stderr, where a script expects only errors)."""
    from compounder.records import privacy
    from compounder.records.boundary import reading
    from compounder.records.database import session_factory

    actor = sign_in(args, engine, ask, args.user) if getattr(args, "user", None) else None
    settings = _settings()
    with reading(session_factory(engine)) as session:
        return privacy.patient_details_shown(session, actor, settings)


def refuse_patient_search(shown: bool, patient: str | None, rx_number: str | None) -> None:
    if not shown and ((patient or "").strip() or (rx_number or "").strip()):
        option = "--patient" if (patient or "").strip() else "--rx"
        raise UsageError(f"compounder: {option}: give --user, a user who sees patients' details, to search by patient or Rx number")


def _settings():
    """The pharmacy settings file, when there is a usable one (the records' rule comes first)."""
    from compounder.settings import SettingsError, load_settings

    try:
        return load_settings()
    except (FileNotFoundError, SettingsError):
        return None
