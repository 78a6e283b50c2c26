"""A container credentials endpoint: SDKs fetch role credentials that never go stale.

The AWS SDKs' container provider (botocore ``ContainerProvider``, Go ``endpointcreds``, JS
``fromHttp``) GETs ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` with ``AWS_CONTAINER_AUTHORIZATION_TOKEN`` as
the ``Authorization`` header and refreshes before the answer's ``Expiration``
(botocore ``credentials.ContainerProvider`` and ``utils.ContainerMetadataFetcher``). ``idc exec --server``
and ``idc serve`` answer it here:

- ``GET /credentials/<profile>``: ``{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}``,
  always with at least 15 minutes left: from memory when they have them, else from the
  AWS CLI's role cache (the standard library only), else through
  :func:`idc.credentials.role_credentials.get_role_credentials` (token refresh, single flight across
  processes, GetRoleCredentials), which is the only path that imports botocore. Within this process one
  thread per profile fetches; the others wait for its answer.
- Every request must carry the token (compared in constant time; 403 otherwise) and a Host header
  naming an IP literal or ``localhost`` (a DNS-rebinding page's Host names its own domain: 403).
- Errors are JSON with both spellings the SDKs read (``code``/``message`` for Go, ``Code``/``Message``
  for JS; botocore shows the body verbatim): an ended SSO session is 401 naming
  ``idc login --profile P``. Nothing is cached on failure, so the endpoint recovers by itself once the
  user signs in again.

Nothing secret is logged: the request line is not logged at all.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

from idc.credentials.hotpath import MIN_LIFETIME_S, CachedCredentials, cached_credentials
from idc.errors import ConfigError, IdcError, LoginRequired

log = logging.getLogger(__name__)

PATH_PREFIX = "/credentials/"
SHARED_FAILURE_S = 1.0
"""A failed fetch answers the requests that waited for it, for this long (fifty clients after an
ended session make one GetRoleCredentials, not fifty)."""

Fetch = Callable[[str], CachedCredentials]
"""Role credentials for a profile through the full path (may raise IdcError)."""


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
        sso = load_config(locations).resolve_sso(profile)
        role = get_role_credentials(
            sso,
            locations=locations,
            client_factory=BotocoreClientFactory(profile=sso.profile_name, verify=verify),
        )
        return CachedCredentials(
            role.access_key_id, role.secret_access_key, role.session_token, role.expiration, sso.region
        )

    return fetch


class ProfileSource:
    """One profile's credentials: memory first, one fetch at a time, failures shared briefly."""

    def __init__(self, profile: str, fetch: Fetch, clock: Callable[[], float] = time.time) -> None:
        self.profile = profile
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._current: CachedCredentials | None = None
        self._failure: tuple[float, IdcError] | None = None

    def _fresh(self) -> CachedCredentials | None:
        current = self._current
        if current is not None and current.expiration.timestamp() - self._clock() >= MIN_LIFETIME_S:
            return current
        return None

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
            try:
                self._current = self._fetch(self.profile)
            except IdcError as error:
                self._failure = (self._clock(), error)
                raise
            self._failure = None
            return self._current


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
    them altogether.
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
    ) -> None:
        self.token = token or new_token()
        fetcher = fetch or full_path_fetch(verify=verify)
        self.sources = {name: ProfileSource(name, fetcher) for name in profiles}
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url_for(self, profile: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if host in ("0.0.0.0", "[::]"):  # noqa: S104 - naming, not binding
            host = "127.0.0.1"
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

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def answer(self, path: str, host: str, authorization: str) -> tuple[int, bytes]:
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


def _handler_for(server: CredentialsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: SDKs reuse the connection
        # Headers and body go out as two writes: without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK hold the body back ~40 ms on a kept-alive connection.
        disable_nagle_algorithm = True
        server_version = "idc"
        sys_version = ""

        def do_GET(self) -> None:
            status, body = server.answer(
                self.path, self.headers.get("Host", ""), self.headers.get("Authorization", "")
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
