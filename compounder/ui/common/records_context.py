"""The records as the window uses them: the session factory, the clock and who is signed in,
passed to every records screen (no global), and the one way a screen runs a records operation.

Every screen opens its transactions here (``transaction``, ``reading``, or ``run``, which also
gives the text to show and whether trying again may help), so the records' boundary
(``compounder.records.boundary``) turns the database's errors into records errors
(``compounder.records.errors``) and no screen imports SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Signal

from compounder.records.boundary import Session, Sessions, database_errors, reading, transaction
from compounder.records.errors import DatabaseFailed, RecordsError
from compounder.records.policy import Actor, RecordError

if TYPE_CHECKING:
    from compounder.settings import PharmacySettings

Clock = Callable[[], dt.datetime]
T = TypeVar("T")


@dataclass(frozen=True)
class Failed:
    """A records operation that did not happen: what to tell the pharmacist, and whether the
    same operation may simply be tried again (the server could not be reached; nothing was saved)."""

    text: str
    error: RecordsError

    @property
    def retryable(self) -> bool:
        from compounder.records.database import DatabaseUnavailable

        return isinstance(self.error, DatabaseUnavailable)


class RecordsContext(QObject):
    """The records as the window uses them: sessions, clock, and the signed-in user."""

    signed_in = Signal(object)  # the Actor, or None when signed out

    def __init__(self, sessions: Sessions, clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sessions = sessions
        self.clock = clock
        self.actor: Actor | None = None
        self.database_folder: Path | None = None  # an SQLite database's folder: no file dialog opens there (``file_folders``)
        # The pharmacy's settings as the window has them (``ui.app`` passes the window's): who sees
        # patient details follows them until an administrator stores the rule in the records.
        self.pharmacy: Callable[[], PharmacySettings | None] = lambda: None

    def today(self) -> dt.date:
        return self.clock().astimezone().date()

    def now(self, session: Session) -> dt.datetime:
        """Now by the records' clock, inside ``session``'s transaction (the server's on
        PostgreSQL; ``clock`` on SQLite): what a batch is dated and signed by."""
        from compounder.records.clock import records_now

        return records_now(session, self.clock)

    # -- the records operations
    def transaction(self) -> AbstractContextManager[Session]:
        """A session in one transaction, committed at the end; the database's errors come out as
        ``DatabaseFailed``."""
        return transaction(self.sessions)

    def reading(self) -> AbstractContextManager[Session]:
        """A session for reading; the database's errors come out as ``DatabaseFailed``."""
        return reading(self.sessions)

    def run(self, operation: Callable[[Session], T], *, write: bool = True) -> T | Failed:
        """``operation`` in one transaction (``write=False``: a read); its result, or ``Failed``
        with the text to show when the records refused it or the database could not be used."""
        try:
            with self.transaction() if write else self.reading() as session:
                return operation(session)
        except RecordsError as error:
            return failure(error)

    # -- who sees patient details
    def patient_details(self, session: Session) -> tuple[bool, str]:
        """Whether the signed-in user sees patients' names, dates of birth and Rx numbers, and
        the sentence a screen shows when not (``compounder.records.privacy``)."""
        from compounder.records import privacy

        if privacy.patient_details_shown(session, self.actor, self.pharmacy()):
            return True, ""
        return False, privacy.why_hidden(self.actor, privacy.patient_details_roles(session, self.pharmacy()))

    # -- who is signed in
    def sign_in(self, username: str, password: str) -> Actor:
        from compounder.records import people

        with database_errors():
            self.actor = people.sign_in(self.sessions, username, password, self.clock())
        self.signed_in.emit(self.actor)
        return self.actor

    def sign_out(self) -> None:
        self.actor = None
        self.signed_in.emit(None)

    def check_sign_in(self, username: str, password: str) -> Actor:
        """Who signs with this user name and password (a witness at the station), without
        changing who is signed in."""
        from compounder.records import people

        with database_errors():
            return people.sign_in(self.sessions, username, password, self.clock())


def failure(error: RecordsError) -> Failed:
    """``Failed`` for a records error caught around more than one records operation."""
    return Failed(problem_text(error), error)


def problem_text(error: Exception) -> str:
    """What to tell the user about a failed records operation."""
    from compounder.records.maintenance import describe

    if isinstance(error, RecordError):
        return str(error)
    if isinstance(error, DatabaseFailed):
        return describe(error, "of this workstation")
    raise error
