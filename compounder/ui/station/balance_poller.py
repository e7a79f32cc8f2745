"""The balance read on its own thread (a serial exchange may take up to its timeout): the
readings arrive at the weighing station as a signal."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from compounder.balance.driver import BalanceDriver

POLL_S = 0.2


class BalancePoller(QObject):
    """Reads the balance on a thread, every ``POLL_S`` seconds, and hands each reading over.
    Zero and tare go through the same thread, so the port has one user, and the thread closes
    the port when it stops (never while an exchange is under way).

    It has no Qt parent: the station stops it when it closes, when a window it belongs to
    closes, and when it is destroyed without closing; until the thread ends, the poller outlives
    the station, and a reading sent to a station already gone is dropped by Qt."""

    reading = Signal(object)
    said = Signal(str)

    def __init__(self, driver: BalanceDriver) -> None:
        super().__init__(None)
        self.driver = driver
        self._stop = threading.Event()
        self._requests: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"balance {driver.balance_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def request(self, what: str) -> None:
        with self._lock:
            self._requests.append(what)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        """No command is sent after this returns (the thread is waited for up to 5 s: one
        exchange's timeout and a polling period are far less); the port is closed."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        elif self._thread.ident is None:  # never started
            self.driver.close()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                with self._lock:
                    requests, self._requests = self._requests, []
                for what in requests:
                    said = self.driver.zero() if what == "zero" else self.driver.tare()
                    if not self._stop.is_set():
                        self.said.emit(said)
                if self._stop.is_set():
                    return
                reading = self.driver.read()
                if self._stop.is_set():
                    return
                self.reading.emit(reading)
                self._stop.wait(POLL_S)
        finally:
            self.driver.close()
