"""ZPL to a network Zebra printer on its raw port (9100), as the printer's own web page or a
print server would send it: one connection, the bytes, closed."""

from __future__ import annotations

import socket

from compounder.printing.spool import SpoolerError

TIMEOUT = 15.0  # seconds to connect and send; a label is a few kilobytes


def send_to_socket(address: str, data: bytes) -> None:
    """Send ``data`` to ``host:port``; ``SpoolerError`` in one line when it was not delivered."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise SpoolerError(f"{address!r} is not host:port; nothing was printed")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=TIMEOUT) as connection:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
    except OSError as error:
        raise SpoolerError(f"printer {address}: {error.strerror or error}; nothing was printed") from None
