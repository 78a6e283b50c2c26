"""A TCP gate in front of one Region's emulator listener: open, refusing, or accepting but silent.

The two ways a Region can be down below HTTP: ``refused`` closes the listening socket (connections
are refused by the kernel) and ``silent`` accepts connections and never answers. ``open`` forwards
bytes both ways unchanged. The gate keeps its port across modes, so the config written once keeps
pointing at it. Bounded: one thread per direction per connection, all closed with the gate.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

MODES = ("open", "refused", "silent")


class RegionGate:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.mode = "open"
        self.connections = 0
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.port = self._listen(0)
        self.url = f"http://127.0.0.1:{self.port}"

    def _listen(self, port: int) -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return int(listener.getsockname()[1])

    def set_mode(self, mode: str) -> None:
        assert mode in MODES
        with self._lock:
            listener, self.mode = self._listener, mode
        if mode == "refused" and listener is not None:
            self._listener = None
            _close_listener(listener)
        elif mode != "refused" and listener is None:
            self._listen(self.port)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._sockets.append(client)
                mode = self.mode
            if mode == "silent":
                continue  # held open, never read, never answered
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.append(upstream)
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, target), daemon=True).start()

    def close(self) -> None:
        if self._listener is not None:
            _close_listener(self._listener)
        with self._lock:
            for sock in self._sockets:
                sock.close()

    def __enter__(self) -> RegionGate:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _close_listener(listener: socket.socket) -> None:
    # close() alone leaves a socket that another thread is accept()ing on listening (Linux);
    # shutdown() wakes that accept() and stops the listening.
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)
    listener.close()


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
