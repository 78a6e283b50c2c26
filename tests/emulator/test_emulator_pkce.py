"""Authorization code + PKCE (RFC 6749 section 4.1, RFC 7636, RFC 8252) as AWS CLI v2 runs it."""

from __future__ import annotations

import http.server
import threading
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from emulator_clients import Clients, authorize_url, pkce_pair, register_pkce_client

from idc.emulator.page_approver import PageApprover
from idc.emulator.service_errors import AuthorizeError


class _Listener:
    """A loopback redirect listener like the AWS CLI's: records the query of /oauth/callback."""

    def __init__(self) -> None:
        received: list[dict[str, list[str]]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/oauth/callback":
                    received.append(parse_qs(parts.query))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"You can close this window.")

            def log_message(self, *args: Any) -> None:
                pass

        self.received = received
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def listener() -> Iterator[_Listener]:
    running = _Listener()
    yield running
    running.server.shutdown()
    running.server.server_close()


def _signed_in(aws: Clients, username: str = "demo") -> str:
    engine = aws.emulator.engine
    return str(engine.create_user_session(engine.authenticate(username, username)))


def _code_for(aws: Clients, client: dict[str, Any], challenge: str, port: int = 50123) -> tuple[str, str]:
    """(code, redirect_uri) through the engine's page-facing /authorize calls."""
    engine = aws.emulator.engine
    url = authorize_url(aws, client["clientId"], port, challenge, "st-1")
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    request = engine.begin_authorize(params)
    assert request.client_name == "botocore-client-my-sso"
    location = engine.finish_authorize(request, _signed_in(aws), True)
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["st-1"]
    return query["code"][0], params["redirect_uri"]


def test_complete_pkce_flow_through_the_pages(aws: Clients, listener: _Listener) -> None:
    client = register_pkce_client(aws)
    assert client["authorizationEndpoint"] == f"{aws.emulator.base_url}/authorize"
    verifier, challenge = pkce_pair()
    state = str(uuid.uuid4())
    approver = PageApprover()
    assert approver(authorize_url(aws, client["clientId"], listener.port, challenge, state))
    approver.wait(30)
    assert len(listener.received) == 1
    query = listener.received[0]
    assert query["state"] == [state]
    token = aws.oidc.create_token(
        grantType="authorization_code",
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        redirectUri=f"http://127.0.0.1:{listener.port}/oauth/callback",
        codeVerifier=verifier,
        code=query["code"][0],
    )
    assert token["refreshToken"] and token["expiresIn"] == 3600
    roles = aws.sso.list_account_roles(accessToken=token["accessToken"], accountId="123456789012")
    assert roles["roleList"] == [{"roleName": "AdministratorAccess", "accountId": "123456789012"}]


def test_deny_redirects_with_access_denied_and_state(aws: Clients) -> None:
    client = register_pkce_client(aws)
    _, challenge = pkce_pair()
    engine = aws.emulator.engine
    url = authorize_url(aws, client["clientId"], 40000, challenge, "s-9")
    request = engine.begin_authorize({k: v[0] for k, v in parse_qs(urlsplit(url).query).items()})
    location = engine.finish_authorize(request, _signed_in(aws), False)
    assert location.startswith("http://127.0.0.1:40000/oauth/callback?")
    query = parse_qs(urlsplit(location).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["s-9"] and "code" not in query


# (id, /authorize overrides, a redirect back to the client?, error code in that redirect)
AUTHORIZE_ERRORS = [
    ("plain-method-refused", {"code_challenge_method": "plain"}, True, "invalid_request"),
    ("missing-method", {"code_challenge_method": ""}, True, "invalid_request"),
    ("short-challenge", {"code_challenge": "abc"}, True, "invalid_request"),
    ("token-response-type", {"response_type": "token"}, True, "unsupported_response_type"),
    ("unregistered-scope", {"scopes": "sso:account:access openid"}, True, "invalid_scope"),
    ("unknown-client", {"client_id": "nobody"}, False, None),
    ("other-host", {"redirect_uri": "http://evil.example:8080/oauth/callback"}, False, None),
    ("other-path", {"redirect_uri": "http://127.0.0.1:8080/elsewhere"}, False, None),
    ("https-loopback", {"redirect_uri": "https://127.0.0.1:8080/oauth/callback"}, False, None),
    ("userinfo", {"redirect_uri": "http://a@127.0.0.1:8080/oauth/callback"}, False, None),
]


@pytest.mark.parametrize(
    ("override", "redirects", "error"),
    [pytest.param(o, r, e, id=i) for i, o, r, e in AUTHORIZE_ERRORS],
)
def test_authorize_rejects(
    aws: Clients, override: dict[str, str], redirects: bool, error: str | None
) -> None:
    client = register_pkce_client(aws)
    _, challenge = pkce_pair()
    url = authorize_url(aws, client["clientId"], 40001, challenge, "s-1", **override)
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
    with pytest.raises(AuthorizeError) as failure:
        aws.emulator.engine.begin_authorize(params)
    if redirects:
        assert failure.value.redirect is not None
        query = parse_qs(urlsplit(failure.value.redirect).query)
        assert query["error"] == [error] and query["state"] == ["s-1"]
    else:
        assert failure.value.redirect is None


def test_device_only_client_cannot_use_authorize(aws: Clients) -> None:
    client = aws.register(scopes=["sso:account:access"], redirectUris=["http://127.0.0.1/oauth/callback"])
    _, challenge = pkce_pair()
    url = authorize_url(aws, client["clientId"], 40002, challenge, "s")
    with pytest.raises(AuthorizeError) as failure:
        aws.emulator.engine.begin_authorize({k: v[0] for k, v in parse_qs(urlsplit(url).query).items()})
    assert failure.value.redirect is not None and "unauthorized_client" in failure.value.redirect


def _exchange(aws: Clients, client: dict[str, Any], code: str, redirect_uri: str, verifier: str) -> Any:
    return aws.oidc.create_token(
        grantType="authorization_code",
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        redirectUri=redirect_uri,
        codeVerifier=verifier,
        code=code,
    )


@pytest.mark.parametrize(
    "mutation",
    [
        "wrong-verifier",
        "wrong-redirect-port",
        "other-client",
        "expired-code",
        "unknown-code",
        "verifier-is-challenge",
    ],
)
def test_token_exchange_rejects(aws: Clients, mutation: str) -> None:
    client = register_pkce_client(aws)
    verifier, challenge = pkce_pair()
    code, redirect_uri = _code_for(aws, client, challenge)
    if mutation == "wrong-verifier":
        verifier = pkce_pair()[0]
    elif mutation == "verifier-is-challenge":  # what a `plain` client would send
        verifier = challenge
    elif mutation == "wrong-redirect-port":
        redirect_uri = redirect_uri.replace("50123", "50124")
    elif mutation == "other-client":
        client = register_pkce_client(aws, "other")
    elif mutation == "expired-code":
        aws.emulator.advance_clock(301)
    elif mutation == "unknown-code":
        code = code[::-1]
    with pytest.raises(aws.oidc.exceptions.InvalidGrantException):
        _exchange(aws, client, code, redirect_uri, verifier)


def test_code_is_single_use_and_replay_revokes_its_tokens(aws: Clients) -> None:
    client = register_pkce_client(aws)
    verifier, challenge = pkce_pair()
    code, redirect_uri = _code_for(aws, client, challenge)
    token = _exchange(aws, client, code, redirect_uri, verifier)
    aws.sso.list_accounts(accessToken=token["accessToken"])
    with pytest.raises(aws.oidc.exceptions.InvalidGrantException):
        _exchange(aws, client, code, redirect_uri, verifier)
    with pytest.raises(aws.sso.exceptions.UnauthorizedException):
        aws.sso.list_accounts(accessToken=token["accessToken"])
    with pytest.raises(aws.oidc.exceptions.InvalidGrantException):
        aws.oidc.create_token(
            grantType="refresh_token",
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            refreshToken=token["refreshToken"],
        )


def test_wrong_client_secret_is_invalid_client(aws: Clients) -> None:
    client = register_pkce_client(aws)
    verifier, challenge = pkce_pair()
    code, redirect_uri = _code_for(aws, client, challenge)
    with pytest.raises(aws.oidc.exceptions.InvalidClientException) as failure:
        _exchange(aws, {**client, "clientSecret": "x" * 40}, code, redirect_uri, verifier)
    assert failure.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401
    assert failure.value.response["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("issuer", "accepted"),
    [
        ("{start}", True),
        ("{start}/", True),
        ("{start}#/", True),
        ("{start}/#/", True),
        ("https://d-0000000001.awsapps.com/start", False),
        ("{start}x", False),
        ("http://d-0000000000.awsapps.com/start", False),
    ],
    ids=["exact", "slash", "hash", "slash-hash", "other-instance", "typo", "http"],
)
def test_register_client_refuses_a_start_url_it_does_not_serve(
    aws: Clients, issuer: str, accepted: bool
) -> None:
    """``issuerUrl`` is the start URL (the AWS CLI's authorization code registration); a typo fails here,
    as it fails at StartDeviceAuthorization, with InvalidRequestException (the emulator's own choice)."""
    fields = {
        "clientName": "botocore-client-my-sso",
        "clientType": "public",
        "grantTypes": ["authorization_code", "refresh_token"],
        "redirectUris": ["http://127.0.0.1/oauth/callback"],
        "scopes": ["sso:account:access"],
        "issuerUrl": issuer.format(start=aws.emulator.start_url),
    }
    if accepted:
        assert aws.register_raw(**fields)["clientId"]
        return
    with pytest.raises(aws.oidc.exceptions.InvalidRequestException) as refused:
        aws.register_raw(**fields)
    assert refused.value.response["error_description"] == "Invalid issuer url"
