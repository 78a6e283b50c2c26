"""The device authorization grant (RFC 8628) end to end with boto3's sso-oidc client."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from emulator_clients import DEVICE_GRANT, Clients, make_clients

from idc.emulator.oidc.user_code_guesses import WRONG_USER_CODE_LIMIT, WRONG_USER_CODES_PER_USER
from idc.emulator.service_errors import TooManyAttempts
from idc.emulator.state_store import digest


def _start(aws: Clients, scopes: list[str] | None = None) -> tuple[dict, dict]:
    client = aws.register(scopes=scopes)
    start = aws.oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=aws.emulator.start_url
    )
    return client, start


def _poll(aws: Clients, client: dict, start: dict) -> dict:
    return aws.oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType=DEVICE_GRANT,
        deviceCode=start["deviceCode"],
    )


def test_complete_device_flow_then_portal_and_sts(aws: Clients) -> None:
    client, start = _start(aws, scopes=["sso:account:access"])
    # As AWS serves it since mid-2026: an opaque request reference, not the user code.
    complete = start["verificationUriComplete"]
    assert complete.startswith(f"{aws.emulator.base_url}/device?request_uri=urn%3Aietf%3Aparams%3Aoauth%3A")
    assert start["userCode"] not in complete and start["userCode"].replace("-", "") not in complete
    assert start["verificationUri"] == f"{aws.emulator.base_url}/device"
    assert start["expiresIn"] == 600 and start["interval"] == 1
    with pytest.raises(aws.oidc.exceptions.AuthorizationPendingException):
        _poll(aws, client, start)
    engine = aws.emulator.engine
    view = engine.find_device_authorization(start["userCode"].lower().replace("-", ""))
    assert view is not None and view.client_name == "idc-tests" and view.status == "pending"
    session_id = engine.create_user_session(engine.authenticate("demo", "demo"))
    engine.decide_device_authorization(start["userCode"], session_id, True)
    aws.emulator.advance_clock(2)
    token = _poll(aws, client, start)
    assert token["tokenType"] == "Bearer" and token["expiresIn"] == 3600 and token["refreshToken"]

    accounts = aws.sso.list_accounts(accessToken=token["accessToken"])["accountList"]
    assert accounts == [
        {"accountId": "123456789012", "accountName": "sandbox", "emailAddress": "sandbox@example.com"}
    ]
    credentials = aws.sso.get_role_credentials(
        accessToken=token["accessToken"], accountId="123456789012", roleName="AdministratorAccess"
    )["roleCredentials"]
    identity = aws.sts(credentials).get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"].startswith(
        "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_"
    )
    assert identity["Arn"].endswith("/demo")

    # single use: the device code cannot be exchanged twice
    with pytest.raises(aws.oidc.exceptions.InvalidGrantException):
        _poll(aws, client, start)


def test_slow_down_adds_five_seconds_for_this_and_later_polls(aws: Clients) -> None:
    client, start = _start(aws)
    with pytest.raises(aws.oidc.exceptions.AuthorizationPendingException):
        _poll(aws, client, start)
    with pytest.raises(aws.oidc.exceptions.SlowDownException) as slow:
        _poll(aws, client, start)
    assert slow.value.response["error"] == "slow_down"
    aws.emulator.advance_clock(2)  # past the first interval (1 s), not the new one (6 s)
    with pytest.raises(aws.oidc.exceptions.SlowDownException):
        _poll(aws, client, start)
    aws.emulator.advance_clock(11)  # interval is 11 s now
    with pytest.raises(aws.oidc.exceptions.AuthorizationPendingException):
        _poll(aws, client, start)


def test_expired_device_code_is_expired_token(aws: Clients) -> None:
    client, start = _start(aws)
    aws.emulator.advance_clock(601)
    with pytest.raises(aws.oidc.exceptions.ExpiredTokenException) as expired:
        _poll(aws, client, start)
    assert expired.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert aws.emulator.engine.find_device_authorization(start["userCode"]) is None


def test_denied_device_is_access_denied(aws: Clients) -> None:
    client, start = _start(aws)
    aws.approve(start["userCode"], allow=False)
    with pytest.raises(aws.oidc.exceptions.AccessDeniedException):
        _poll(aws, client, start)


def test_device_codes_are_long_random_and_user_codes_unambiguous(aws: Clients) -> None:
    client = aws.register()
    codes = [
        aws.oidc.start_device_authorization(
            clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=aws.emulator.start_url
        )
        for _ in range(20)
    ]
    device_codes = {c["deviceCode"] for c in codes}
    assert len(device_codes) == 20
    assert all(len(code) >= 43 for code in device_codes)  # base64url of >= 256 bits
    assert all(
        re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", c["userCode"]) for c in codes
    )


def test_wrong_user_codes_are_rate_limited_per_session(aws: Clients) -> None:
    _, start = _start(aws)
    engine = aws.emulator.engine
    for guess in range(WRONG_USER_CODE_LIMIT):
        assert engine.find_device_authorization(f"BCDF-{guess:04d}", guesser="session-a") is None
    with pytest.raises(TooManyAttempts):  # even the right one, until the guesses age out
        engine.find_device_authorization(start["userCode"], guesser="session-a")
    assert engine.find_device_authorization(start["userCode"], guesser="session-b") is not None


def test_a_users_wrong_codes_count_across_their_sessions(aws: Clients) -> None:
    """RFC 8628 section 5.1: signing in again gives no fresh guesses; a user past the limit is refused
    in every session, and nobody else is (the authorization itself stays usable)."""
    _, start = _start(aws)
    engine = aws.emulator.engine
    user = engine.authenticate("demo", "demo")
    guesses = 0
    while guesses < WRONG_USER_CODES_PER_USER:
        session = digest(engine.create_user_session(user))
        for _ in range(min(WRONG_USER_CODE_LIMIT - 1, WRONG_USER_CODES_PER_USER - guesses)):
            assert engine.find_device_authorization(f"BCDF-{guesses:04d}", guesser=session) is None
            guesses += 1
    with pytest.raises(TooManyAttempts):  # a new session of the same user
        engine.find_device_authorization(start["userCode"], guesser=digest(engine.create_user_session(user)))
    assert engine.find_device_authorization(start["userCode"], guesser="another-browser") is not None


# (id, change to the CreateToken call, the modeled exception)
TOKEN_ERRORS = [
    ("unknown-client", {"clientId": "nobody"}, "InvalidClientException"),
    ("wrong-secret", {"clientSecret": "wrong"}, "InvalidClientException"),
    ("unknown-device-code", {"deviceCode": "x" * 43}, "InvalidGrantException"),
    ("unsupported-grant", {"grantType": "password"}, "UnsupportedGrantTypeException"),
    ("missing-device-code", {"deviceCode": None}, "InvalidRequestException"),
]


@pytest.mark.parametrize(("change", "shape"), [pytest.param(c, s, id=i) for i, c, s in TOKEN_ERRORS])
def test_create_token_errors(aws: Clients, change: dict, shape: str) -> None:
    client, start = _start(aws)
    call = {
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
        "grantType": DEVICE_GRANT,
        "deviceCode": start["deviceCode"],
        **change,
    }
    with pytest.raises(getattr(aws.oidc.exceptions, shape)):
        aws.oidc.create_token(**{k: v for k, v in call.items() if v is not None})


# (id, change to StartDeviceAuthorization, the modeled exception)
START_ERRORS = [
    ("other-start-url", {"startUrl": "https://d-9999999999.awsapps.com/start"}, "InvalidRequestException"),
    ("unknown-client", {"clientId": "nobody"}, "InvalidClientException"),
    ("wrong-secret", {"clientSecret": "wrong"}, "InvalidClientException"),
]


@pytest.mark.parametrize(("change", "shape"), [pytest.param(c, s, id=i) for i, c, s in START_ERRORS])
def test_start_device_authorization_errors(aws: Clients, change: dict, shape: str) -> None:
    client = aws.register()
    call = {
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
        "startUrl": aws.emulator.start_url,
    }
    with pytest.raises(getattr(aws.oidc.exceptions, shape)):
        aws.oidc.start_device_authorization(**{**call, **change})


# (id, RegisterClient arguments, the modeled exception)
REGISTER_ERRORS = [
    ("confidential-client", {"clientType": "confidential"}, "InvalidClientMetadataException"),
    ("bad-scope", {"scopes": ["sso account access"]}, "InvalidScopeException"),
    ("bad-grant", {"grantTypes": ["password"]}, "InvalidClientMetadataException"),
    ("http-remote-redirect", {"redirectUris": ["http://evil.example/cb"]}, "InvalidRedirectUriException"),
    ("code-grant-without-redirect", {"grantTypes": ["authorization_code"]}, "InvalidRequestException"),
]


@pytest.mark.parametrize(("extra", "shape"), [pytest.param(e, s, id=i) for i, e, s in REGISTER_ERRORS])
def test_register_client_errors(aws: Clients, extra: dict, shape: str) -> None:
    with pytest.raises(getattr(aws.oidc.exceptions, shape)):
        aws.oidc.register_client(**{"clientName": "x", "clientType": "public", **extra})


def test_classic_device_url_style_carries_the_user_code(emulator_factory: Any) -> None:
    """``idc emulator --device-url-style classic``: the URL style of before mid-2026, for older clients."""
    emulator = emulator_factory(subprocess=True, device_url_style="classic")  # the real command line
    aws = make_clients(emulator)
    _client, start = _start(aws)
    assert start["verificationUriComplete"] == f"{emulator.base_url}/device?user_code={start['userCode']}"


def test_request_uri_maps_to_its_user_code_and_unknown_ones_count_as_wrong(aws: Clients) -> None:
    _client, start = _start(aws)
    request_uri = parse_qs(urlsplit(start["verificationUriComplete"]).query)["request_uri"][0]
    engine = aws.emulator.engine
    assert engine.user_code_for_request(request_uri) == start["userCode"]
    for _ in range(WRONG_USER_CODE_LIMIT):
        assert engine.user_code_for_request(request_uri + "x") is None
    with pytest.raises(TooManyAttempts):
        engine.user_code_for_request(request_uri + "y")
