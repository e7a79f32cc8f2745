"""A simulated balance on a pseudo-terminal, for the tests, the benchmark and a demonstration
without a balance: a thread answers MT-SICS, Sartorius SBI or Ohaus commands on the pty's master
side, while the app opens the slave side as an ordinary serial port.

Faults: ``state`` set to unstable, overload, underload (not for Ohaus: no source gives its
reply), garbage (bytes no balance sends) or silent (no reply); ``pull_cable()`` closes the master side, as a pulled USB-serial cable does.
POSIX only (``os.openpty``).
"""

from __future__ import annotations

import os
import select
import threading
import tty
from decimal import Decimal
from typing import Self

STATES = ("stable", "unstable", "overload", "underload", "garbage", "silent")


class SimulatedBalance:
    def __init__(self, protocol: str = "mt-sics", grams: str | Decimal = "0.000", decimals: int = 3) -> None:
        self.protocol = protocol
        self.grams = Decimal(grams)
        self.decimals = decimals
        self.state = "stable"
        self.commands: list[bytes] = []
        self._waiting: bytes | None = None  # a stable-weight command answered once the weight settles
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._pulled = False
        self._thread = threading.Thread(target=self._serve, name="simulated balance", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ control
    def pull_cable(self) -> None:
        """Close the master side: the port's next read or write fails, as with a pulled cable."""
        self._pulled = True
        self._stop.set()
        self._thread.join(2)
        os.close(self._master)

    def close(self) -> None:
        if not self._pulled:
            self._stop.set()
            self._thread.join(2)
            os.close(self._master)
            self._pulled = True
        try:
            os.close(self._slave)
        except OSError:
            pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # ------------------------------------------------------------------ serving
    def _serve(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            if self._waiting is not None and self.state != "unstable":
                waiting, self._waiting = self._waiting, None
                reply = self.reply(waiting)
                if reply:
                    os.write(self._master, reply)
            ready, _, _ = select.select([self._master], [], [], 0.02)
            if not ready:
                continue
            try:
                buffer += os.read(self._master, 256)
            except OSError:
                return
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                command = line.rstrip(b"\r")
                self.commands.append(command)
                if command in (b"S", b"SP") and self.state == "unstable":
                    self._waiting = command  # the balance answers when the weight is stable
                    continue
                reply = self.reply(command)
                if reply:
                    os.write(self._master, reply)

    def reply(self, command: bytes) -> bytes:
        if self.state == "silent":
            return b""
        if self.state == "garbage":
            return b"\xff\x00\x9c#@!\xfe\r\n"
        weight = f"{self.grams:.{self.decimals}f}"
        if self.protocol == "mt-sics":
            return self._sics(command, weight)
        if self.protocol == "sartorius-sbi":
            return self._sbi(command, weight)
        return self._ohaus(command, weight)

    def _sics(self, command: bytes, weight: str) -> bytes:
        name = command.decode("ascii", "replace").strip()
        if name == "Z":
            self.grams = Decimal(0)
            return b"Z A\r\n"
        if name == "T":
            tared, self.grams = self.grams, Decimal(0)
            return f"T S {tared:>10.{self.decimals}f} g\r\n".encode()
        if name not in ("S", "SI"):
            return b"ES\r\n"
        if self.state == "overload":
            return b"S +\r\n"
        if self.state == "underload":
            return b"S -\r\n"
        flag = "D" if self.state == "unstable" else "S"
        return f"S {flag} {weight:>10} g\r\n".encode()

    def _sbi(self, command: bytes, weight: str) -> bytes:
        if command == b"\x1bT" or command == b"\x1bV":
            self.grams = Decimal(0)
            return b""
        if command != b"\x1bP":
            return b""
        if self.state == "overload":
            return b"    High      \r\n"
        if self.state == "underload":
            return b"    Low       \r\n"
        sign = "-" if self.grams < 0 else "+"
        unit = "   " if self.state == "unstable" else "g  "
        return f"{sign}{weight.lstrip('-'):>8} {unit}\r\n".encode()

    def _ohaus(self, command: bytes, weight: str) -> bytes:
        name = command.decode("ascii", "replace").strip()
        if name in ("Z", "T"):
            self.grams = Decimal(0)
            return b""
        if name not in ("IP", "P", "SP"):
            return b"ES\r\n"
        if self.state == "overload":
            return b"   -OL-  g\r\n"
        mark = "?" if self.state == "unstable" else " "
        return f"{weight:>10} g {mark}\r\n".encode()
