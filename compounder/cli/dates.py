"""The command line's word on the compounding date it used when the formula file gives none.

A file without ``compounded_on`` is dated by ``--date`` or today; the beyond-use date and the lot
checks count from that day, so the command says which one it took (one line on stderr, not an
error: the output is still written and the exit status is unchanged).
"""

from __future__ import annotations

import datetime as dt

from compounder.calc.model import Formula


def compounding_date_note(formula: Formula, used: dt.date, from_option: bool, file: object) -> str | None:
    """The note for stderr, or ``None`` when the file gives its own compounding date."""
    if formula.compounded_on is not None:
        return None
    how = "--date" if from_option else "today's date"
    return (
        f"{file}: compounded_on: not given; used {used.isoformat()} ({how}) as the compounding date "
        "for the beyond-use date and the lot checks"
    )
