"""The last line of defence: an unexpected exception is written in full to a log file in the
user's data directory and shown as a short message; the program carries on.

The formula is not changed by a failed edit (``FormulaDocument`` asks the engine before it
applies an edit), so "the formula is as it was" is true when the message says so.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

ShowError = Callable[[str, str], None]  # (short message, details) -> None


class ErrorReporter:
    def __init__(self, log_path: Path, show: ShowError) -> None:
        self.log_path = log_path
        self._show = show
        self._reporting = False
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = logging.getLogger("compounder")
        if not any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == log_path for h in self._log.handlers):
            handler = logging.FileHandler(log_path, encoding="utf-8", delay=True)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            self._log.addHandler(handler)
        self._log.setLevel(logging.INFO)

    def __call__(self, kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        details = "".join(traceback.format_exception(kind, error, tb))
        self._log.error("unexpected error at %s\n%s", dt.datetime.now().isoformat(timespec="seconds"), details)
        for handler in self._log.handlers:
            handler.flush()
        if self._reporting:  # an error while showing an error: the log has it
            return
        self._reporting = True
        try:
            self._show(
                f"Something went wrong: {type(error).__name__}: {error}\n\n"
                f"The formula is as it was before. The details are in {self.log_path}.",
                details,
            )
        finally:
            self._reporting = False

    def install(self) -> None:
        sys.excepthook = self
