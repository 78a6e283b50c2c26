"""The loopback redirect listener of the authorization code flow (RFC 8252 sections 7.3 and 8.3).

:class:`CallbackListener` binds ``127.0.0.1`` on an ephemeral port when it is created, so the port is
known (and listening) before the browser opens; it is never reachable from other interfaces (AWS CLI v2
binds all of them). It serves ``/oauth/callback`` once:

- ``?code=..&state=..`` with the expected state (compared in constant time): the code is handed over;
- ``?error=..`` or no code, with the expected state: the flow aborts, no token exchange happens;
- a wrong or missing state is not this sign-in's redirect (a stray page, another tab, a forged
  ``?error=access_denied``): it is discarded with a 400 and the listener keeps waiting, so nobody but
  the authorization server's redirect can end the sign-in (RFC 6749 section 10.12);
- anything else (``/favicon.ico``, probes) gets a 404 and the listener keeps waiting.

Each connection is served on its own thread with a read timeout, so a browser's idle pre-connection
cannot stall the callback. :meth:`CallbackListener.wait` ends at an overall deadline (AWS CLI: 600 s).
"""

from __future__ import annotations

import hmac
import html
import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from idc.errors import LoginFailed

log = logging.getLogger(__name__)

CALLBACK_PATH = "/oauth/callback"
REDIRECT_URI_WITHOUT_PORT = f"http://127.0.0.1{CALLBACK_PATH}"
"""What the client registers (``redirectUris``); the server accepts any port for loopback redirects."""

DEFAULT_OVERALL_TIMEOUT = 600.0
DEFAULT_REQUEST_TIMEOUT = 10.0

FOREIGN_REDIRECT = "That address is not from this sign-in (its state does not match); it was ignored."

_DONE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:4em auto;max-width:32em;color:#222}}</style>
</head><body><h1>{title}</h1><p>{text}</p></body></html>
"""


@dataclass(frozen=True)
class CallbackResult:
    """What the browser brought back: a code with a matching state, or the reason there is none."""

    code: str | None
    error: str | None = None
    foreign: bool = False
    """The state is not this sign-in's: the redirect is discarded, the sign-in goes on."""


def judge_redirect(params: dict[str, list[str]], expected_state: str) -> CallbackResult:
    """The verdict on a redirect's query (RFC 6749 section 4.1.2): the code, or why there is none.

    The state is compared in constant time, first: a redirect with a wrong or missing state is
    ``foreign`` (not this sign-in's, whatever it says, RFC 6749 section 10.12); with the right state
    an error or a missing code means no code is handed over.
    """
    state = (params.get("state") or [""])[0]
    error = (params.get("error") or [""])[0]
    code = (params.get("code") or [""])[0]
    state_ok = bool(state) and hmac.compare_digest(state.encode(), expected_state.encode())
    if not state_ok:
        return CallbackResult(None, FOREIGN_REDIRECT, foreign=True)
    if error:
        # error values are OAuth's fixed vocabulary; anything else is shown as a generic failure.
        shown = error if error.replace("_", "").isalnum() and len(error) < 40 else "unknown_error"
        if shown == "access_denied":
            return CallbackResult(None, "The sign-in request was denied in the browser.")
        return CallbackResult(None, f"The sign-in page returned the error {shown}.")
    if not code:
        return CallbackResult(None, "The sign-in redirect carried no authorization code.")
    return CallbackResult(code)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Never SO_REUSEADDR-share a port someone else might be listening on.
    allow_reuse_address = False

    def __init__(self, listener: CallbackListener, request_timeout: float) -> None:
        self.listener = listener
        self.request_timeout = request_timeout
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def setup(self) -> None:
        # Idle connections (a browser's speculative pre-connect) time out instead of holding a thread.
        self.request.settimeout(self.server.request_timeout)
        super().setup()

    def version_string(self) -> str:
        return "idc"

    def log_message(self, format: str, *args: Any) -> None:
        # The request line holds the authorization code: never log it.
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self.server.listener.stray_requests += 1
            self._page(404, "Not found", "This address only receives the sign-in redirect.")
            return
        params = parse_qs(parts.query, keep_blank_values=True)
        outcome = self.server.listener._deliver(params)
        if outcome.foreign:
            self._page(400, "Not this sign-in", f"{outcome.error} idc is still waiting for its sign-in.")
        elif outcome.code is not None:
            self._page(200, "Signed in", "idc has your sign-in. You can close this window.")
        else:
            text = f"{outcome.error} Return to the terminal. You can close this window."
            self._page(400, "Sign-in did not complete", text)

    def do_POST(self) -> None:
        self._page(405, "Method not allowed", "This address only receives the sign-in redirect.")

    def _page(self, status: int, title: str, text: str) -> None:
        body = _DONE_PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class CallbackListener:
    """Listens on ``127.0.0.1:<ephemeral>`` for the redirect carrying ``code`` and ``state``.

    Bound on construction; use as a context manager (or call :meth:`close`).
    """

    def __init__(
        self,
        expected_state: str,
        *,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self._expected_state = expected_state
        self.stray_requests = 0
        self._result: CallbackResult | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        try:
            self._server = _Server(self, request_timeout)
        except OSError as error:
            raise LoginFailed(
                f"Could not listen on 127.0.0.1 for the sign-in redirect ({error.strerror}).",
                hint="Run `idc login --use-device-code` instead.",
            ) from None
        self._thread = threading.Thread(target=self._serve, name="idc-callback", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        # A short poll keeps close() prompt.
        self._server.serve_forever(poll_interval=0.05)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def redirect_uri(self) -> str:
        """The redirect URI with the bound port, as sent in the authorize URL and to CreateToken."""
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    def _deliver(self, params: dict[str, list[str]]) -> CallbackResult:
        """Judge one callback request (called on a server thread); the first verdict is final."""
        result = judge_redirect(params, self._expected_state)
        if result.foreign:
            log.debug("a redirect with another state arrived; ignored")
            with self._lock:
                self.stray_requests += 1
            return result
        with self._lock:
            if self._result is None:
                self._result = result
                self._done.set()
            else:
                # A second callback after the verdict: report what was decided, change nothing.
                return CallbackResult(None, "This sign-in has already completed.") if result.code else result
        return result

    def wait(self, timeout: float = DEFAULT_OVERALL_TIMEOUT) -> str:
        """Block until the callback arrives; return the authorization code.

        Raises :class:`LoginFailed` for a denial, a missing code, or when ``timeout``
        seconds pass without a callback (an abandoned login).
        """
        if not self._done.wait(timeout):
            raise LoginFailed(
                f"No sign-in arrived from the browser within {timeout:g} seconds; the login was abandoned.",
                hint="Run `idc login` again (add --use-device-code to sign in on another device).",
            )
        result = self._result
        assert result is not None
        if result.code is None:
            raise LoginFailed(result.error or "The sign-in did not complete.", hint="Run `idc login` again.")
        return result.code

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> CallbackListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
