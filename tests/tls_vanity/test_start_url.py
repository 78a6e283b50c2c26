"""Start URL resolution (idc.signin.start_url) against AWS CLI v2's rules and the real local server."""

from __future__ import annotations

from typing import Any

import pytest

from idc.errors import ConfigError, ServiceError
from idc.signin.start_url import is_aws_owned_host, region_of_host, resolve_start_url
from tls_vanity.support import PORTAL_REGION, PORTAL_URL

OWNED = [
    ("d-1234567890.awsapps.com", True),
    ("D-1234567890.AWSAPPS.COM.", True),
    ("d-1234567890.awsapps.cn", True),
    ("ssoins-1.portal.us-east-1.app.aws", True),
    ("ssoins-1.us-east-1.portal.amazonaws.com", True),
    ("ssoins-1.cn-north-1.portal.amazonaws.com.cn", True),
    ("ssoins-1.portal.cn-north-1.app.amazonwebservices.com.cn", True),
    ("ssoins-1.eusc-de-east-1.portal.amazonaws.eu", True),
    ("ssoins-1.portal.eusc-de-east-1.api.amazonwebservices.eu", True),
    ("identitycenter.amazonaws.com", True),
    ("identitycenter.amazonaws.com.cn", True),
    ("identitycenter.amazonaws.eu", True),
    ("identitycenter.us-gov.amazonaws.com", True),
    ("awsapps.com", True),
    ("sso.example.com", False),
    ("awsapps.com.evil.example", False),
    ("evilawsapps.com", False),
    ("identitycenter.amazonaws.com.evil.example", False),
    ("localhost", False),
]


@pytest.mark.parametrize(("host", "owned"), OWNED, ids=[host for host, _ in OWNED])
def test_aws_owned_hosts(host: str, owned: bool) -> None:
    assert is_aws_owned_host(host) is owned


REGIONS = [
    ("ssoins-1.portal.us-east-1.app.aws", "us-east-1"),
    ("ssoins-1.ap-southeast-2.portal.amazonaws.com", "ap-southeast-2"),
    ("ssoins-1.cn-northwest-1.portal.amazonaws.com.cn", "cn-northwest-1"),
    ("ssoins-1.portal.cn-north-1.app.amazonwebservices.com.cn", "cn-north-1"),
    ("ssoins-1.eusc-de-east-1.portal.amazonaws.eu", "eusc-de-east-1"),
    ("ssoins-1.portal.eusc-de-east-1.api.amazonwebservices.eu", "eusc-de-east-1"),
    ("SSOINS-1.PORTAL.EU-WEST-1.APP.AWS", "eu-west-1"),
    ("d-1234567890.awsapps.com", None),
    ("identitycenter.amazonaws.com", None),
    ("a.b.portal.us-east-1.app.aws", None),
]


@pytest.mark.parametrize(("host", "region"), REGIONS, ids=[host for host, _ in REGIONS])
def test_region_from_portal_host(host: str, region: str | None) -> None:
    assert region_of_host(host) == region


def _no_request(method: str, url: str) -> tuple[int, str | None]:
    raise AssertionError(f"no request expected, got {method} {url}")


def test_aws_owned_start_url_is_used_as_is_without_a_request() -> None:
    url = "https://d-1234567890.awsapps.com/start/"
    resolved = resolve_start_url(url, "us-east-2", transport=_no_request)
    assert (resolved.start_url, resolved.portal_url, resolved.region) == (url, url, "us-east-2")
    assert not resolved.is_vanity


def test_aws_owned_start_url_needs_the_configured_region() -> None:
    with pytest.raises(ConfigError, match="sso_region"):
        resolve_start_url("https://ssoins-1.portal.us-east-1.app.aws", None, transport=_no_request)


def _answers(table: dict[str, tuple[int, str | None]]) -> Any:
    calls: list[str] = []

    def send(method: str, url: str) -> tuple[int, str | None]:
        calls.append(method)
        return table[method]

    send.calls = calls  # type: ignore[attr-defined]
    return send


def test_head_not_allowed_falls_back_to_get() -> None:
    send = _answers({"HEAD": (405, None), "GET": (302, "https://ssoins-9.portal.ap-south-1.app.aws/start/")})
    resolved = resolve_start_url("https://sso.example.com/start", None, transport=send)
    assert send.calls == ["HEAD", "GET"]
    assert resolved.portal_url == "https://ssoins-9.portal.ap-south-1.app.aws/start"  # trailing / dropped
    assert resolved.region == "ap-south-1"


def test_a_relative_redirect_is_joined_and_only_one_is_followed() -> None:
    send = _answers({"HEAD": (301, "/next")})
    with pytest.raises(ConfigError, match="AWS-owned endpoint"):
        resolve_start_url("https://sso.example.com/start", "us-east-1", transport=send)
    assert send.calls == ["HEAD"]


ERRORS = [
    ("no-redirect", {"HEAD": (200, None)}, None, ConfigError, "to an AWS-owned endpoint"),
    ("http-status", {"HEAD": (404, None)}, None, ServiceError, "HTTP 404"),
    ("no-location", {"HEAD": (302, None)}, None, ServiceError, "no Location header"),
    ("to-http", {"HEAD": (302, "http://ssoins-1.portal.us-east-1.app.aws")}, None, ConfigError, "not https"),
    ("classic-host-no-region", {"HEAD": (302, "https://d-1.awsapps.com/start")}, None, ConfigError, "Region"),
]


@pytest.mark.parametrize(
    ("answers", "region", "error", "text"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_resolution_errors(answers: Any, region: str | None, error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text):
        resolve_start_url("https://sso.example.com/start", region, transport=_answers(answers))


def test_classic_portal_host_keeps_the_configured_region() -> None:
    send = _answers({"HEAD": (302, "https://d-1234567890.awsapps.com/start")})
    resolved = resolve_start_url("https://sso.example.com/start", "sa-east-1", transport=send)
    assert (resolved.portal_url, resolved.region) == ("https://d-1234567890.awsapps.com/start", "sa-east-1")


def test_vanity_url_served_over_tls_resolves_with_the_ca(vanity_emulator: Any) -> None:
    resolved = resolve_start_url(vanity_emulator.vanity_url, "us-west-2", verify=vanity_emulator.ca_file)
    assert resolved.start_url == vanity_emulator.vanity_url
    assert resolved.portal_url == PORTAL_URL
    assert resolved.region == PORTAL_REGION  # the portal host wins over the configured Region


def test_vanity_url_without_the_ca_is_one_line_naming_ca_bundle(vanity_emulator: Any) -> None:
    with pytest.raises(ServiceError) as raised:
        resolve_start_url(vanity_emulator.vanity_url, None, verify=True)
    text = str(raised.value)
    assert "\n" not in text
    assert "is not trusted" in text and "--ca-bundle" in text


def test_vanity_url_with_verification_off(vanity_emulator: Any) -> None:
    assert resolve_start_url(vanity_emulator.vanity_url, None, verify=False).portal_url == PORTAL_URL
