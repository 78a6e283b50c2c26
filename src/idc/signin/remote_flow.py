"""PKCE without a browser on this machine (``idc login --remote``): the user pastes back the redirect.

The authorization code grant of :mod:`idc.signin.pkce_flow` (RFC 6749 section 4.1, RFC 7636) with a
loopback ``redirect_uri`` as usual (RFC 8252 section 7.3), but nothing listens on it: the user opens the
printed URL in any browser, on any device, approves, and the browser is sent to
``http://127.0.0.1:PORT/oauth/callback?code=..&state=..``, which does not load (that is expected). The
user pastes that address (or just the ``code`` value) here. A pasted address must carry this flow's
``state`` (compared in constant time, as the listener does): one with another state (an older sign-in's
tab, a forged ``error=access_denied``) is not this sign-in's and gets one line and another try, as does
a paste that is not an address at all or a line longer than ``MAX_LINE``; a denial with this state ends
the login before any token exchange; the overall timeout ends an abandoned login. The code is
exchanged with the verifier (section 4.5).

Unlike the device code grant, the approval cannot be started by someone else and mailed to the user:
the code only works with the verifier that never leaves this process.
"""

from __future__ import annotations

import logging
import os
import re
import select
import socket
import time
from collections.abc import Callable, Sequence
from typing import TextIO
from urllib.parse import parse_qs, urlsplit

from idc.aws.oidc import OidcClient, RegisteredClient, TokenGrant
from idc.errors import LoginFailed
from idc.signin.loopback import CALLBACK_PATH, DEFAULT_OVERALL_TIMEOUT, judge_redirect
from idc.signin.pkce_flow import new_authorization_request

log = logging.getLogger(__name__)

PasteReader = Callable[[float], "str | None"]
"""Reads one pasted line, waiting at most the given seconds: the line, None at the timeout; EOFError at
the end of the input; BadPaste for a line longer than ``MAX_LINE`` (all of it is discarded)."""

PROMPT = "Address from the browser: "
_BARE_CODE = re.compile(r"[A-Za-z0-9._~+/=-]{16,4096}")
MAX_LINE = 64 * 1024
"""Bytes in a pasted line at most: the redirect address is a few hundred; no line is kept whole above it."""


class BadPaste(ValueError):
    """A pasted line that is neither the redirect address nor a code: the user gets another try."""


def code_from_paste(text: str, expected_state: str) -> str:
    """The authorization code in a pasted redirect address (or a bare code value).

    Raises :class:`BadPaste` for anything else (an address with another state included), and
    :class:`LoginFailed` when an address of this sign-in says it did not succeed (denied, an error).
    """
    text = text.strip()
    if not text:
        raise BadPaste("Nothing was pasted.")
    if not any(mark in text for mark in ("?", "&", "code=", "error=")) and _BARE_CODE.fullmatch(text):
        return text  # just the code value: the verifier still binds it to this flow
    query = urlsplit(text).query if "://" in text or text.startswith("/") else text.lstrip("?")
    try:
        params = parse_qs(query, keep_blank_values=True, strict_parsing=False, max_num_fields=32)
    except ValueError:
        params = {}
    if not (params.get("code") or params.get("error")):
        raise BadPaste("That is not the address the browser was sent to (it has no code).")
    verdict = judge_redirect(params, expected_state)
    if verdict.foreign:
        raise BadPaste(verdict.error or "That address is not from this sign-in.")
    if verdict.code is None:
        raise LoginFailed(verdict.error or "The sign-in did not complete.", hint="Run `idc login` again.")
    return verdict.code


def unused_loopback_port() -> int:
    """A port free on 127.0.0.1 now; nothing will listen on it (the redirect is pasted instead)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class FileLineReader:
    """A :data:`PasteReader` over a file descriptor (the terminal), with a deadline per read (select)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = b""
        self._overlong = False  # inside a line over MAX_LINE: discard up to its end

    def __call__(self, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while True:
            if b"\n" in self._buffer:
                line, _, self._buffer = self._buffer.partition(b"\n")
                if self._overlong or len(line) > MAX_LINE:
                    self._overlong = False
                    raise BadPaste(f"That line is longer than {MAX_LINE} bytes; it was ignored.")
                return line.decode("utf-8", "replace")
            if len(self._buffer) > MAX_LINE:
                self._buffer, self._overlong = b"", True  # never held whole, never judged in part
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._fd, 4096)
            if not chunk:
                if self._buffer and not self._overlong:
                    line, self._buffer = self._buffer, b""
                    return line.decode("utf-8", "replace")
                raise EOFError
            self._buffer += chunk


def show_remote_instructions(out: TextIO, url: str) -> None:
    out.write(
        "Browser will not be automatically opened.\n"
        "Open the following URL in a browser on any device and approve the request:\n"
        f"\n{url}\n"
        "\nThe browser is then sent to an address on 127.0.0.1 that does not load: that is expected.\n"
        "Copy that whole address from the address bar and paste it here (or paste just its code value).\n"
    )
    out.flush()


class RemotePkceFlow:
    """One run of the authorization code grant whose redirect the user pastes back."""

    def __init__(
        self,
        oidc: OidcClient,
        client: RegisteredClient,
        *,
        scopes: Sequence[str],
        out: TextIO,
        read_paste: PasteReader,
        timeout: float = DEFAULT_OVERALL_TIMEOUT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._oidc = oidc
        self._client = client
        self._scopes = tuple(scopes)
        self._out = out
        self._read_paste = read_paste
        self._timeout = timeout
        self._monotonic = monotonic
        self.bad_pastes = 0

    def run(self) -> TokenGrant:
        # Nothing listens there: the browser fails to load it, and the user pastes its address back.
        request = new_authorization_request(
            self._oidc,
            self._client,
            redirect_uri=f"http://127.0.0.1:{unused_loopback_port()}{CALLBACK_PATH}",
            scopes=self._scopes,
        )
        show_remote_instructions(self._out, request.url)
        code = self._wait_for_code(request.state)
        log.debug("authorization code pasted; exchanging it")
        return self._oidc.exchange_code(
            self._client, code=code, code_verifier=request.verifier, redirect_uri=request.redirect_uri
        )

    def _wait_for_code(self, state: str) -> str:
        deadline = self._monotonic() + self._timeout
        while True:
            self._out.write(PROMPT)
            self._out.flush()
            left = deadline - self._monotonic()
            try:
                line = self._read_paste(left) if left > 0 else None
            except BadPaste as problem:
                self._bad_paste(problem)
                continue
            except EOFError:
                raise LoginFailed(
                    "The input ended before the address from the browser was pasted.",
                    hint="Run `idc login --remote` again.",
                ) from None
            if line is None:
                self._out.write("\n")
                raise LoginFailed(
                    f"No address was pasted within {self._timeout:g} seconds; the login was abandoned.",
                    hint="Run `idc login --remote` again.",
                )
            try:
                return code_from_paste(line, state)
            except BadPaste as problem:
                self._bad_paste(problem)

    def _bad_paste(self, problem: BadPaste) -> None:
        self.bad_pastes += 1
        self._out.write(
            f"{problem} Paste the whole address that starts with http://127.0.0.1, or its code.\n"
        )
