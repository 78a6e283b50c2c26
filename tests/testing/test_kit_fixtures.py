"""The kit's fixtures as idc's own suite uses them: a PKCE sign-in (idc's login) approved by
``idc_approve.opener``, then the steering fixtures each doing what it says."""

from __future__ import annotations

import io
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


@pytest.fixture
def signed_in(
    idc_center: Any, idc_env: dict[str, str], idc_approve: Any, aws_home: Any, monkeypatch: Any
) -> Any:
    """demo signed in with idc's login (authorization code + PKCE); boto3's sso client and the token."""
    from idc.aws.clients import BotocoreClientFactory
    from idc.signin.login import login
    from idc.signin.subject import SsoSessionTarget
    from idc.storage.locations import Locations

    for name, value in idc_env.items():
        monkeypatch.setenv(name, value)
    target = SsoSessionTarget("org", idc_center.start_url, idc_center.region, ("sso:account:access",))
    opener = idc_approve.opener("demo")
    token = login(
        target,
        locations=Locations.from_environ(),
        client_factory=BotocoreClientFactory(),
        opener=opener,
        out=io.StringIO(),
        timeout=30,
    )
    opener.wait()
    assert opener.callback_url is not None and "code=" in opener.callback_url
    sso = boto3.session.Session().client(
        "sso", region_name=idc_center.region, config=Config(retries={"total_max_attempts": 1})
    )
    return sso, token.access_token


def _accounts(signed_in: Any) -> list[str]:
    sso, token = signed_in
    return [a["accountId"] for a in sso.list_accounts(accessToken=token)["accountList"]]


def _error(signed_in: Any) -> str:
    with pytest.raises(ClientError) as caught:
        _accounts(signed_in)
    return str(caught.value.response["Error"]["Code"])


def test_pkce_sign_in_approved_by_the_kit(signed_in: Any) -> None:
    assert _accounts(signed_in) == ["123456789012"]


def test_end_sessions(signed_in: Any, idc_end_sessions: Any) -> None:
    assert idc_end_sessions("demo") == 1
    assert _error(signed_in) == "UnauthorizedException"


def test_expire_tokens(signed_in: Any, idc_expire_tokens: Any) -> None:
    assert idc_expire_tokens("demo")["tokens"] >= 1
    assert _error(signed_in) == "UnauthorizedException"


def test_inject_fault(signed_in: Any, idc_inject_fault: Any) -> None:
    idc_inject_fault(operation="ListAccounts", status=429, retry_after=1, count=1)
    assert _error(signed_in) == "TooManyRequestsException"
    assert _accounts(signed_in) == ["123456789012"]  # the fault was for one call
