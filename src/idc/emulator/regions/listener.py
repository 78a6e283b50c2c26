"""One listener (a socket bound on 127.0.0.1 and uvicorn serving an ASGI app in a thread) that can be
closed and opened again on the same port: how a Region refuses connections and comes back; or held by a
socket that never accepts, its accept queue full, so that new connections are never accepted (the
kernel drops their SYN: the client's connect times out).
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from idc.emulator.server import listening_socket, serve_in_thread
from idc.errors import ConfigError


class Listener:
    """``app`` served on ``host:port`` (0: a free port, kept across :meth:`close` and :meth:`open`)."""

    def __init__(
        self, app: Any, *, host: str, port: int, name: str, log_level: str, access_log: bool
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.name = name
        self._log_level = log_level
        self._access_log = access_log
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._held: list[socket.socket] = []  # the holding socket, then the connections filling its queue

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def is_open(self) -> bool:
        return self._thread is not None

    def open(self) -> None:
        if self._thread is not None:
            return
        self._release()
        sock = listening_socket(
            self.host, self.port, name=self.name, hint="Pick another --port (0 picks free ones)."
        )
        self._socket = sock
        self.port = sock.getsockname()[1]
        self._server, self._thread, started = serve_in_thread(
            self.app,
            sock,
            thread_name=f"idc-emulator-{self.name}",
            log_level=self._log_level,
            access_log=self._access_log,
            graceful_shutdown=2,
        )
        if not started:
            self.close()
            raise ConfigError(f"the emulator did not start {self.name} on {self.base_url}")

    def close(self) -> None:
        """Stop serving and close the socket: connections to the port are refused until :meth:`open`."""
        if self._server is not None:
            self._server.request_exit()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._server = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._release()

    def hold(self) -> None:
        """Stop serving; keep the port bound with a backlog of 0 that one idle connection fills, and never
        accept: the kernel drops new connections' SYN (a full accept queue), so a client's connect times
        out."""
        self.close()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        holder = socket.socket(family, socket.SOCK_STREAM)
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind((self.host, self.port))
        holder.listen(0)
        self._held = [holder]
        for _ in range(4):  # Linux queues backlog + 1: fill it until a connection is no longer accepted
            filler = socket.socket(family, socket.SOCK_STREAM)
            filler.settimeout(0.2)
            try:
                filler.connect((self.host, self.port))
            except OSError:
                filler.close()
                break
            self._held.append(filler)

    def _release(self) -> None:
        for held in reversed(self._held):
            held.close()
        self._held = []
