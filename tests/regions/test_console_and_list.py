"""The console's federation endpoint and ``idc list`` when the primary Region does not answer."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from idc.console.signin_url import ConsoleTarget, console_signin_url, urllib_post
from idc.errors import ServiceError
from idc.storage.role_cache import RoleCredentials
from regions.two_regions import ADDITIONAL, PRIMARY, TwoRegions

pytestmark = pytest.mark.timeout(180)

IDC = [sys.executable, "-m", "idc"]
GLOBAL_HOST = "https://signin.aws.amazon.com/federation"
PRIMARY_HOST = f"https://{PRIMARY}.signin.aws.amazon.com/federation"
ADDITIONAL_HOST = f"https://{ADDITIONAL}.signin.aws.amazon.com/federation"


def role_credentials(two: TwoRegions) -> RoleCredentials:
    import datetime as dt

    result = subprocess.run(
        [*IDC, "credentials", "--profile", "dev"], env=two.env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    return RoleCredentials(
        access_key_id=data["AccessKeyId"],
        secret_access_key=data["SecretAccessKey"],
        session_token=data["SessionToken"],
        expiration=dt.datetime.fromisoformat(data["Expiration"].replace("Z", "+00:00")),
        account_id="123456789012",
    )


@pytest.mark.parametrize("failure", ["refused", "503"])
def test_console_federation_fails_over_to_the_regional_signin_host(
    signed_in_everywhere: TwoRegions, failure: str
) -> None:
    """The AWS sign-in hosts cannot be reached from a test: the transport sends the additional Region's
    host to the local federation endpoint and the primary's hosts fail the way a dead Region does."""
    two = signed_in_everywhere
    two.primary.down("refused")
    credentials = role_credentials(two)  # from the additional Region, as during an outage
    asked: list[str] = []

    def post(url: str, form: bytes) -> tuple[int, bytes]:
        asked.append(url)
        if url == ADDITIONAL_HOST:
            return urllib_post(f"{two.additional.base_url}/federation", form)
        if failure == "refused":
            raise ConnectionRefusedError(111, "Connection refused")
        return 503, b"Service Unavailable"

    url = console_signin_url(
        credentials,
        ConsoleTarget(region=PRIMARY),
        issuer="https://example.com/start",
        post=post,
        environ={},
        fallback_regions=[PRIMARY, ADDITIONAL],
    )
    assert asked == [GLOBAL_HOST, PRIMARY_HOST, ADDITIONAL_HOST]
    assert url.startswith(f"{ADDITIONAL_HOST}?Action=login&")


def test_console_refusal_is_an_answer_not_an_outage(signed_in_everywhere: TwoRegions) -> None:
    two = signed_in_everywhere
    credentials = role_credentials(two)
    asked: list[str] = []

    def post(url: str, form: bytes) -> tuple[int, bytes]:
        asked.append(url)
        return 400, b"bad credentials"

    with pytest.raises(ServiceError, match="refused the role credentials"):
        console_signin_url(
            credentials,
            ConsoleTarget(region=PRIMARY),
            issuer="https://example.com/start",
            post=post,
            environ={},
            fallback_regions=[PRIMARY, ADDITIONAL],
        )
    assert asked == [GLOBAL_HOST]


@pytest.mark.parametrize("mode", ["refused", "5xx"])
def test_list_uses_the_additional_region_when_the_primary_is_down(
    signed_in_everywhere: TwoRegions, mode: str
) -> None:
    two = signed_in_everywhere
    two.primary.down(mode)
    result = subprocess.run(
        [*IDC, "list", "--profile", "dev", "--output", "json"],
        env=two.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    accounts = json.loads(result.stdout)["accounts"]
    assert [account["accountId"] for account in accounts] == ["123456789012"]
    assert f"does not answer; using {ADDITIONAL}" in result.stderr
    assert two.additional.calls("ListAccounts") == 1


def test_idc_console_during_an_outage_names_the_additional_regions_portal(
    signed_in_everywhere: TwoRegions,
) -> None:
    """The credentials come from the additional Region, and the console sends an ended session back to
    that Region's portal (the Issuer), not to the one that is down."""
    from urllib.parse import parse_qs, urlsplit

    two = signed_in_everywhere
    two.primary.down("refused")
    env = {**two.env, "AWS_ENDPOINT_URL_SIGNIN": two.additional.base_url}
    result = subprocess.run(
        [*IDC, "console", "--profile", "dev", "--print"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    query = parse_qs(urlsplit(result.stdout.strip()).query)
    assert query["Issuer"] == [two.additional.start_url]
    assert query["SigninToken"][0]
    assert f"does not answer; using {ADDITIONAL}" in result.stderr
