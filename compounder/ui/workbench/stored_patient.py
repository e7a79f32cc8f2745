"""The workbench screens a patient the records hold with the stored profile (issue 28, observation 3).

When the prescription names a patient (name, and date of birth when typed) the records hold, the
formula is screened with that patient's stored profile — the one ``records.screening`` screens a
batch for — in place of the formula file's own patient section, and the summary says so. The
look-up goes through the records context (its reading session and error boundary); the records
are asked again only when the name or date of birth changes.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from compounder.records.errors import RecordsError

if TYPE_CHECKING:
    from compounder.ui.common.records_context import RecordsContext
    from compounder.ui.workbench.main_window import MainWindow


def install_stored_profiles(window: MainWindow, context: RecordsContext) -> None:
    """From now on the window's prescription is screened with the records' profile of its patient."""
    asked: list[tuple[str, str] | None] = [None]

    def look_up() -> None:
        document = window.document
        key = (document.header("prescription.patient").strip(), document.header("prescription.date_of_birth").strip())
        if key == asked[0]:
            return
        asked[0] = key
        name, born_text = key
        try:
            born = dt.date.fromisoformat(born_text) if born_text else None
        except ValueError:
            born = None  # the prescription's own check names the date; no profile is guessed from a name alone
            if born_text:
                document.set_stored_patient(None)
                return
        section = None
        if name:
            from compounder.records.screening import stored_patient_section

            try:
                with context.reading() as session:
                    section = stored_patient_section(session, name, born)
            except RecordsError as error:  # the records cannot be read now: screened as the file says, and said
                window.statusBar().showMessage(f"The records could not be asked for {name}'s profile: {error}", 10000)
        document.set_stored_patient(section, name)

    window.document.changed.connect(look_up)
    look_up()
