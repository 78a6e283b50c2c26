"""Run the local Identity Center: uvicorn in a background thread, on a socket bound before it starts.

Binding first means the port (0 = any free one) is known before the app is built, and the server is
reachable the moment :meth:`EmulatorServer.start` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from idc.emulator.clock import EmulatorClock
from idc.emulator.directory import Directory
from idc.emulator.engine import IdentityCenter
from idc.emulator.state_store import StateStore
from idc.errors import ConfigError

if TYPE_CHECKING:
    from idc.emulator.tls import TlsFiles


def server_class() -> Any:
    """uvicorn's Server class, stopping at once (:func:`serve_in_thread` runs it)."""
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, woken at once by :meth:`request_exit` instead of its next 0.1 s tick."""

        _wake: asyncio.Event | None = None
        _loop: asyncio.AbstractEventLoop | None = None

        async def main_loop(self) -> None:
            self._loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            counter = 0
            while not await self.on_tick(counter):
                counter = (counter + 1) % 864000
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=0.1)

        def request_exit(self) -> None:
            self.should_exit = True
            if self._loop is not None and self._wake is not None and not self._loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop closed in between
                    self._loop.call_soon_threadsafe(self._wake.set)

    return Server


class EmulatorServer:
    """A running emulator: ``base_url``, ``start_url``, ``region``, ``admin_token``, ``engine``."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        directory: Directory | Mapping[str, Any] | Path | str | None = None,
        state: Path | str | None = None,
        clock: EmulatorClock | None = None,
        tps_limit: float | None = None,
        latency_ms: float | None = None,
        admin_token: str | None = None,
        allow_hosts: tuple[str, ...] | list[str] = (),
        access_log: bool = False,
        log_level: str = "warning",
        tls: bool = False,
        tls_dir: Path | str | None = None,
        vanity_hosts: tuple[str, ...] | list[str] = (),
        device_url_style: str = "request-uri",
    ) -> None:
        self.host = host
        self.port = port
        store = StateStore(state)
        self.engine = IdentityCenter(directory, store=store, clock=clock, device_url_style=device_url_style)
        self.admin_token = admin_token or admin_token_of(store)
        if tps_limit is not None:
            self.engine.faults.add({"tps_limit": tps_limit}, baseline=True)
        if latency_ms:
            self.engine.faults.add({"latency_ms": latency_ms}, baseline=True)
        self._vanity_hosts = tuple(vanity_hosts)
        self._allow_hosts = (*allow_hosts, *self._vanity_hosts)
        self._tls = tls
        self._tls_dir = Path(tls_dir) if tls_dir is not None else None
        self._made_tls_dir: str | None = None
        self.tls_files: TlsFiles | None = None
        self._access_log = access_log
        self._log_level = "info" if access_log and log_level == "warning" else log_level
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def start_url(self) -> str:
        return self.engine.start_url

    @property
    def region(self) -> str:
        return self.engine.region

    @property
    def base_url(self) -> str:
        wildcard = self.host in ("0.0.0.0", "::", "")  # noqa: S104 - comparing, not binding
        host = "127.0.0.1" if wildcard else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"{'https' if self._tls else 'http'}://{host}:{self.port}"

    @property
    def ca_file(self) -> str | None:
        """With ``tls``: the PEM file of the throwaway CA that signed the server's certificate."""
        return str(self.tls_files.ca_file) if self.tls_files is not None else None

    def vanity_start_url(self, host: str) -> str:
        """The start URL on vanity ``host`` that redirects to :attr:`start_url`."""
        return f"{self.base_url.split('://')[0]}://{host}:{self.port}{self.engine.start_path}"

    def start(self) -> EmulatorServer:
        from idc.emulator.app import allowed_hosts_for, create_app

        sock = listening_socket(self.host, self.port, hint="Pick another --port (0 picks a free one).")
        self._socket = sock
        self.port = sock.getsockname()[1]
        app = create_app(
            self.engine,
            admin_token=self.admin_token,
            allowed_hosts=allowed_hosts_for(self.host, self._allow_hosts),
            vanity_hosts=self._vanity_hosts,
        )
        tls_options: dict[str, Any] = {}
        if self._tls:
            self.tls_files = self._create_tls_files()
            tls_options = {"ssl_certfile": self.tls_files.cert_file, "ssl_keyfile": self.tls_files.key_file}
        self._server, self._thread, started = serve_in_thread(
            app,
            sock,
            thread_name=f"idc-emulator-{self.port}",
            log_level=self._log_level,
            access_log=self._access_log,
            graceful_shutdown=5,
            **tls_options,
        )
        if not started:
            self.stop()
            raise ConfigError(f"the emulator did not start on {self.base_url}")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.request_exit()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self.engine.close()
        if self._made_tls_dir is not None:
            shutil.rmtree(self._made_tls_dir, ignore_errors=True)
            self._made_tls_dir = None

    def _create_tls_files(self) -> TlsFiles:
        from idc.emulator.tls import create_tls_files

        directory = self._tls_dir
        if directory is None:
            self._made_tls_dir = tempfile.mkdtemp(prefix="idc-emulator-tls-")
            directory = Path(self._made_tls_dir)
        return create_tls_files(directory, self._vanity_hosts)

    def wait(self) -> None:
        """Block until the server thread ends (the foreground ``idc emulator`` uses this)."""
        thread = self._thread
        while thread is not None and thread.is_alive():
            thread.join(0.5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def admin_token_of(store: StateStore) -> str:
    """The admin token kept in the state: with ``--state`` the exported IDC_EMULATOR_ADMIN_TOKEN keeps
    working across restarts, as the sessions and tokens in that file do (in memory: new at each start)."""
    store.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('admin_token', ?)", (secrets.token_urlsafe(24),)
    )
    row = store.one("SELECT value FROM meta WHERE key = 'admin_token'")
    assert row is not None
    return str(row["value"])


def listening_socket(host: str, port: int, *, hint: str, name: str | None = None) -> socket.socket:
    """A non-blocking TCP socket bound on ``host:port`` (0: a free port) and listening, for
    :func:`serve_in_thread`; a port taken is a :class:`ConfigError` naming ``name`` (what it was for)
    with ``hint``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this: uvicorn writes a response's head and body separately, and
    # Nagle + delayed ACK would hold the body ~40 ms on every keep-alive request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        purpose = f" for {name}" if name else ""
        raise ConfigError(
            f"cannot listen on {host}:{port}{purpose}: {error.strerror or error}", hint=hint
        ) from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def serve_in_thread(
    app: Any,
    sock: socket.socket,
    *,
    thread_name: str,
    log_level: str,
    access_log: bool,
    graceful_shutdown: int,
    **options: Any,
) -> tuple[Any, threading.Thread, bool]:
    """uvicorn (:func:`server_class`) serving ``app`` on ``sock`` in a daemon thread: the server, the
    thread, and whether it started within 30 s (if not, the caller stops it and says so).

    ``options`` go to ``uvicorn.Config`` (the TLS files). No Date header: the app sends the emulator
    clock's (idc.emulator.app.DateHeader)."""
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=access_log,
        lifespan="off",
        timeout_keep_alive=30,
        timeout_graceful_shutdown=graceful_shutdown,
        server_header=False,
        date_header=False,
        **options,
    )
    server = server_class()(config)
    started = threading.Event()
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as error:  # surfaced by the caller
            failure.append(error)
        finally:
            started.set()

    thread = threading.Thread(target=serve, name=thread_name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not started.wait(0.01) and not server.started and time.monotonic() < deadline:
        pass
    return server, thread, not failure and bool(server.started)
