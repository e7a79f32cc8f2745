"""A job handed to CUPS over IPP (RFC 8011 Print-Job) from Python: one HTTP request to the
scheduler's socket, without starting ``lp`` (whose CUPS library start-up takes 30–80 ms of the
80 ms a label's job took). The scheduler is ``$CUPS_SERVER`` (a socket path, or host[:port]), else
the local socket /run/cups/cups.sock, else localhost:631. Only what a print needs is encoded:
the operation attributes, the job's copies, media and scaling, and the document.
"""

from __future__ import annotations

import getpass
import http.client
import os
import socket
import struct

LOCAL_SOCKET = "/run/cups/cups.sock"
TIMEOUT = 60.0

_OPERATION, _JOB, _END = 0x01, 0x02, 0x03
_INTEGER, _KEYWORD, _URI, _CHARSET, _LANGUAGE, _MIME, _NAME = 0x21, 0x44, 0x45, 0x47, 0x48, 0x49, 0x42
_PRINT_JOB = 0x0002


class IppError(RuntimeError):
    """The scheduler refused the job, or could not be reached (``unreachable``)."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=TIMEOUT)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(self._path)


def server() -> str:
    return os.environ.get("CUPS_SERVER") or (LOCAL_SOCKET if os.path.exists(LOCAL_SOCKET) else "localhost:631")


def _attribute(tag: int, name: str, value: str | int) -> bytes:
    data = struct.pack(">i", value) if isinstance(value, int) else value.encode("utf-8")
    encoded = name.encode("ascii")
    return struct.pack(">BH", tag, len(encoded)) + encoded + struct.pack(">H", len(data)) + data


def print_job_request(queue: str, title: str, options: dict[str, str | int], document_format: str, request_id: int = 1) -> bytes:
    """The IPP Print-Job request's attributes (the document follows them)."""
    user = _user()
    parts = [
        struct.pack(">BBHi", 2, 0, _PRINT_JOB, request_id), bytes([_OPERATION]),
        _attribute(_CHARSET, "attributes-charset", "utf-8"),
        _attribute(_LANGUAGE, "attributes-natural-language", "en"),
        _attribute(_URI, "printer-uri", f"ipp://localhost/printers/{queue}"),
        _attribute(_NAME, "requesting-user-name", user),
        _attribute(_NAME, "job-name", title),
        _attribute(_MIME, "document-format", document_format),
        bytes([_JOB]),
    ]
    for name, value in options.items():
        parts.append(_attribute(_INTEGER if isinstance(value, int) else _KEYWORD, name, value))
    parts.append(bytes([_END]))
    return b"".join(parts)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "compounder"


def print_job(queue: str, data: bytes, title: str, options: dict[str, str | int], document_format: str = "application/pdf") -> int:
    """Send the job; its ID. ``IppError`` when the scheduler refused it or could not be reached."""
    where = server()
    if where.startswith("/"):
        connection: http.client.HTTPConnection = _UnixConnection(where)
    else:
        host, _, port = where.rpartition(":") if where.count(":") == 1 else (where, "", "")
        connection = http.client.HTTPConnection(host or where, int(port) if port.isdigit() else 631, timeout=TIMEOUT)
    body = print_job_request(queue, title, options, document_format) + data
    try:
        connection.request("POST", f"/printers/{queue}", body=body, headers={"Content-Type": "application/ipp"})
        response = connection.getresponse()
        answer = response.read()
    except OSError as error:
        raise IppError(f"the print spooler at {where} could not be reached ({error.strerror or error})", unreachable=True) from None
    finally:
        connection.close()
    if response.status != 200 or len(answer) < 8:
        raise IppError(f"the print spooler answered HTTP {response.status} {response.reason}", unreachable=response.status in (401, 403, 426))
    status = struct.unpack(">H", answer[2:4])[0]
    if status >= 0x0100:
        raise IppError(_status_message(answer, status))
    return _job_id(answer)


def _walk(answer: bytes):
    """(tag, name, value bytes) of each attribute in an IPP response."""
    index, name = 8, ""
    while index < len(answer):
        tag = answer[index]
        index += 1
        if tag <= 0x0F:  # a group's delimiter; 0x03 ends the attributes
            if tag == _END:
                return
            continue
        (length,) = struct.unpack(">H", answer[index:index + 2])
        index += 2
        if length:
            name = answer[index:index + length].decode("utf-8", "replace")
        index += length
        (length,) = struct.unpack(">H", answer[index:index + 2])
        index += 2
        yield tag, name, answer[index:index + length]
        index += length


def _job_id(answer: bytes) -> int:
    for tag, name, value in _walk(answer):
        if name == "job-id" and tag == _INTEGER and len(value) == 4:
            return struct.unpack(">i", value)[0]
    return 0


def _status_message(answer: bytes, status: int) -> str:
    for _tag, name, value in _walk(answer):
        if name == "status-message":
            return value.decode("utf-8", "replace")
    return f"IPP status 0x{status:04x}"
