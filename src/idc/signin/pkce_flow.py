"""The authorization code grant with PKCE (RFC 7636) and a loopback redirect (RFC 8252), as AWS CLI v2 does.

1. A verifier of 64 characters from ``[A-Za-z0-9-._~]`` (RFC 7636 section 4.1), its S256 challenge
   (section 4.2, base64url without padding), and a uuid4 ``state``.
2. The loopback listener binds 127.0.0.1 on an ephemeral port *before* the browser opens.
3. The browser opens ``{oidc endpoint}/authorize?response_type=code&client_id=..&redirect_uri=..&state=..
   &code_challenge_method=S256&scopes=..&code_challenge=..`` (the AWS CLI's parameter order and names).
4. The redirect brings ``code`` and ``state``; the state is compared in constant time; then CreateToken
   with the code and the verifier (section 4.5). A denial or a missing code aborts before
   any token exchange; so does the overall timeout (an abandoned login). A redirect with another state
   is not this sign-in's: the listener discards it and keeps waiting (RFC 6749 section 10.12).

The verifier never leaves this process except inside the CreateToken request body.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO
from urllib.parse import quote

from idc.aws.oidc import DEFAULT_PKCE_SCOPE, OidcClient, RegisteredClient, TokenGrant
from idc.signin.browser import BrowserOpener
from idc.signin.loopback import DEFAULT_OVERALL_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, CallbackListener

log = logging.getLogger(__name__)

_VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"
VERIFIER_LENGTH = 64


def new_code_verifier() -> str:
    """RFC 7636 section 4.1: a high-entropy verifier (64 characters, as the AWS CLI makes it)."""
    return "".join(secrets.choice(_VERIFIER_ALPHABET) for _ in range(VERIFIER_LENGTH))


def code_challenge(verifier: str) -> str:
    """RFC 7636 section 4.2, S256: BASE64URL(SHA256(ASCII(verifier))) without ``=`` padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def authorize_url(
    base: str,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    challenge: str,
    scopes: Sequence[str],
) -> str:
    """The authorize URL as AWS CLI v2 builds it (its parameter order; ``scopes`` space-joined)."""
    params = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("state", state),
        ("code_challenge_method", "S256"),
        ("scopes", " ".join(scopes) if scopes else DEFAULT_PKCE_SCOPE),
    ]
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in params)
    return f"{base}/authorize?{query}&code_challenge={challenge}"


@dataclass(frozen=True)
class AuthorizationRequest:
    """One authorization request (RFC 6749 section 4.1.1 with RFC 7636's S256 challenge).

    ``verifier`` is a secret: it goes only into the code exchange, never into output or logs.
    """

    url: str
    state: str
    verifier: str
    redirect_uri: str


def new_authorization_request(
    oidc: OidcClient,
    client: RegisteredClient,
    *,
    redirect_uri: str,
    scopes: Sequence[str],
    state: str | None = None,
) -> AuthorizationRequest:
    """A fresh verifier (and state, unless given), and the authorize URL carrying the challenge."""
    verifier = new_code_verifier()
    state = state or str(uuid.uuid4())
    url = authorize_url(
        oidc.authorize_base_url(),
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        state=state,
        challenge=code_challenge(verifier),
        scopes=scopes,
    )
    return AuthorizationRequest(url, state, verifier, redirect_uri)


def show_authorize_instructions(out: TextIO, url: str, *, opening: bool) -> None:
    """AWS CLI v2's text for the authorization code flow (no user code to show).

    Since 2.34.22 it names the device code flow for a URL that cannot be opened on this device.
    """
    if opening:
        out.write(
            "Attempting to open your default browser. If the browser does not open, open the following URL.\n"
            "If you are unable to open the URL on this device, run this command again with the "
            f"'--use-device-code' option.\n\n{url}\n\n"
        )
    else:
        out.write(f"Browser will not be automatically opened.\nPlease visit the following URL:\n\n{url}\n")
    out.flush()


class PkceFlow:
    """One run of the authorization code grant for a client registered with ``authorization_code``."""

    def __init__(
        self,
        oidc: OidcClient,
        client: RegisteredClient,
        *,
        scopes: Sequence[str],
        out: TextIO,
        opener: BrowserOpener | None,
        timeout: float = DEFAULT_OVERALL_TIMEOUT,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self._oidc = oidc
        self._client = client
        self._scopes = tuple(scopes)
        self._out = out
        self._opener = opener
        self._timeout = timeout
        self._request_timeout = request_timeout
        self.listener_address: tuple[str, int] | None = None

    def run(self) -> TokenGrant:
        state = str(uuid.uuid4())
        # Bind first: the browser may be quick, and a refused callback loses the login (aws-sso-cli #1441).
        with CallbackListener(state, request_timeout=self._request_timeout) as listener:
            self.listener_address = (listener.host, listener.port)
            request = new_authorization_request(
                self._oidc, self._client, redirect_uri=listener.redirect_uri, scopes=self._scopes, state=state
            )
            url = request.url
            show_authorize_instructions(self._out, url, opening=self._opener is not None)
            if self._opener is not None:
                try:
                    opened = self._opener(url)
                except Exception as error:  # the user can still open the URL by hand
                    log.debug("browser opener failed: %s", type(error).__name__)
                    opened = False
                if not opened:
                    self._out.write(
                        "\nThe browser could not be opened: open the URL above in a browser on this machine, "
                        "or press Ctrl-C and run `idc login --use-device-code`.\n"
                    )
                    self._out.flush()
            code = listener.wait(self._timeout)
        log.debug("authorization code received; exchanging it")
        return self._oidc.exchange_code(
            self._client, code=code, code_verifier=request.verifier, redirect_uri=request.redirect_uri
        )
