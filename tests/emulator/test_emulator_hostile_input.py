"""Hostile input never reaches a 500: every operation, every field, a table of values no client sends.

Each test throws the whole table at one operation (a valid body with one field replaced, then whole
bodies that are not what the operation reads) and lists every answer of 500 or more. Values are raw
JSON texts, so NaN, 1e999, lone surrogates and nesting too deep for a recursive parser reach the server
exactly as a hostile client would send them.
"""

from __future__ import annotations

import json
import random
import socket
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from emulator_clients import Clients

DEEP = 100_000

# Field values, as raw JSON text.
VALUES: dict[str, str] = {
    "null": "null",
    "true": "true",
    "zero": "0",
    "negative": "-1",
    "float": "1.5",
    "huge-float": "1e308",
    "overflow-float": "1e999",
    "nan": "NaN",
    "infinity": "-Infinity",
    "huge-int": "1" + "0" * 400,
    "empty": '""',
    "space": '" "',
    "nul": '"\\u0000"',
    "lone-high-surrogate": '"\\ud800"',
    "lone-low-surrogate": '"a\\udfffb"',
    "non-ascii": '"caf\\u00e9 \\ud83d\\udca5"',
    "newlines": '"a\\r\\nb"',
    "long": json.dumps("a" * 9000),
    "path": '"../../etc/passwd"',
    "template": '"{{7*7}}<script>"',
    "percent": '"%00%zz%"',
    "ipv6-unclosed": '"http://[::1/cb"',
    "ipv6-garbage": '"https://[zz]/cb"',
    "port-too-big": '"http://127.0.0.1:99999/oauth/callback"',
    "port-negative": '"http://127.0.0.1:-1/oauth/callback"',
    "port-text": '"http://127.0.0.1:abc/oauth/callback"',
    "userinfo": '"http://user:pw@127.0.0.1/oauth/callback"',
    "javascript": '"javascript:alert(1)"',
    "no-scheme": '"//127.0.0.1/cb"',
    "list": "[]",
    "list-of-null": "[null]",
    "list-of-surrogate": '["\\ud800"]',
    "list-of-bad-uris": '["http://[::1/cb", "https://[zz]/cb", "http://127.0.0.1:99999/cb"]',
    "list-of-lists": "[[[]]]",
    "long-list": json.dumps(["x"] * 1000),
    "object": "{}",
    "nested-object": '{"a": {"b": []}}',
    "deep-list": "[" * DEEP + "]" * DEEP,
    "deep-object": '{"a":' * DEEP + "1" + "}" * DEEP,
}

# Whole request bodies.
BODIES: dict[str, bytes] = {
    "empty": b"",
    "null": b"null",
    "list": b"[]",
    "number": b"1",
    "string": b'"x"',
    "truncated": b'{"clientName": "x"',
    "not-utf8": b"\xff\xfe\xfd",
    "deep-list": b"[" * DEEP,
    "deep-object": b'{"a":' * DEEP,
    "surrogate-key": b'{"\\ud800": 1}',
    "nan-only": b"NaN",
    "too-large": b'{"a": "' + b"x" * 70_000 + b'"}',
    "form-encoded": b"a=1&b=2",
}


def _body(base: dict[str, Any], field: str, raw: str) -> bytes:
    parts = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in base.items() if k != field]
    parts.append(f"{json.dumps(field)}: {raw}")
    return ("{" + ", ".join(parts) + "}").encode("utf-8", "surrogatepass")


def _variants(
    base: dict[str, Any], extra_fields: tuple[str, ...] = ("unknownField",)
) -> Iterator[tuple[str, bytes]]:
    for field in (*base, *extra_fields):
        for name, raw in VALUES.items():
            yield f"{field}={name}", _body(base, field, raw)
    for name, body in BODIES.items():
        yield f"body={name}", body


@pytest.fixture
def http(aws: Clients) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=aws.emulator.base_url, timeout=30) as client:
        yield client


def _server_errors(answers: Iterator[tuple[str, httpx.Response]]) -> tuple[int, list[str]]:
    count, failures = 0, []
    while True:
        try:
            case, response = next(answers)
        except StopIteration:
            return count, failures
        except httpx.TransportError as dropped:  # the server dropped the connection: worse than a 500
            failures.append(f"after {count} cases: {type(dropped).__name__}")
            continue
        count += 1
        if response.status_code >= 500:
            failures.append(f"{case}: {response.status_code} {response.text[:120]}")


def _post_all(
    http: httpx.Client,
    path: str,
    variants: Iterator[tuple[str, bytes]],
    headers: dict[str, str] | None = None,
) -> tuple[int, list[str]]:
    sent = {"Content-Type": "application/json", **(headers or {})}
    return _server_errors((case, http.post(path, content=body, headers=sent)) for case, body in variants)


def _expected(base: dict[str, Any]) -> int:
    return (len(base) + 1) * len(VALUES) + len(BODIES)


def _client(aws: Clients) -> dict[str, Any]:
    return aws.register(
        scopes=["sso:account:access"],
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=["http://127.0.0.1/oauth/callback"],
        issuerUrl=aws.emulator.start_url,
    )


def _oidc_bases(aws: Clients) -> dict[str, tuple[str, dict[str, Any]]]:
    client = _client(aws)
    ids = {"clientId": client["clientId"], "clientSecret": client["clientSecret"]}
    return {
        "RegisterClient": (
            "/client/register",
            {
                "clientName": "fuzz",
                "clientType": "public",
                "scopes": ["sso:account:access"],
                "grantTypes": ["authorization_code", "refresh_token"],
                "redirectUris": ["http://127.0.0.1/oauth/callback"],
                "issuerUrl": aws.emulator.start_url,
            },
        ),
        "StartDeviceAuthorization": ("/device_authorization", {**ids, "startUrl": aws.emulator.start_url}),
        "CreateToken-device": (
            "/token",
            {**ids, "grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": "d" * 43},
        ),
        "CreateToken-code": (
            "/token",
            {
                **ids,
                "grantType": "authorization_code",
                "code": "c" * 43,
                "redirectUri": "http://127.0.0.1:1/oauth/callback",
                "codeVerifier": "v" * 43,
            },
        ),
        "CreateToken-refresh": ("/token", {**ids, "grantType": "refresh_token", "refreshToken": "r" * 43}),
    }


@pytest.mark.parametrize(
    "operation",
    [
        "RegisterClient",
        "StartDeviceAuthorization",
        "CreateToken-device",
        "CreateToken-code",
        "CreateToken-refresh",
    ],
)
def test_sso_oidc_operations_never_answer_500(aws: Clients, http: httpx.Client, operation: str) -> None:
    path, base = _oidc_bases(aws)[operation]
    count, failures = _post_all(http, path, _variants(base))
    assert failures == [] and count == _expected(base)


ADMIN_BASES: dict[str, dict[str, Any]] = {
    "advance-clock": {"seconds": 0},
    "end-sessions": {"user": "nobody"},
    "expire": {"user": "nobody", "what": "tokens"},
    "fault": {"operation": "ListAccounts", "status": 429, "retry_after": 1, "count": 1},
    "fault-latency": {"operation": "ListAccounts", "latency_ms": 0, "tps_limit": 1000},
    "fault-error": {"operation": "CreateToken", "error": "invalid_grant", "message": "m"},
    "stats": {"reset": False},
    "clear-faults": {"baseline": False},
    "faults": {},
    "info": {},
}


@pytest.mark.parametrize("action", list(ADMIN_BASES))
def test_admin_actions_never_answer_500(aws: Clients, http: httpx.Client, action: str) -> None:
    auth = {"Authorization": f"Bearer {aws.emulator.admin_token}"}
    path = "/_admin/" + ("fault" if action.startswith("fault-") else action)
    count, failures = _post_all(http, path, _variants(ADMIN_BASES[action]), headers=auth)
    http.post("/_admin/clear-faults", headers=auth, content=b'{"baseline": true}')
    assert failures == [] and count == _expected(ADMIN_BASES[action])
    assert http.post("/client/register", json={"clientName": "x", "clientType": "public"}).status_code == 200


def _texts() -> Iterator[tuple[str, str]]:
    """The table's values as query-string text (what a GET can carry)."""
    for name, raw in VALUES.items():
        if len(raw) > 10_000:
            continue  # no URL that long reaches a server
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            value = raw
        yield name, value if isinstance(value, str) else raw


def _header_texts() -> Iterator[tuple[str, bytes]]:
    """The values an HTTP client can put in a header (raw UTF-8 bytes, no control characters)."""
    for name, text in _texts():
        header = text.encode("utf-8", "surrogatepass")
        if header == header.strip() and all(32 <= b != 127 for b in header):
            yield name, header


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/federation/credentials", {"role_name": "AdministratorAccess", "account_id": "123456789012"}),
        ("/assignment/accounts", {"max_result": "10", "next_token": "t"}),
        ("/assignment/roles", {"account_id": "123456789012", "max_result": "10", "next_token": "t"}),
    ],
    ids=["GetRoleCredentials", "ListAccounts", "ListAccountRoles"],
)
def test_portal_operations_never_answer_500(
    aws: Clients, http: httpx.Client, path: str, params: dict[str, str]
) -> None:
    _, token = aws.device_login()
    good = token["accessToken"]

    def answers() -> Iterator[tuple[str, httpx.Response]]:
        for field in params:
            for name, text in _texts():
                query = urllib.parse.urlencode(
                    {**params, field: text}, encoding="utf-8", errors="surrogatepass"
                )
                yield f"{field}={name}", http.get(f"{path}?{query}", headers={"x-amz-sso_bearer_token": good})
        for name, header in _header_texts():
            yield f"token={name}", http.get(path, params=params, headers={"x-amz-sso_bearer_token": header})

    count, failures = _server_errors(answers())
    assert failures == [] and count > 100


def test_logout_and_sts_never_answer_500(aws: Clients, http: httpx.Client) -> None:
    def answers() -> Iterator[tuple[str, httpx.Response]]:
        for name, body in BODIES.items():
            yield (
                f"logout body={name}",
                http.post("/logout", content=body, headers={"x-amz-sso_bearer_token": "x"}),
            )
        for name, text in _texts():
            form = "Action=GetCallerIdentity&Version=2011-06-15&X=" + urllib.parse.quote(
                text, errors="surrogatepass"
            )
            yield f"sts form={name}", http.post("/", content=form)
        form = "Action=GetCallerIdentity&Version=2011-06-15"
        for name, header in _header_texts():
            if header:
                signed = (
                    b"AWS4-HMAC-SHA256 Credential=ASIA" + header + b"/20260101/us-east-1/sts/aws4_request, "
                    b"SignedHeaders=host;x-amz-date, Signature=" + b"0" * 64
                )
                yield (
                    f"sts authorization={name}",
                    http.post(
                        "/", content=form, headers={"Authorization": signed, "X-Amz-Date": "20260101T000000Z"}
                    ),
                )
                yield (
                    f"sts x-amz-date={name}",
                    http.post(
                        "/",
                        content=form,
                        headers={"Authorization": signed, "X-Amz-Date": b"20260101" + header},
                    ),
                )

    count, failures = _server_errors(answers())
    assert failures == [] and count > 60


def test_the_authorize_page_never_answers_500(aws: Clients, http: httpx.Client) -> None:
    client = _client(aws)
    params = {
        "response_type": "code",
        "client_id": client["clientId"],
        "redirect_uri": "http://127.0.0.1:1/oauth/callback",
        "state": "s",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
        "scopes": "sso:account:access",
    }

    def answers() -> Iterator[tuple[str, httpx.Response]]:
        for field in params:
            for name, text in _texts():
                query = urllib.parse.urlencode(
                    {**params, field: text}, encoding="utf-8", errors="surrogatepass"
                )
                yield f"{field}={name}", http.get(f"/authorize?{query}")

    count, failures = _server_errors(answers())
    assert failures == [] and count > 200


def test_the_federation_endpoint_never_answers_500(aws: Clients, http: httpx.Client) -> None:
    """The console sign-in federation endpoint: getSigninToken's Session is JSON inside a parameter."""
    session = json.dumps({"sessionId": "ASIAX", "sessionKey": "k", "sessionToken": "t"})
    cases = {"Action": "getSigninToken", "Session": session, "SessionDuration": "3600"}

    def answers() -> Iterator[tuple[str, httpx.Response]]:
        for action in ("getSigninToken", "login"):
            base = dict(cases, Action=action, SigninToken="t", Destination="/console")
            for field in base:
                for name, text in _texts():
                    params = {**base, field: text}
                    query = urllib.parse.urlencode(params, encoding="utf-8", errors="surrogatepass")
                    yield f"GET {action} {field}={name}", http.get(f"/federation?{query}")
            for name, raw in VALUES.items():  # the Session JSON itself, POSTed (no URL length limit)
                form = urllib.parse.urlencode({**base, "Session": raw}, errors="surrogatepass")
                yield f"POST {action} Session={name}", http.post("/federation", content=form)

    count, failures = _server_errors(answers())
    assert failures == [] and count > 300


SESSION_KEYS = ("sessionId", "sessionKey", "sessionToken")
SHALLOW = 3000  # nesting too deep for a recursive parser that still fits the 16 KB form limit


def _federation_sessions() -> Iterator[tuple[str, str]]:
    """``Session`` JSON texts: each key's value replaced by each of the table's, then whole texts."""
    base = {key: "x" for key in SESSION_KEYS}
    for key in SESSION_KEYS:
        for name, raw in VALUES.items():
            if len(raw) < 10_000:
                yield f"{key}={name}", _body(base, key, raw).decode("utf-8", "surrogatepass")
    yield "deep-list", "[" * SHALLOW + "]" * SHALLOW
    yield "deep-object", '{"a":' * SHALLOW + "1" + "}" * SHALLOW
    yield "deep-in-key", _body(base, "sessionId", "[" * SHALLOW + "]" * SHALLOW).decode()
    yield "surrogate-key", '{"\\ud800": "x", "sessionId": "x", "sessionKey": "x", "sessionToken": "x"}'


def _fuzzed_forms(seed: int, count: int) -> Iterator[tuple[str, bytes]]:
    """Random form bodies built from the pieces a federation request is made of, seeded to repeat."""
    rng = random.Random(seed)
    pieces = [
        "Action=getSigninToken",
        "Action=login",
        "Session=",
        "SessionDuration=",
        "SigninToken=",
        "Destination=",
        "Issuer=",
        "&",
        "=",
        "%",
        "%ud800",
        "%ED%A0%80",
        "%FF",
        "%00",
        "+",
        "{",
        "}",
        "[",
        "]",
        '"',
        ":",
        ",",
        "\\ud800",
        "\\u0000",
        "1e999",
        "NaN",
        "-1",
        "9" * 30,
        "https://x/",
        "%7B%22",
    ]
    for case in range(count):
        parts = [rng.choice(pieces) for _ in range(rng.randint(1, 40))]
        if rng.random() < 0.2:
            parts.append(urllib.parse.quote("[" * rng.randint(500, 4000)))
        body = "".join(parts).encode("utf-8", "surrogatepass")
        if rng.random() < 0.1:
            body += bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        yield f"fuzz-{seed}-{case}", body


def test_the_federation_session_json_never_answers_500(aws: Clients, http: httpx.Client) -> None:
    """Lone surrogates and nesting too deep, inside ``Session``'s object, GET and POST, and a fuzz."""

    def answers() -> Iterator[tuple[str, httpx.Response]]:
        for name, session in _federation_sessions():
            params = {"Action": "getSigninToken", "Session": session, "SessionDuration": "3600"}
            form = urllib.parse.urlencode(params, encoding="utf-8", errors="surrogatepass")
            yield f"POST Session {name}", http.post("/federation", content=form)
            if len(form) < 8000:
                yield f"GET Session {name}", http.get(f"/federation?{form}")
        for name, body in _fuzzed_forms(seed=17, count=400):
            yield f"POST {name}", http.post("/federation", content=body)
            if len(body) < 8000 and all(33 <= b < 127 and b != ord("#") for b in body):
                yield f"GET {name}", http.get(f"/federation?{body.decode()}")

    count, failures = _server_errors(answers())
    assert failures == [] and count > 800


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "declared"])
def test_the_federation_endpoint_stops_reading_at_its_limit(aws: Clients, chunked: bool) -> None:
    """A body over 16 KB is refused once the limit is passed, without waiting for (or reading) the rest:
    the client sends 20 KB of a body that claims to go on and never ends it."""
    host, port = urllib.parse.urlsplit(aws.emulator.base_url).netloc.split(":")
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: 150000000"
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        raw.sendall(
            b"POST /federation HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n" + framing + b"\r\n\r\n"
        )
        piece = b"Session=" + b"x" * 1024
        for _ in range(20):
            raw.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        answer = raw.recv(4096)  # a socket timeout here: the server still waits for the rest
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
