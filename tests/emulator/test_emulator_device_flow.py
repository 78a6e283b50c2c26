"""The device authorization grant (RFC 8628) end to end with boto3's sso-oidc client."""

from __future__ import annotations

import pytest
from emulator_clients import DEVICE_GRANT, Clients


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
    assert start["verificationUriComplete"] == f"{aws.emulator.base_url}/device?user_code={start['userCode']}"
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
