"""The audit log of a credentials endpoint (``idc serve`` / ``idc exec --server`` with ``--audit-log``).

One JSON line per answer: ``time`` (UTC, RFC 3339), ``profile``, ``caller`` (the client's address and
port), ``status`` (the HTTP status answered) and ``access_key_id`` (the key handed out, or null). Never a
secret key or a session token. The file is opened for appending, 0600 when created, and each line goes
out in one ``write`` so that lines of concurrent answers never interleave.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading

from idc.errors import ConfigError


class AuditLog:
    """Appends one JSON line per endpoint answer to ``path``."""

    def __init__(self, path: str) -> None:
        self.path = os.path.expanduser(path)
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as error:
            raise ConfigError(
                f"cannot open the audit log {path}: {error.strerror or error}",
                hint="Pass --audit-log a file in a directory you can write.",
            ) from None
        self._lock = threading.Lock()

    def __call__(self, profile: str, caller: str, status: int, access_key_id: str | None) -> None:
        record = {
            "time": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "profile": profile,
            "caller": caller,
            "status": status,
            "access_key_id": access_key_id,
        }
        line = (json.dumps(record) + "\n").encode("utf-8")
        with self._lock:
            os.write(self._fd, line)

    def close(self) -> None:
        with self._lock:
            os.close(self._fd)
