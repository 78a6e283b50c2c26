"""A container credentials endpoint: SDKs fetch role credentials that never go stale.

The AWS SDKs' container provider (botocore ``ContainerProvider``, Go ``endpointcreds``, JS
``fromHttp``) GETs ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` with ``AWS_CONTAINER_AUTHORIZATION_TOKEN`` as
the ``Authorization`` header and refreshes before the answer's ``Expiration``
(botocore ``credentials.ContainerProvider`` and ``utils.ContainerMetadataFetcher``). ``idc exec --server``
and ``idc serve`` answer it here:

- ``GET /credentials/<profile>``: ``{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}``,
  always with at least 15 minutes left: from memory when they have them and the AWS CLI's role cache
  file has not changed since (another process's ``idc credentials --refresh``, ``idc login`` or
  ``aws`` rewrote it: one ``stat`` per request tells), else from that role cache (the standard
  library only), else through
  :func:`idc.credentials.role_credentials.get_role_credentials` (token refresh, single flight across
  processes, GetRoleCredentials), which is the only path that imports botocore. Within this process one
  thread per profile fetches; the others wait for its answer.
- Every request must carry the token (compared in constant time; 403 otherwise) and a Host header
  naming an IP literal or ``localhost`` (a DNS-rebinding page's Host names its own domain: 403).
- Errors are JSON with both spellings the SDKs read (``code``/``message`` for Go, ``Code``/``Message``
  for JS; botocore shows the body verbatim): an ended SSO session is 401 naming
  ``idc login --profile P``. Nothing is cached on failure, so the endpoint recovers by itself once the
  user signs in again.

- Bursts: the listen queue holds :data:`BACKLOG` connections (Python's default of 5 drops the SYNs of
  a burst, which clients without retries see as a 1, 3, 7... second stall) and at most
  :data:`MAX_THREADS` connections are served at once; a kept-alive connection idle for
  :data:`IDLE_TIMEOUT_S` is closed, so idle clients cannot hold every thread.
- It listens on IPv4 or IPv6 (``--host ::1``): botocore's container provider accepts any loopback
  address, ``http://[::1]:PORT/...`` included (``ContainerMetadataFetcher._validate_allowed_url``).

Nothing secret is logged: the request line is not logged at all.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import secrets
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, unquote

from idc.credentials.hotpath import (
    MIN_LIFETIME_S,
    CachedCredentials,
    cached_credentials,
    config_file_path,
    role_cache_file,
)
from idc.errors import ConfigError, IdcError, LoginRequired

log = logging.getLogger(__name__)

PATH_PREFIX = "/credentials/"
SHARED_FAILURE_S = 1.0
"""A failed fetch answers the requests that waited for it, for this long (fifty clients after an
ended session make one GetRoleCredentials, not fifty)."""

BACKLOG = 1024
"""The listen queue (the kernel caps it at ``net.core.somaxconn``, 4096 on Linux since 5.4)."""
MAX_THREADS = 64
"""Connections served at once; the others wait in the listen queue, not in threads of their own."""
IDLE_TIMEOUT_S = 5.0
"""A kept-alive connection that sends nothing for this long is closed, freeing its thread (SDKs
reconnect: they ask once per credentials generation)."""

Fetch = Callable[[str], CachedCredentials]
"""Role credentials for a profile through the full path (may raise IdcError)."""
Stamp = Callable[[str], Hashable]
"""What changes when another process rewrites a profile's credentials (see :class:`RoleCacheStamp`)."""


def new_token() -> str:
    """A fresh authorization token: 256 random bits."""
    return secrets.token_urlsafe(32)


def full_path_fetch(environ: Mapping[str, str] | None = None, *, verify: bool | str | None = None) -> Fetch:
    """The default :data:`Fetch`: the role cache, else ``get_role_credentials`` (imports botocore).

    ``verify`` (:data:`idc.aws.tls.Verify`: ``--ca-bundle`` / ``--no-verify-ssl``) is the trust of every
    call a fetch makes: the token refresh (CreateToken) and GetRoleCredentials alike.
    """
    env = os.environ if environ is None else environ

    def fetch(profile: str) -> CachedCredentials:
        cached = cached_credentials(profile, env)
        if cached is not None:
            return cached
        from idc.aws.clients import BotocoreClientFactory
        from idc.config import load_config
        from idc.credentials.role_credentials import get_role_credentials
        from idc.storage.locations import Locations

        locations = Locations.from_environ()
        config = load_config(locations)
        from idc.credentials.chain import chained_credentials, is_role_profile, never_ask, resolve_chain

        if is_role_profile(config.profiles.get(profile, {})):
            chain = resolve_chain(config, profile)
            assumed = chained_credentials(
                chain, config=config, locations=locations, verify=verify, mfa_prompt=never_ask
            )
            return CachedCredentials(
                assumed.access_key_id,
                assumed.secret_access_key,
                assumed.session_token,
                assumed.expiration,
                chain.region,
            )
        sso = config.resolve_sso(profile)
        role = get_role_credentials(
            sso,
            locations=locations,
            client_factory=BotocoreClientFactory(profile=sso.profile_name, verify=verify),
        )
        return CachedCredentials(
            role.access_key_id, role.secret_access_key, role.session_token, role.expiration, sso.region
        )

    return fetch


def _file_stamp(path: str | None) -> tuple[int, int, int, int] | None:
    if path is None:
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


class RoleCacheStamp:
    """The default :data:`Stamp`: (inode, size, mtime, ctime) of the config file and of the profile's
    role cache file (the AWS CLI's ``~/.aws/cli/cache/<key>.json``).

    Every writer of that file (``idc credentials --refresh`` in another shell, ``idc exec``, the AWS
    CLI) changes its inode (idc renames a new file into place) or its size and times (botocore's
    ``JSONFileCache`` rewrites it in place), and ``idc logout`` removes it: two ``stat`` calls per
    request notice it, where the credentials in memory would otherwise be served until they are due
    for refresh (45 minutes after an early revocation). The file's path is worked out again only when
    the config file changes.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self._paths: dict[str, tuple[Hashable, str | None]] = {}

    def __call__(self, profile: str) -> Hashable:
        config = _file_stamp(config_file_path(self._environ))
        known = self._paths.get(profile)
        if known is None or known[0] != config:
            located = role_cache_file(profile, self._environ)
            known = (config, located[0] if located is not None else None)
            self._paths[profile] = known
        return config, _file_stamp(known[1])


class ProfileSource:
    """One profile's credentials: memory first, one fetch at a time, failures shared briefly.

    With ``stamp``, the credentials in memory are only served while ``stamp(profile)`` is what it was
    before they were fetched.
    """

    def __init__(
        self,
        profile: str,
        fetch: Fetch,
        clock: Callable[[], float] = time.time,
        stamp: Stamp | None = None,
        renew_below: Callable[[float], float] | None = None,
    ) -> None:
        self.profile = profile
        self._fetch = fetch
        self._clock = clock
        self._stamp = stamp
        # Seconds of life below which the session is fetched again, from the lifetime it was fetched
        # with: botocore's 15 minutes by default; less for short narrowed sessions (idc.credentials.narrowed).
        self._renew_below = renew_below or (lambda lifetime: MIN_LIFETIME_S)
        self._lock = threading.Lock()
        self._current: CachedCredentials | None = None
        self._current_stamp: Hashable = None
        self._threshold = float(MIN_LIFETIME_S)
        self._failure: tuple[float, IdcError] | None = None

    def _fresh(self) -> CachedCredentials | None:
        current = self._current
        if current is None or current.expiration.timestamp() - self._clock() < self._threshold:
            return None
        if self._stamp is not None and self._stamp(self.profile) != self._current_stamp:
            return None  # another process wrote new credentials (or removed them): read them
        return current

    def get(self) -> CachedCredentials:
        """Credentials with at least 15 minutes left; raises IdcError (LoginRequired...) otherwise."""
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        asked_at = self._clock()
        with self._lock:
            fresh = self._fresh()
            if fresh is not None:
                return fresh
            failure = self._failure
            if failure is not None and failure[0] >= asked_at - SHARED_FAILURE_S:
                raise failure[1]
            # Stamped before the fetch: a write during it (this fetch's own, or another process's)
            # shows as a change, and the next request reads the file again rather than miss one.
            stamp = self._stamp(self.profile) if self._stamp is not None else None
            try:
                fetched_at = self._clock()
                current = self._fetch(self.profile)
            except IdcError as error:
                self._failure = (self._clock(), error)
                raise
            self._threshold = self._renew_below(current.expiration.timestamp() - fetched_at)
            self._current = current
            self._current_stamp = stamp
            self._failure = None
            return current


def credentials_json(credentials: CachedCredentials) -> bytes:
    """The container endpoint's answer (``Expiration`` in RFC 3339, UTC)."""
    return json.dumps(
        {
            "AccessKeyId": credentials.access_key_id,
            "SecretAccessKey": credentials.secret_access_key,
            "Token": credentials.session_token,
            "Expiration": credentials.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    ).encode()


def error_json(code: str, message: str) -> bytes:
    """Both spellings: Go's endpointcreds reads ``code``/``message``, JS v3 ``Code``/``Message``."""
    return json.dumps({"code": code, "message": message, "Code": code, "Message": message}).encode()


def _host_allowed(host: str) -> bool:
    """Host names an IP literal or localhost: a rebinding page's requests carry its own domain."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class CredentialsServer:
    """The endpoint on ``host``:``port`` (0: a random port), serving ``profiles`` with ``token``.

    ``verify`` is the TLS trust of its calls to AWS (see :func:`full_path_fetch`); ``fetch`` replaces
    them altogether. ``host`` may be an IPv6 address (``::1``). ``stamp`` (default: a
    :class:`RoleCacheStamp` when ``fetch`` is the default) tells when credentials in memory were
    replaced by another process.
    """

    def __init__(
        self,
        profiles: Iterable[str],
        *,
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        fetch: Fetch | None = None,
        verify: bool | str | None = None,
        stamp: Stamp | None = None,
        renew_below: Callable[[float], float] | None = None,
        audit: Callable[[str, str, int, str | None], None] | None = None,
    ) -> None:
        self.token = token or new_token()
        if fetch is None:
            fetch = full_path_fetch(verify=verify)
            stamp = stamp or RoleCacheStamp()
        self.sources = {
            name: ProfileSource(name, fetch, stamp=stamp, renew_below=renew_below) for name in profiles
        }
        self.audit = audit  # (profile, caller address, status, access key id handed out or None)
        host = host.strip("[]")
        try:
            self._httpd = _EndpointHTTPServer((host, port), _handler_for(self))
        except OSError as error:
            # One failure, one exit code: `idc emulator` says the same of a port in use (exit 3).
            where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            raise ConfigError(
                f"cannot listen on {where}: {error.strerror or error}",
                hint="Pick another --port (0 picks a free one)." if port else None,
            ) from None
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def address(self) -> str:
        """``host:port`` as a URL writes it (``[::1]:8080``)."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def url_for(self, profile: str) -> str:
        """The URL an SDK on this machine uses (a wildcard address is reached through loopback)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)  # noqa: S104 - naming
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}{PATH_PREFIX}{quote(profile, safe='')}"

    def environment(self, profile: str) -> dict[str, str]:
        """What an SDK needs to use this endpoint for ``profile``."""
        return {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url_for(profile),
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": self.token,
        }

    def prime(self, profile: str) -> None:
        """Fetch ``profile``'s credentials now, so a login problem shows before anything runs."""
        self.sources[profile].get()

    def start(self) -> CredentialsServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="idc-credentials", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def close(self) -> None:
        """Stop listening, for a server that was never started."""
        self._httpd.server_close()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def answer(self, path: str, host: str, authorization: str, client: str = "") -> tuple[int, bytes]:
        """(status, JSON body) for one GET, recorded in the audit log when there is one."""
        status, body, profile, key = self._answer(path, host, authorization)
        if self.audit is not None:
            self.audit(profile, client, status, key)
        return status, body

    def _answer(self, path: str, host: str, authorization: str) -> tuple[int, bytes, str, str | None]:
        profile, key = "", None
        status, body = self._protocol(path, host, authorization)
        if path.startswith(PATH_PREFIX):
            profile = unquote(path[len(PATH_PREFIX) :].split("?", 1)[0])
        if status == 200:
            key = str(json.loads(body)["AccessKeyId"])
        return status, body, profile, key

    def _protocol(self, path: str, host: str, authorization: str) -> tuple[int, bytes]:
        """(status, JSON body) for one GET: the whole protocol, without HTTP."""
        if not _host_allowed(host):
            return 403, error_json("AccessDenied", "Host header not allowed")
        if not hmac.compare_digest(authorization.encode(), self.token.encode()):
            return 403, error_json("AccessDenied", "invalid Authorization token")
        if not path.startswith(PATH_PREFIX):
            return 404, error_json("NotFound", f"use {PATH_PREFIX}<profile>")
        profile = unquote(path[len(PATH_PREFIX) :].split("?", 1)[0])
        source = self.sources.get(profile)
        if source is None:
            return 404, error_json("NotFound", f"this server does not serve profile {profile!r}")
        try:
            credentials = source.get()
        except LoginRequired as ended:
            return 401, error_json("LoginRequired", str(ended))
        except ConfigError as bad:
            return 400, error_json("ConfigError", str(bad))
        except IdcError as failed:
            return 503, error_json(type(failed).__name__, str(failed))
        return 200, credentials_json(credentials)


class _EndpointHTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` with a deep listen queue, a cap on threads, and IPv6."""

    request_queue_size = BACKLOG
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self._slots = threading.BoundedSemaphore(MAX_THREADS)
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host's name up (socket.getfqdn), which can wait on DNS
        # for an address /etc/hosts does not list; nothing here uses that name.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        # Waiting here, in the accepting thread, leaves the next connections in the listen queue.
        self._slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def _handler_for(server: CredentialsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: SDKs reuse the connection
        timeout = IDLE_TIMEOUT_S  # a kept-alive connection's wait for its next request
        # Headers and body go out as two writes: without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK hold the body back ~40 ms on a kept-alive connection.
        disable_nagle_algorithm = True
        server_version = "idc"
        sys_version = ""

        def do_GET(self) -> None:
            status, body = server.answer(
                self.path,
                self.headers.get("Host", ""),
                self.headers.get("Authorization", ""),
                f"{self.client_address[0]}:{self.client_address[1]}",
            )
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Silence: http.server logs every request line to stderr."""

    return Handler
