"""One balance on one serial port, behind a small interface the weighing station uses.

Every exchange is bounded: the port is opened with a read and a write timeout, so a balance
that is off, unplugged or babbling gives a ``Reading`` that says so within ``timeout`` seconds,
never a hang. Before each command the bytes already waiting are thrown away, so a reply is
always the answer to this command, never an old one.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any
from typing import Protocol as TypingProtocol

from compounder.balance.protocols import PROTOCOLS, Protocol
from compounder.calc.balance_reading import Reading, ReadingState

#: Seconds to wait for a reply line; a balance answers an immediate-weight command in well under this.
DEFAULT_TIMEOUT_S = 1.0

try:  # POSIX: pyserial lets termios.error (not an OSError) through when a pulled port is flushed
    from termios import error as _TermiosError
except ImportError:  # pragma: no cover - Windows
    _TermiosError = OSError  # type: ignore[misc, assignment]
_PORT_ERRORS: tuple[type[BaseException], ...] = (OSError, _TermiosError)  # pyserial's SerialException is an OSError
_MAX_LINE = 64  # no reply of these protocols is longer; more is garbage


class BalanceDriver(TypingProtocol):
    """What the weighing station needs of a balance."""

    balance_id: str

    def read(self) -> Reading: ...

    def read_stable(self, wait: float = 10.0) -> Reading: ...

    def zero(self) -> str: ...

    def tare(self) -> str: ...

    def close(self) -> None: ...


class SerialBalance:
    """A balance speaking ``protocol`` on an open pyserial port (or anything with its
    ``write``, ``read_until``, ``reset_input_buffer`` and ``close``)."""

    def __init__(self, port: Any, protocol: Protocol, balance_id: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._port, self.protocol, self.balance_id, self._clock = port, protocol, balance_id, clock
        self._closed = False

    def _reading(self, state: ReadingState, grams=None, detail: str = "") -> Reading:
        return Reading(state, grams, self._clock(), detail, self.balance_id)

    def _exchange(self, command: bytes, wait: float | None = None) -> tuple[str | None, Reading | None]:
        """Send ``command`` and return its reply line, or a Reading saying why there is none.
        ``wait``: seconds to wait for the reply instead of the port's timeout."""
        if self._closed:
            return None, self._reading(ReadingState.DISCONNECTED, detail="the port is closed")
        usual = self._port.timeout
        try:
            self._port.reset_input_buffer()
            self._port.write(command)
            if wait is not None:
                self._port.timeout = wait
            raw = self._port.read_until(b"\n", _MAX_LINE)
        except _PORT_ERRORS as error:
            return None, self._reading(ReadingState.DISCONNECTED, detail=_said(error))
        finally:
            if wait is not None and not self._closed:
                with contextlib.suppress(*_PORT_ERRORS):
                    self._port.timeout = usual
        if not raw:
            return None, self._reading(ReadingState.NO_REPLY, detail=f"no reply within the timeout to {command!r}")
        if not raw.endswith(b"\n"):
            return None, self._reading(ReadingState.ERROR, detail=f"incomplete or over-long reply {raw[:_MAX_LINE]!r}")
        try:
            return raw.decode("ascii"), None
        except UnicodeDecodeError:
            return None, self._reading(ReadingState.ERROR, detail=f"garbled reply {raw!r}")

    def read(self) -> Reading:
        """The weight shown now, stable or not, as the balance says."""
        line, failed = self._exchange(self.protocol.immediate)
        if failed is not None:
            return failed
        assert line is not None
        state, grams, detail = self.protocol.parse(line)
        return self._reading(state, grams, detail)

    def read_stable(self, wait: float = 10.0) -> Reading:
        """The next stable weight: MT-SICS ``S`` and Ohaus ``SP`` make the balance wait for stability
        (at most ``wait`` seconds here); SBI has no such command, so its display is read until stable."""
        if self.protocol.stable is None:
            deadline = self._clock() + wait
            while True:
                reading = self.read()
                if reading.state is not ReadingState.UNSTABLE or self._clock() >= deadline:
                    return reading
                time.sleep(0.1)
        line, failed = self._exchange(self.protocol.stable, wait)
        if failed is not None:
            if failed.state is ReadingState.NO_REPLY:
                return self._reading(ReadingState.NO_REPLY, detail=f"the weight did not settle within {wait:g} s")
            return failed
        assert line is not None
        state, grams, detail = self.protocol.parse(line)
        return self._reading(state, grams, detail)

    def zero(self) -> str:
        return self._command(self.protocol.zero, "zeroed")

    def tare(self) -> str:
        return self._command(self.protocol.tare, "tared")

    def _command(self, command: bytes, done: str) -> str:
        if self.protocol.name != "mt-sics":
            # SBI and Ohaus send no acknowledgement; the next reading shows the result.
            try:
                self._port.write(command)
            except _PORT_ERRORS as error:
                return f"not {done}: the balance is disconnected ({error})"
            return f"{done}; check the display reads 0"
        line, failed = self._exchange(command)
        if failed is not None:
            return f"not {done}: {failed.describe()}"
        assert line is not None
        words = line.split()
        if len(words) >= 2 and words[1] in ("A", "S"):
            return done
        meaning = {"I": "the balance cannot do it now", "+": "above the range", "-": "below the range"}
        return f"not {done}: {meaning.get(words[1], line.strip()) if len(words) >= 2 else line.strip()}"

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            with contextlib.suppress(*_PORT_ERRORS):  # closing a pulled port may fail; it is closed either way
                self._port.close()


def _said(error: BaseException) -> str:
    """termios.error carries (errno, text); the text is what a person reads."""
    if len(error.args) == 2 and isinstance(error.args[1], str):
        return error.args[1]
    return str(error) or type(error).__name__


def open_balance(port_name: str, driver: str, balance_id: str, *, baudrate: int = 9600, timeout: float = DEFAULT_TIMEOUT_S) -> SerialBalance:
    """Open the pharmacy's balance: ``ValueError`` for an unknown driver, ``OSError`` (pyserial's
    ``SerialException``) when the port cannot be opened; the message names the port."""
    import serial

    protocol = PROTOCOLS.get(driver)
    if protocol is None:
        raise ValueError(f"{driver!r} is not a balance driver; choose one of {', '.join(PROTOCOLS)}")
    try:
        port = serial.Serial(port_name, baudrate=baudrate, timeout=timeout, write_timeout=timeout)
    except (serial.SerialException, OSError, ValueError) as error:
        raise OSError(f"cannot open the balance's port {port_name}: {error}") from None
    return SerialBalance(port, protocol, balance_id)
