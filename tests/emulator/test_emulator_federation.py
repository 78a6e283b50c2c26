"""The federation endpoint: getSigninToken checks the session credentials, login uses a token once."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

import pytest
from emulator_clients import Clients


def _role_credentials(aws: Clients) -> dict[str, str]:
    _, token = aws.device_login()
    role = aws.sso.get_role_credentials(
        accessToken=token["accessToken"], accountId="123456789012", roleName="AdministratorAccess"
    )["roleCredentials"]
    return {
        "sessionId": role["accessKeyId"],
        "sessionKey": role["secretAccessKey"],
        "sessionToken": role["sessionToken"],
    }


def _call(aws: Clients, params: dict[str, str], *, post: bool = True) -> tuple[int, bytes, str]:
    """(status, body, final URL): POST form or GET query, as AWS takes either; redirects followed."""
    url = f"{aws.emulator.base_url}/federation"
    data = urlencode(params).encode() if post else None
    if not post:
        url += "?" + urlencode(params)
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as response:
            return response.status, response.read(), response.url
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read(), url


def _signin_token(aws: Clients, session: dict[str, str], **extra: str) -> tuple[int, bytes]:
    status, body, _ = _call(aws, {"Action": "getSigninToken", "Session": json.dumps(session), **extra})
    return status, body


@pytest.mark.parametrize("post", [True, False], ids=["POST-form", "GET-query"])
def test_signin_token_for_issued_credentials(aws: Clients, post: bool) -> None:
    session = _role_credentials(aws)
    status, body, _ = _call(aws, {"Action": "getSigninToken", "Session": json.dumps(session)}, post=post)
    assert status == 200
    assert len(json.loads(body)["SigninToken"]) >= 40


# (id, change to the session JSON, SessionDuration or None)
REFUSED = [
    ("unknown-key", {"sessionId": "ASIAAAAAAAAAAAAAAAAA"}, None),
    ("wrong-secret", {"sessionKey": "x" * 40}, None),
    ("wrong-session-token", {"sessionToken": "forged"}, None),
    ("missing-token", {"sessionToken": ""}, None),
    ("duration-too-short", {}, "899"),
    ("duration-too-long", {}, "43201"),
    ("duration-not-a-number", {}, "1h"),
]


@pytest.mark.parametrize(("change", "duration"), [pytest.param(c, d, id=i) for i, c, d in REFUSED])
def test_getsignintoken_refuses_what_aws_refuses(
    aws: Clients, change: dict[str, str], duration: str | None
) -> None:
    session = {**_role_credentials(aws), **change}
    extra = {"SessionDuration": duration} if duration is not None else {}
    status, body = _signin_token(aws, session, **extra)
    assert status == 400
    assert b"SigninToken" not in body


@pytest.mark.parametrize("duration", ["900", "43200"])
def test_session_duration_bounds_are_accepted(aws: Clients, duration: str) -> None:
    assert _signin_token(aws, _role_credentials(aws), SessionDuration=duration)[0] == 200


@pytest.mark.parametrize("raw", ["", "not json", "[1]", '{"sessionId": 1}'])
def test_malformed_session_parameter(aws: Clients, raw: str) -> None:
    status, _, _ = _call(aws, {"Action": "getSigninToken", "Session": raw})
    assert status == 400


def test_expired_credentials_get_no_token(aws: Clients) -> None:
    session = _role_credentials(aws)
    aws.emulator.advance_clock(3601)
    assert _signin_token(aws, session)[0] == 400


def _login(aws: Clients, token: str) -> tuple[int, bytes, str]:
    destination = "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
    params = {
        "Action": "login",
        "Issuer": "https://example.com",
        "Destination": destination,
        "SigninToken": token,
    }
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    url = f"{aws.emulator.base_url}/federation?{urlencode(params)}"
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read(), response.url
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read(), url


def _token(aws: Clients) -> str:
    status, body = _signin_token(aws, _role_credentials(aws))
    assert status == 200
    token: str = json.loads(body)["SigninToken"]
    return token


def test_login_lands_on_the_console_once(aws: Clients) -> None:
    token = _token(aws)
    status, page, url = _login(aws, token)
    assert (status, url) == (200, f"{aws.emulator.base_url}/console")
    text = page.decode()
    assert "AWS Management Console" in text
    assert "assumed-role/AWSReservedSSO_AdministratorAccess_" in text
    assert "/s3/home?region=eu-west-1" in text
    status, page, _ = _login(aws, token)
    assert status == 400
    assert "already used" in page.decode()


@pytest.mark.parametrize(("wait", "status"), [(899, 200), (901, 400)], ids=["within-15-min", "after-15-min"])
def test_signin_token_lives_fifteen_minutes(aws: Clients, wait: int, status: int) -> None:
    token = _token(aws)
    aws.emulator.advance_clock(wait)
    assert _login(aws, token)[0] == status


@pytest.mark.parametrize(
    "params",
    [
        {"Action": "login", "SigninToken": "x", "Destination": "https://a"},
        {"Action": "login"},
        {"Action": "nope"},
    ],
    ids=["unknown-token", "nothing", "unknown-action"],
)
def test_bad_requests_are_400(aws: Clients, params: dict[str, Any]) -> None:
    assert _call(aws, params, post=False)[0] == 400


def test_stats_count_the_federation_actions(aws: Clients) -> None:
    """getSigninToken and login are counted like the API operations, refused calls included."""
    session = _role_credentials(aws)
    aws.emulator.admin("stats", {"reset": True})
    status, body = _signin_token(aws, session)
    assert status == 200
    assert _signin_token(aws, {**session, "sessionKey": "x" * 40})[0] == 400
    token = json.loads(body)["SigninToken"]
    assert _login(aws, token)[0] == 200
    assert _login(aws, token)[0] == 400  # used once already
    assert _call(aws, {"Action": "nope"}, post=False)[0] == 400
    assert aws.emulator.stats() == {"getSigninToken": 2, "login": 2}
    assert aws.emulator.admin("stats", {"reset": True})["calls"]["login"] == 2
    assert aws.emulator.stats() == {}
