"""What the page tests (PageApprover's and Chromium's) share: a client starting a device or PKCE sign-in
as the AWS CLI does, polling for the token, and a real loopback listener for the PKCE redirect."""

from __future__ import annotations

import http.server
import secrets
import threading
import time
import urllib.parse
from typing import Any

from emulator_clients import DEVICE_GRANT, authorize_url, make_clients, pkce_pair, register_pkce_client


def oidc_client(emulator: Any) -> Any:
    """A boto3 sso-oidc client on the emulator."""
    return make_clients(emulator).oidc


def start_device(
    emulator: Any, name: str, scopes: list[str] | None = None
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """RegisterClient + StartDeviceAuthorization: (oidc client, client, device authorization)."""
    oidc = oidc_client(emulator)
    extra = {} if scopes is None else {"scopes": scopes}
    client = oidc.register_client(clientName=name, clientType="public", **extra)
    auth = oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=emulator.start_url
    )
    return oidc, client, auth


def poll_token(emulator: Any, oidc: Any, client: dict[str, Any], auth: dict[str, Any]) -> dict[str, Any]:
    """CreateToken as the AWS CLI polls it; the emulator's clock stands in for waiting out the interval."""
    for _ in range(10):
        try:
            token: dict[str, Any] = oidc.create_token(
                clientId=client["clientId"],
                clientSecret=client["clientSecret"],
                grantType=DEVICE_GRANT,
                deviceCode=auth["deviceCode"],
            )
            return token
        except (oidc.exceptions.AuthorizationPendingException, oidc.exceptions.SlowDownException):
            emulator.advance_clock(auth.get("interval", 1) + 5)
            time.sleep(0.05)
    raise AssertionError("the device authorization never completed")


class CallbackListener:
    """A real loopback HTTP listener on 127.0.0.1, port 0, like the one a client runs for PKCE."""

    def __init__(self, status: int = 200) -> None:
        self.received: list[dict[str, str]] = []
        received = self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                if parts.path == "/oauth/callback":
                    received.append(dict(urllib.parse.parse_qsl(parts.query)))
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(b"<!doctype html><html lang=en><title>Done</title><h1>Signed in</h1>")

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.redirect_uri = f"http://127.0.0.1:{self.port}/oauth/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def pkce_request(
    emulator: Any, listener: CallbackListener, session_name: str
) -> tuple[Any, dict[str, Any], str, str, str]:
    """RegisterClient and the /authorize URL exactly as AWS CLI v2 builds them:
    (oidc client, client, URL, verifier, state)."""
    aws = make_clients(emulator)
    client = register_pkce_client(aws, session_name)
    verifier, challenge = pkce_pair()
    state = secrets.token_hex(16)
    url = authorize_url(aws, client["clientId"], listener.port, challenge, state)
    return aws.oidc, client, url, verifier, state
