"""The one family of errors the records raise, so the window and the command line catch only these.

``RecordsError`` is the base. Its two branches: ``RecordError`` (in ``records.policy``), an
operation the records refuse, in words for the pharmacist; and ``DatabaseFailed``, the database
could not be used (locked, read-only, damaged, unreachable: ``records.database.DatabaseUnavailable``),
which wraps the driver's error at the records' boundary (``records.boundary``). No SQLAlchemy
here: the pure rules import this module.
"""

from __future__ import annotations


class RecordsError(Exception):
    """Any error the records raise: catch this above ``compounder.records``."""


class DatabaseFailed(RecordsError):
    """The database could not be used; the driver's error is the ``cause`` (and ``__cause__``).
    Nothing of the transaction was saved."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause
