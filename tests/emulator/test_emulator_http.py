"""The wire: error shapes and headers, bad input, the Host header check, the admin API's guard."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest


@pytest.fixture
def http(emulator: Any) -> httpx.Client:
    with httpx.Client(base_url=emulator.base_url, timeout=10) as client:
        yield client


# (id, path, body bytes, expected x-amzn-ErrorType shape)
BAD_OIDC_BODIES = [
    ("malformed-json", "/client/register", b'{"clientName": ', "InvalidRequestException"),
    ("json-array", "/client/register", b'["clientName"]', "InvalidRequestException"),
    ("not-utf8", "/client/register", b'{"clientName": "\xff\xfe"}', "InvalidRequestException"),
    ("empty-body", "/token", b"", "InvalidRequestException"),
    (
        "name-is-number",
        "/client/register",
        b'{"clientName": 5, "clientType": "public"}',
        "InvalidRequestException",
    ),
    (
        "scopes-is-string",
        "/client/register",
        b'{"clientName": "x", "clientType": "public", "scopes": "a"}',
        "InvalidRequestException",
    ),
    ("missing-client-type", "/client/register", b'{"clientName": "x"}', "InvalidRequestException"),
    ("oversize", "/client/register", b'{"clientName": "' + b"x" * 70_000 + b'"}', "InvalidRequestException"),
    ("grant-is-list", "/token", b'{"grantType": ["refresh_token"]}', "InvalidRequestException"),
    (
        "nested-secret",
        "/device_authorization",
        b'{"clientId": "a", "clientSecret": {"x": 1}, "startUrl": "u"}',
        "InvalidRequestException",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "shape"), [pytest.param(p, b, s, id=i) for i, p, b, s in BAD_OIDC_BODIES]
)
def test_bad_oidc_input_is_a_modeled_400(http: httpx.Client, path: str, body: bytes, shape: str) -> None:
    response = http.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"].split(":")[0] == shape
    payload = response.json()
    assert set(payload) == {"error", "error_description"} and payload["error"] == "invalid_request"
    assert "Traceback" not in response.text


def test_oidc_error_shape_matches_the_real_service(http: httpx.Client) -> None:
    response = http.post(
        "/token",
        json={"clientId": "a", "clientSecret": "b", "grantType": "refresh_token", "refreshToken": "c"},
    )
    assert response.status_code == 401
    assert response.headers["x-amzn-ErrorType"] == (
        "InvalidClientException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"
    )
    assert response.json() == {"error": "invalid_client", "error_description": "Invalid client provided"}


def test_portal_error_shape(http: httpx.Client) -> None:
    response = http.get("/assignment/accounts", headers={"x-amz-sso_bearer_token": "nope"})
    assert response.status_code == 401
    assert response.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert response.json() == {"message": "Session token not found or invalid"}
    bad = http.get(
        "/assignment/accounts", params={"max_result": "lots"}, headers={"x-amz-sso_bearer_token": "x"}
    )
    assert bad.status_code == 401  # the token is checked first, as the real portal does


def test_sts_without_signature_is_an_xml_error(http: httpx.Client) -> None:
    response = http.post(
        "/",
        content=b"Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in response.text
    assert response.headers["content-type"].startswith("text/xml")


# (id, Host header, allowed?)
HOSTS = [
    ("loopback-ip", "127.0.0.1:{port}", True),
    ("localhost", "localhost:{port}", True),
    ("ipv6-loopback", "[::1]:{port}", True),
    ("localhost-upper-case", "LOCALHOST:{port}", True),
    ("rebinding-name", "evil.example:{port}", False),
    ("rebinding-name-no-port", "evil.example", False),
    # DNS rebinding needs a foreign name; the port is the client's business (a counting proxy, a
    # fault-injecting proxy, `docker run -p 9000:8900`).
    ("proxy-port", "127.0.0.1:1", True),
    ("mapped-port", "localhost:9000", True),
    ("ipv6-other-port", "[::1]:8443", True),
    ("no-port", "127.0.0.1", True),
    ("subdomain-trick", "localhost.evil.example:{port}", False),
    ("bad-port", "127.0.0.1:http", False),
    ("port-out-of-range", "127.0.0.1:65536", False),
    ("userinfo-trick", "localhost@evil.example:{port}", False),
    ("empty-port", "localhost:", False),
    ("ipv6-unbracketed", "::1", False),
    ("evil-with-loopback-port", "evil.example:80", False),
]


@pytest.mark.parametrize(("host", "allowed"), [pytest.param(h, a, id=i) for i, h, a in HOSTS])
def test_host_header_is_checked(emulator: Any, host: str, allowed: bool) -> None:
    port = emulator.base_url.rsplit(":", 1)[1]
    response = httpx.get(
        f"{emulator.base_url}/assignment/accounts",
        headers={"Host": host.format(port=port), "x-amz-sso_bearer_token": "x"},
    )
    if allowed:
        assert response.status_code == 401
    else:
        assert response.status_code == 400
        assert response.json() == {"message": "Host header not allowed"}


def test_missing_host_header_is_rejected(emulator: Any) -> None:
    import socket

    port = int(emulator.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /assignment/accounts HTTP/1.0\r\n\r\n")
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400")


# (id, Authorization header, status)
ADMIN_AUTH = [
    ("no-token", None, 403),
    ("wrong-token", "Bearer wrong", 403),
    ("basic-scheme", "Basic {token}", 403),
    ("right-token", "Bearer {token}", 200),
]


@pytest.mark.parametrize(("authorization", "status"), [pytest.param(a, s, id=i) for i, a, s in ADMIN_AUTH])
def test_admin_api_needs_the_token(
    emulator: Any, http: httpx.Client, authorization: str | None, status: int
) -> None:
    headers = {"Authorization": authorization.format(token=emulator.admin_token)} if authorization else {}
    response = http.post("/_admin/stats", headers=headers, content=b"{}")
    assert response.status_code == status


# (id, action, body, status, message fragment)
ADMIN_BAD = [
    ("unknown-action", "reboot", {}, 404, "unknown admin action"),
    ("clock-not-number", "advance-clock", {"seconds": "ten"}, 400, "seconds must be a number"),
    (
        "fault-unknown-operation",
        "fault",
        {"operation": "DeleteEverything", "status": 500},
        400,
        "unknown operation",
    ),
    ("fault-without-effect", "fault", {"operation": "CreateToken"}, 400, "needs status"),
    ("fault-bad-status", "fault", {"status": 302}, 400, "status must be"),
    (
        "fault-error-on-portal",
        "fault",
        {"operation": "ListAccounts", "error": "invalid_grant"},
        400,
        "sso-oidc",
    ),
    (
        "fault-unknown-error",
        "fault",
        {"operation": "CreateToken", "error": "oops"},
        400,
        "unknown OAuth error",
    ),
    ("fault-unknown-field", "fault", {"status": 500, "colour": "red"}, 400, "unknown fault fields"),
    ("body-not-object", "stats", [1, 2], 400, "JSON object"),
    ("clock-nan", "advance-clock", {"seconds": float("nan")}, 400, "not valid JSON"),
    ("clock-infinity", "advance-clock", {"seconds": float("-inf")}, 400, "not valid JSON"),
    ("clock-1e308", "advance-clock", {"seconds": 1e308}, 400, "seconds must be"),
    ("clock-huge-int", "advance-clock", '{"seconds": 1%s}' % ("0" * 400), 400, "seconds must be"),
    ("fault-huge-latency", "fault", {"operation": "CreateToken", "latency_ms": 1e308}, 400, "latency_ms"),
    (
        "fault-nan-latency",
        "fault",
        {"operation": "CreateToken", "latency_ms": float("nan")},
        400,
        "not valid JSON",
    ),
    (
        "fault-huge-retry-after",
        "fault",
        '{"status": 429, "retry_after": 1%s}' % ("0" * 400),
        400,
        "retry_after",
    ),
    ("fault-huge-count", "fault", {"status": 500, "count": 1e308}, 400, "count"),
    ("fault-nan-tps", "fault", {"tps_limit": float("nan")}, 400, "not valid JSON"),
    ("fault-tiny-tps", "fault", {"tps_limit": 1e-308}, 400, "tps_limit"),
    ("end-sessions-deep", "end-sessions", {"user": [[[[[]]]]]}, 400, "user"),
]


@pytest.mark.parametrize(
    ("action", "body", "status", "fragment"), [pytest.param(a, b, s, f, id=i) for i, a, b, s, f in ADMIN_BAD]
)
def test_admin_api_rejects_bad_requests(
    emulator: Any, http: httpx.Client, action: str, body: Any, status: int, fragment: str
) -> None:
    response = http.post(
        f"/_admin/{action}",
        headers={"Authorization": f"Bearer {emulator.admin_token}"},
        content=body.encode() if isinstance(body, str) else json.dumps(body).encode(),
    )
    assert response.status_code == status
    assert fragment in response.json()["message"]
    # nothing was applied: the emulator still answers every call
    assert (
        http.post("/_admin/info", headers={"Authorization": f"Bearer {emulator.admin_token}"}).status_code
        == 200
    )
    assert http.post("/client/register", json={"clientName": "x", "clientType": "public"}).status_code == 200
